"""The bundled Chainlit app's pinned environment and its readiness check, without starting it."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from targets.chainlit.bundled import CHAINLIT_VERSION, REQUIREMENTS, environment_key, is_chainlit_answer

pytestmark = pytest.mark.unit


def test_the_requirements_pin_chainlit_and_every_package_exactly() -> None:
    lines = [line.strip() for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]

    assert f"chainlit=={CHAINLIT_VERSION}" in lines
    loose = [line for line in lines if not re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.+!\-]+", line)]
    assert not loose, f"not pinned with ==: {loose}"
    assert len(lines) > 50, "the lock should hold everything chainlit installs, not only chainlit"


def test_a_changed_requirement_gives_another_cached_environment(tmp_path: Path) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("chainlit==2.12.0\n")
    second.write_text("chainlit==2.12.1\n")

    assert environment_key(first) != environment_key(second)
    assert environment_key(first) == environment_key(first)


@pytest.mark.parametrize(
    ("status", "body", "ready"),
    [(200, {"requireLogin": True, "passwordAuth": True, "oauthProviders": []}, True),
     (200, {"requireLogin": False, "passwordAuth": False}, False),  # Chainlit, but no password sign-in
     (200, {"status": "ok"}, False),  # some other app's health answer
     (404, {"detail": "Not Found"}, False)],
)
def test_ready_means_chainlits_own_auth_config_with_password_sign_in(
    status: int, body: dict, ready: bool
) -> None:
    response = httpx.Response(status, json=body)

    assert is_chainlit_answer(response) is ready


def test_an_html_page_is_not_chainlits_answer() -> None:
    assert not is_chainlit_answer(httpx.Response(200, text="<html>not chainlit</html>"))
