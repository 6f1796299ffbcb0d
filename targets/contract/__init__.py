"""The ``contract`` profile, the default: any product that keeps docs/contract.md (CONTRACT.md).

The bundled reference app keeps it, and so may a staging deployment. Its page
objects are ``pages/`` (test ids of CONTRACT.md section 5), its frames are the
vocabulary itself, and its patience with a silent agent is ``GET /config``'s
``watchdog_seconds``.
"""

from __future__ import annotations

from pathlib import Path

import pages
from targets.base import BundledApp, FrameCodec, TargetConfig, TargetProfile
from targets.contract.bundled import EmbeddedApp
from targets.contract.codec import CONTRACT_RULES, MALFORMED_FRAMES, ContractCodec
from targets.contract.preflight import check_credentials, run_preflight


class _ReferenceApp(EmbeddedApp):
    def describe(self) -> str:
        return f"the reference app at {self.backend_url} (auth {self.auth_url}; log {self.log_path})"


class ContractProfile(TargetProfile):
    name = "contract"
    title = "the contract (docs/contract.md)"
    pages = pages
    rules = CONTRACT_RULES
    not_applicable: dict[str, str] = {}

    def preflight(self, base_url: str, *, source: str, patience_seconds: float) -> TargetConfig:
        # The contract's own watchdog (GET /config) is the patience; the suite's setting is not used.
        return run_preflight(base_url, source=source)

    def check_credentials(self, config: TargetConfig, email: str, password: str) -> None:
        check_credentials(config.auth_url, email, password)

    def new_codec(self) -> FrameCodec:
        return ContractCodec()

    def bundled_app(self, root: Path) -> BundledApp:
        return _ReferenceApp(root)

    def malformed_frames(self) -> tuple[str, ...]:
        return MALFORMED_FRAMES

    def sensitive_regions(self) -> tuple[str, ...]:
        test_ids = ("user-menu", "email-field", "password-field")
        return tuple(f'[data-testid="{test_id}"]' for test_id in test_ids)


PROFILE = ContractProfile()
