"""Every profile's page objects keep the page interface (pages/interface.py), method by method (issue 17).

mypy checks the types (each page module's ``_keeps_the_interface``); this test runs without mypy and
names what is missing or differs: a method the tests call that a profile lacks, or one whose
parameters are not the interface's (a test calling ``expect_status(status, timeout=)`` would break).
"""

from __future__ import annotations

import inspect
from types import ModuleType

import pytest

from pages.interface import INTERFACES
from targets.registry import KNOWN_TARGETS, get_profile


def _methods(protocol: type) -> dict[str, inspect.Signature]:
    own = {name: value for name, value in vars(protocol).items()
           if callable(value) and not name.startswith("_")}
    return {name: inspect.signature(value) for name, value in own.items()}


def _parameters(signature: inspect.Signature) -> list[tuple[str, object]]:
    return [(parameter.name, parameter.kind) for parameter in signature.parameters.values()]


def interface_problems(module: ModuleType) -> list[str]:
    """What of the interface ``module``'s page objects lack, or take otherwise."""
    problems = []
    for class_name, protocol in INTERFACES.items():
        page_object = getattr(module, class_name, None)
        if page_object is None:
            problems.append(f"{class_name}: missing")
            continue
        for name, wanted in _methods(protocol).items():
            method = getattr(page_object, name, None)
            if method is None or not callable(method):
                problems.append(f"{class_name}.{name}: missing")
            elif _parameters(inspect.signature(method)) != _parameters(wanted):
                problems.append(f"{class_name}.{name}{inspect.signature(method)}: the interface's is "
                                f"{name}{wanted}")
    return problems


@pytest.mark.parametrize("name", KNOWN_TARGETS)
def test_the_profiles_page_objects_keep_the_interface(name: str) -> None:
    assert interface_problems(get_profile(name).pages) == []


def test_a_missing_or_different_method_is_named() -> None:
    module = ModuleType("broken_pages")
    real = get_profile("contract").pages
    for class_name in INTERFACES:
        setattr(module, class_name, getattr(real, class_name))

    class AiMessage(real.AiMessage):  # type: ignore[misc,name-defined]
        def expect_status(self, status: str, timeout: float | None = None) -> None:  # not keyword-only
            raise NotImplementedError

    module.AiMessage = AiMessage  # type: ignore[attr-defined]
    del module.ConnectionStatus  # type: ignore[attr-defined]
    problems = interface_problems(module)
    assert "ConnectionStatus: missing" in problems
    assert any(problem.startswith("AiMessage.expect_status") for problem in problems), problems
    assert len(problems) == 2, problems
