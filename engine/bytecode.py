"""The checkout's own bytecode, written once before a run (stdlib only).

    python -m engine.bytecode [FOLDER ...]    # default: the checkout this file is in

With ``PYTHONDONTWRITEBYTECODE`` set (as on this machine, and in many containers) Python
never writes ``__pycache__``, so every process of a run (pytest, each xdist worker, the
reference app) compiles the suite's and the app's own modules again: about 0.5 CPU-seconds
a process here (``pytest e2e --collect-only``, eight runs each: 1.65-2.02 CPU-s without
them, 1.06-1.56 with them). Python still reads ``__pycache__`` files that exist, and a
file whose source changed later is compiled again in memory, as it would be without them.
The nox sessions write them here once, as they do for the virtualenv's packages
(``noxfile.py _install``), and so does the bench for an earlier commit's worktree,
so that its before and after compare the suites, not whether bytecode was there.
"""

from __future__ import annotations

import compileall
import os
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
# Not the suite's own code, never walked: virtualenvs, git's folder, npm's packages, what runs leave behind.
SKIPPED = frozenset({".nox", ".venv", ".git", "node_modules", "reports", "test-results", "__pycache__"})


def compile_checkout(folder: Path = CHECKOUT) -> bool:
    """Write the bytecode of every module under ``folder`` but :data:`SKIPPED`; False if one did not compile.

    Up-to-date files are left as they are (compileall compares the source's time and size).
    """
    ok = True
    for here, folders, files in os.walk(folder):
        folders[:] = sorted(name for name in folders if name not in SKIPPED)
        for name in sorted(files):
            if name.endswith(".py"):
                ok = bool(compileall.compile_file(os.path.join(here, name), quiet=1)) and ok
    return ok


def main(argv: list[str]) -> int:
    folders = [Path(arg) for arg in argv] or [CHECKOUT]
    missing = [str(folder) for folder in folders if not folder.is_dir()]
    if missing:
        print(f"engine.bytecode: no such folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    return 0 if all(compile_checkout(folder) for folder in folders) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
