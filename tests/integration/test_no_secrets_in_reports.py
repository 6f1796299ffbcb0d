"""No password, token, JWT or Authorization header anywhere in what a run leaves in reports/.

A real inner run of the suite (a real browser against a reference app started
here, with credentials this test knows) writes everything a run can write into a
temporary ``reports/`` folder: Allure results with every attachment, JUnit XML,
Playwright's traces (``--tracing on``), screenshots (``--screenshot on``) and
videos (``--video on``, where Playwright's ffmpeg is installed), and one test
fails on purpose (a latency budget of 1 ms) so that the failure artifacts are
there too. When Allure 3 is installed (``nox -s report`` installs it) the HTML
report is built into the folder as well. Then every file is read as bytes, and
every entry of every zip (the traces) too, and searched for:

- the password, as typed and as JSON or URL encoding would write it;
- the email of the account (redacted like the password: it is a credential of
  the shared QA account; screenshots mask it, see reports/README.md for videos);
- the access and refresh tokens of a sign-in made here with httpx (the browser's
  own tokens differ: they are found by the next rule);
- anything shaped like a JWT, and ``Bearer <token>``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.redaction import JWT_PATTERN, secret_variants
from engine.trace_redaction import trace_problems
from tests.integration.helpers import ROOT, RunningApp, launch_app, sign_in

INNER_TESTS = (
    "e2e/test_login.py::test_valid_credentials_land_on_chat_with_the_email_in_the_user_menu",
    "e2e/test_login.py::test_websocket_with_a_forged_token_is_closed_with_1008",
    # Fails on purpose (E2E_COMPLETED_WITHIN_SECONDS below), after the whole golden path ran.
    "e2e/test_golden_path.py::test_prompt_gets_the_expected_answer_over_the_five_critical_events_within_budget",
)
BEARER_TOKEN = re.compile(rb"(?i)bearer\s+(?!<redacted>)[A-Za-z0-9._~+/=-]{16,}")


@dataclass(frozen=True)
class Finding:
    where: str
    what: str


@dataclass(frozen=True)
class SearchedRun:
    reports: Path
    app: RunningApp
    tokens: dict[str, str]
    inner_output: str
    report_built: bool


def _allure_cli() -> Path | None:
    found = sorted((ROOT / ".nox" / ".cache").glob("allure-*/node_modules/.bin/allure"))
    return found[-1] if found else None


def _inner_environment(app: RunningApp) -> dict[str, str]:
    # Nothing of the outer run (its target, credentials, run id, xdist worker) reaches the inner one.
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("PYTEST_", "E2E_"))}
    environment.update(E2E_USER_EMAIL=app.email, E2E_USER_PASSWORD=app.password,
                       E2E_COMPLETED_WITHIN_SECONDS="0.001")
    return environment


@pytest.fixture(scope="module")
def searched_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchedRun]:
    """The reports/ folder of an inner run of the suite against an app whose credentials are known here."""
    work = tmp_path_factory.mktemp("secrets")
    app = launch_app(work / "app")
    tokens = sign_in(app, app.email, app.password)
    reports = work / "reports"
    command = [sys.executable, "-m", "pytest", *INNER_TESTS, "-p", "no:cacheprovider",
               "--base-url", app.backend_url,
               "--alluredir", str(reports / "allure-results"), "--clean-alluredir",
               "--junitxml", str(reports / "junit.xml"), "--output", str(reports / "test-results"),
               "--tracing", "on", "--video", "on", "--screenshot", "on"]
    try:
        inner = subprocess.run(command, cwd=ROOT, env=_inner_environment(app), capture_output=True,
                               text=True, timeout=300)
        output = inner.stdout + inner.stderr
        assert inner.returncode == 1, f"the inner run should fail exactly its golden path:\n{output[-4000:]}"
        assert "1 failed, 2 passed" in output, output[-4000:]
        allure = _allure_cli()
        if allure is not None:
            # From the temporary folder: the config's history path (reports/history) lands there too.
            results = str(reports / "allure-results")
            subprocess.run([str(allure), "generate", results, "--config", str(ROOT / "allurerc.mjs"),
                            "--output", str(reports / "allure-report")],
                           cwd=work, env={**os.environ, "ALLURE_RESULTS_DIR": results},
                           check=True, capture_output=True, timeout=300)
        yield SearchedRun(reports, app, {name: tokens[name] for name in ("access_token", "refresh_token")},
                          output, allure is not None)
    finally:
        app.stop()


def _contents(root: Path) -> Iterator[tuple[str, bytes]]:
    """Every file under ``root`` as bytes, and every entry of every zip file in it."""
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        where = str(path.relative_to(root))
        data = path.read_bytes()
        yield where, data
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    yield f"{where}!{name}", archive.read(name)


def find_secrets(root: Path, secrets: dict[str, str]) -> list[Finding]:
    """Where any of ``secrets`` (name -> value, in all its encodings), a JWT or a Bearer token occurs."""
    needles = [(name, variant.encode())
               for name, value in secrets.items() for variant in secret_variants([value])]
    findings: list[Finding] = []
    for where, data in _contents(root):
        findings.extend(Finding(where, name) for name, needle in needles if needle in data)
        if JWT_PATTERN.search(data.decode("latin-1")):
            findings.append(Finding(where, "a JWT"))
        if BEARER_TOKEN.search(data):
            findings.append(Finding(where, "a Bearer token"))
    return findings


def test_no_credential_or_token_is_left_anywhere_in_reports(searched_run: SearchedRun) -> None:
    secrets = {"the password": searched_run.app.password, "the email": searched_run.app.email,
               **{f"the {name.replace('_', ' ')}": value for name, value in searched_run.tokens.items()}}

    findings = find_secrets(searched_run.reports, secrets)

    assert not findings, "secrets left in the reports folder:\n" + "\n".join(
        f"  {finding.what} in {finding.where}" for finding in findings)


def test_the_run_left_the_artifacts_that_were_searched(searched_run: SearchedRun) -> None:
    files = [path for path in searched_run.reports.rglob("*") if path.is_file()]
    names = {path.name for path in files}

    traces = [path for path in files if path.name.endswith("-attachment.zip")]
    assert len(traces) == 3, f"one redacted trace per test in the Allure results, got {len(traces)}"
    assert all(trace_problems(trace) == [] for trace in traces), [trace_problems(trace) for trace in traces]
    assert "junit.xml" in names and "environment.properties" in names
    assert any(path.suffix == ".png" for path in (searched_run.reports / "test-results").rglob("*"))
    results = "".join(path.read_text(encoding="utf-8") for path in files if path.name.endswith(".json")
                      and "allure-results" in path.parts)
    assert '"screenshot: at failure"' in results and '"screenshot: answer shown"' in results
    assert (searched_run.reports / "allure-report" / "index.html").is_file() or not searched_run.report_built


def test_the_search_finds_what_it_looks_for(tmp_path: Path, searched_run: SearchedRun) -> None:
    planted = tmp_path / "planted"
    planted.mkdir()
    (planted / "frames.json").write_text(f'{{"protocol": "jwt-auth.{searched_run.tokens["access_token"]}"}}')
    with zipfile.ZipFile(planted / "trace.zip", "w", compression=zipfile.ZIP_DEFLATED) as trace:
        trace.writestr("trace.trace", f'{{"params": {{"value": "{searched_run.app.password}"}}}}\n')
        trace.writestr("trace.network", '{"name": "Authorization", "value": "Bearer opaque-1234567890"}\n')

    findings = find_secrets(planted, {"the password": searched_run.app.password,
                                      "the access token": searched_run.tokens["access_token"]})

    assert {(finding.where, finding.what) for finding in findings} == {
        ("frames.json", "the access token"), ("frames.json", "a JWT"),
        ("trace.zip!trace.trace", "the password"), ("trace.zip!trace.network", "a Bearer token"),
    }
