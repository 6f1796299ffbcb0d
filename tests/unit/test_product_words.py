"""A product's name or protocol word appears in code only inside its profile's folder (issue 17).

Each profile declares its words (``TargetProfile.product_words``: its name, its protocol's).
The code of the repository (``*.py``, ``*.ini``, ``*.toml``, ``*.mjs``, ``*.sh``, the files of
``.ci/``; not prose, ``*.md``, nor lock or requirements files; not ``.git``, ``.nox``,
``reports``, ``node_modules``) names them, case-insensitively, only under ``targets/<name>/``,
and in the registry's one line for it (``"<name>": "targets.<name>",`` in targets/registry.py).
So the layout shows the architecture: what knows a product is in its folder.

Every profile but ``contract`` must declare words. The contract's words are the contract's own
vocabulary (its event names, its endpoints, its test ids): the shared suite speaks it on purpose,
it is what every other profile translates into, so they are allowed in shared code and not scanned.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from targets.registry import KNOWN_TARGETS, get_profile

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = Path("targets") / "registry.py"
CODE_SUFFIXES = (".py", ".ini", ".toml", ".mjs", ".sh")
SKIPPED_FOLDERS = frozenset({".git", ".nox", "node_modules", "__pycache__", ".venv", ".mypy_cache",
                             ".ruff_cache", ".pytest_cache"})
TOP_FOLDERS_SKIPPED = frozenset({"reports"})
# The profile whose words are the shared vocabulary (the module docstring says why).
SHARED_VOCABULARY = "contract"


def _is_code(relative: Path) -> bool:
    name = relative.name
    if "requirements" in name or name.endswith(".lock") or "-lock." in name:
        return False
    return name.endswith(CODE_SUFFIXES) or relative.parent == Path(".ci")


def code_files(root: Path) -> list[Path]:
    """Every code file under ``root``, relative to it, sorted by path."""
    found = []
    for folder, subfolders, files in os.walk(root):
        here = Path(folder).relative_to(root)
        subfolders[:] = [name for name in subfolders if name not in SKIPPED_FOLDERS
                         and not name.endswith(".egg-info")
                         and not (here == Path(".") and name in TOP_FOLDERS_SKIPPED)]
        found.extend(here / name for name in files if _is_code(here / name))
    return sorted(found, key=lambda path: path.as_posix())


def _allowed(relative: Path, line: str, name: str) -> bool:
    if relative.parts[:2] == ("targets", name):
        return True
    return relative == REGISTRY and line.strip() == f'"{name}": "targets.{name}",'


def scan(root: Path, words_by_profile: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """By profile: each ``path:line: text`` of a code file that names one of its words outside its folder."""
    found: dict[str, list[str]] = {name: [] for name in words_by_profile}
    for relative in code_files(root):
        text = (root / relative).read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            lowered = line.lower()
            for name, words in words_by_profile.items():
                if any(word.lower() in lowered for word in words) and not _allowed(relative, line, name):
                    found[name].append(f"{relative.as_posix()}:{number}: {line.strip()}")
    return {name: hits for name, hits in found.items() if hits}


def _declared_words() -> dict[str, tuple[str, ...]]:
    return {name: tuple(get_profile(name).product_words) for name in KNOWN_TARGETS}


def test_every_profile_but_the_contract_declares_the_words_that_name_it() -> None:
    declared = _declared_words()  # imports every registered profile

    silent = [name for name, words in declared.items()
              if name != SHARED_VOCABULARY and not [word for word in words if word.strip()]]
    assert not silent, f"profiles declaring no product_words: {silent}"


def test_no_product_word_appears_in_code_outside_its_profile_folder() -> None:
    words = {name: words for name, words in _declared_words().items() if name != SHARED_VOCABULARY}
    scanned = {path.as_posix() for path in code_files(ROOT)}
    # The scan reached the code (a walk that found nothing would pass anything).
    assert {"noxfile.py", "pytest.ini", "pyproject.toml", ".ci/run", "conftest.py",
            REGISTRY.as_posix()} <= scanned

    found = scan(ROOT, words)

    listed = [f"  {name} {words[name]}:\n" + "\n".join(f"    {hit}" for hit in hits)
              for name, hits in found.items()]
    assert not found, "product words outside their profile's folder:\n" + "\n".join(listed)


def _plant(root: Path, files: Mapping[str, str]) -> None:
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")


def test_the_scan_names_each_word_outside_its_folder_and_nothing_else(tmp_path: Path) -> None:
    _plant(tmp_path, {
        # allowed: the profile's own folder, the registry's one line, and what is not code
        "targets/acme/__init__.py": 'title = "Acme Chat"\n',
        "targets/acme/tests/unit/test_codec.py": "ACME_FRAME = 1\n",
        "targets/registry.py": 'KNOWN = {\n    "acme": "targets.acme",\n    # acme is registered above\n}\n',
        "docs/acme.md": "Acme, in prose\n",
        "targets/acme/app/requirements.txt": "acme==1.0\n",
        "uv.lock": "acme\n",
        ".nox/tests/lib/site.py": "import acme\n",
        "reports/old.py": "acme\n",
        "node_modules/x/index.mjs": "acme\n",
        # hits: shared code, another profile's folder, each kind of code file, any case
        "bench/processes.py": "x = 1\n# the ACME.IO server\n",
        "targets/zeta/codec.py": "from targets.acme import codec\n",
        "tests/unit/test_tamper.py": "codec = AcmeCodec()\n",
        "noxfile.py": "TARGET = 'acme'\n",
        "pytest.ini": "[pytest]\nmarkers = acme: x\n",
        "pyproject.toml": 'name = "acme"\n',
        "allurerc.mjs": "// acme\n",
        "scripts/run.sh": "echo acme.io\n",
        ".ci/run": "#!/bin/sh\nacme\n",
    })

    found = scan(tmp_path, {"acme": ("acme", "acme.io"), "zeta": ("zeta",)})

    assert found == {"acme": [
        ".ci/run:2: acme",
        "allurerc.mjs:1: // acme",
        "bench/processes.py:2: # the ACME.IO server",
        "noxfile.py:1: TARGET = 'acme'",
        "pyproject.toml:1: name = \"acme\"",
        "pytest.ini:2: markers = acme: x",
        "scripts/run.sh:1: echo acme.io",
        "targets/registry.py:3: # acme is registered above",
        "targets/zeta/codec.py:1: from targets.acme import codec",
        "tests/unit/test_tamper.py:1: codec = AcmeCodec()",
    ]}


def test_a_profile_folder_is_its_own_not_one_whose_name_begins_the_same(tmp_path: Path) -> None:
    _plant(tmp_path, {"targets/acme-next/x.py": "acme\n", "targets/acmes.py": "acme\n"})

    assert scan(tmp_path, {"acme": ("acme",)}) == {"acme": ["targets/acme-next/x.py:1: acme",
                                                           "targets/acmes.py:1: acme"]}


@pytest.mark.parametrize("line", ['"acme": "targets.acme",  # and more', '"acme": "targets.other",'])
def test_only_the_registrys_exact_line_is_allowed(tmp_path: Path, line: str) -> None:
    _plant(tmp_path, {"targets/registry.py": line + "\n"})

    assert scan(tmp_path, {"acme": ("acme",)}) == {"acme": [f"targets/registry.py:1: {line}"]}
