"""The layout's layers, checked on every import statement (issue 17).

- ``engine/`` (the recorder, the tampering, the transports, the clock, settings, redaction, preflight's
  shared part, evidence, the browser finder and server) is plain modules: it imports nothing of
  ``fixtures/`` (pytest glue), ``targets/`` (product knowledge), ``pages/`` or ``e2e/``.
- ``targets/`` (the profiles, and the findings runner) import the engine and ``pages/``, never
  ``fixtures/``: no import circle between the profiles and the glue that asks them.
- ``pages/`` (the contract's page objects, the base the profiles build on) import only ``pages/``.

``fixtures/`` may import everything: it is where the layers meet pytest.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = ("engine", "fixtures", "targets", "pages", "e2e")
# A layer, and the first-party packages its modules must not import.
FORBIDDEN = {
    "engine": {"fixtures", "targets", "pages", "e2e"},
    "targets": {"fixtures", "e2e"},
    "pages": {"fixtures", "targets", "engine", "e2e"},
}


def imported_packages(source: str) -> Iterator[tuple[int, str]]:
    """``(line, top-level package)`` of every first-party import in ``source``, lazy ones too."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".", 1)[0]
            if top in FIRST_PARTY:
                yield node.lineno, top


def layer_problems(layer: str, files: dict[str, str]) -> list[str]:
    """Each import in ``files`` (path: source) crossing ``layer``'s boundary, as ``path:line imports X``."""
    return [f"{path}:{line} imports {package}" for path, source in sorted(files.items())
            for line, package in imported_packages(source) if package in FORBIDDEN[layer]]


def _code_of(layer: str) -> dict[str, str]:
    files = {}
    for path in sorted((ROOT / layer).rglob("*.py")):
        relative = path.relative_to(ROOT)
        # A profile's own tests are tests: they may use the suite's fixtures like any other test.
        if layer == "targets" and "tests" in relative.parts:
            continue
        if ".venv" in relative.parts or "app" in relative.parts[2:3]:
            continue  # a bundled product's own app runs in its own virtualenv
        files[str(relative)] = path.read_text(encoding="utf-8")
    return files


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(layer: str) -> None:
    files = _code_of(layer)
    assert files, f"no code found under {layer}/"
    assert layer_problems(layer, files) == []


def test_the_check_sees_a_crossing_import_even_a_lazy_one() -> None:
    files = {"engine/x.py": "import json\nfrom engine.codec import Decoded\n\n"
                            "def f():\n    from targets.registry import get_profile\n",
             "engine/y.py": "import fixtures.settings\n"}
    assert layer_problems("engine", files) == ["engine/x.py:5 imports targets",
                                               "engine/y.py:1 imports fixtures"]
