"""The reference app with fault switches on, for one self-test case: the suite's own launcher."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from engine.processes import AppStartFailure
from targets.contract.bundled import EmbeddedApp

__all__ = ["AppStartFailure", "FaultyApp"]

# The app prints READY once both services answer /health (or, with auth_down, the
# backend alone); its own startup deadline is 30 s.
READY_DEADLINE_SECONDS = 40.0


class FaultyApp(EmbeddedApp):
    """``python -m reference_app --faults ...`` with a generated user; a context manager."""

    def __init__(self, root: Path, faults: Sequence[str]) -> None:
        super().__init__(root, faults=faults, workdir_prefix="selftest-app-",
                         ready_deadline_seconds=READY_DEADLINE_SECONDS)
        self.email = f"selftest-{secrets.token_hex(6)}@example.test"
        self.password = secrets.token_urlsafe(18)

    def __enter__(self) -> FaultyApp:
        try:
            self.start(self.email, self.password)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()
