"""The checkout's own bytecode (engine/bytecode.py): written for its modules, never for what it skips, and a
module that does not compile makes it say so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.bytecode import compile_checkout, main

pytestmark = pytest.mark.unit


def _tree(root: Path) -> None:
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("VALUE = 41 + 1\n", encoding="utf-8")
    for skipped in (".nox", "node_modules", "reports"):
        (root / skipped).mkdir()
        (root / skipped / "other.py").write_text("X = 1\n", encoding="utf-8")


def test_every_module_but_the_skipped_folders_gets_its_bytecode_and_python_reads_it(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert compile_checkout(tmp_path)
    written = sorted(path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*.pyc"))
    assert written == [f"pkg/__pycache__/__init__.{sys.implementation.cache_tag}.pyc"]
    # With PYTHONDONTWRITEBYTECODE set, Python still loads the bytecode that is there.
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(tmp_path)}
    shown = subprocess.run([sys.executable, "-c", "import pkg; print(pkg.__spec__.cached, pkg.VALUE)"],
                           env=environment, capture_output=True, text=True, check=True).stdout.split()
    assert Path(shown[0]).is_file() and shown[1] == "42"


def test_up_to_date_bytecode_is_left_as_it_is(tmp_path: Path) -> None:
    _tree(tmp_path)
    compile_checkout(tmp_path)
    (cached,) = tmp_path.rglob("*.pyc")
    before = cached.stat().st_mtime_ns
    assert compile_checkout(tmp_path)
    assert cached.stat().st_mtime_ns == before


def test_a_module_that_does_not_compile_is_named_and_fails(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    _tree(tmp_path)
    (tmp_path / "pkg" / "broken.py").write_text("def f(:\n", encoding="utf-8")
    assert main([str(tmp_path)]) == 1
    assert "broken.py" in capsys.readouterr().out
    assert list((tmp_path / "pkg" / "__pycache__").glob("__init__.*.pyc"))  # the rest is still written


def test_a_folder_that_does_not_exist_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nowhere")]) == 2
    assert "no such folder" in capsys.readouterr().err
