"""The known target profiles, by the name given to ``--target`` (or ``E2E_TARGET``).

Each is imported only when chosen: a profile's module may need what the others do not.
"""

from __future__ import annotations

import importlib

from targets.base import TargetProfile

# name -> the module whose PROFILE it is. Adding a product: one line here, one folder beside this file.
KNOWN_TARGETS: dict[str, str] = {
    "contract": "targets.contract",
    "chainlit": "targets.chainlit",
    "gradio": "targets.gradio",
}


class UnknownTarget(Exception):
    """The name is not a known profile; the message lists the known ones."""


def get_profile(name: str) -> TargetProfile:
    module_name = KNOWN_TARGETS.get(name)
    if module_name is None:
        known = ", ".join(sorted(KNOWN_TARGETS))
        raise UnknownTarget(f"unknown target {name!r}: the known targets are {known} "
                            "(--target NAME or E2E_TARGET; targets/GUIDE.md says how to add one)")
    profile = importlib.import_module(module_name).PROFILE
    if not isinstance(profile, TargetProfile) or profile.name != name:
        raise TypeError(f"{module_name}.PROFILE is not the TargetProfile named {name!r}")
    return profile
