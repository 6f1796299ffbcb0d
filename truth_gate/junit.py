"""Reading pytest's JUnit XML (`--junitxml`): a second, independent account of the same run."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

from truth_gate.errors import UnusableInputError
from truth_gate.run_record import RUN_ID_LABEL


@dataclass(frozen=True)
class JUnitCase:
    classname: str
    name: str
    outcome: str  # passed, failed, error or skipped
    message: str


@dataclass
class JUnitReport:
    run_id: str | None
    cases: list[JUnitCase]


def read_junit(path: Path) -> JUnitReport:
    if not path.is_file():
        raise UnusableInputError(f"JUnit file {path} does not exist: run the suite with --junitxml {path}")
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError) as error:
        raise UnusableInputError(f"JUnit file {path} is unreadable: {error}") from error
    if root.tag not in ("testsuites", "testsuite"):
        raise UnusableInputError(f"JUnit file {path} has root <{root.tag}>, expected <testsuites>")
    run_ids = [prop.get("value") for prop in root.iter("property") if prop.get("name") == RUN_ID_LABEL]
    return JUnitReport(run_id=run_ids[0] if run_ids else None,
                       cases=[_case(element) for element in root.iter("testcase")])


def _case(element: ElementTree.Element) -> JUnitCase:
    for tag, outcome in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
        child = element.find(tag)
        if child is not None:
            return JUnitCase(element.get("classname", ""), element.get("name", ""), outcome,
                             child.get("message", ""))
    return JUnitCase(element.get("classname", ""), element.get("name", ""), "passed", "")


def junit_key(nodeid: str) -> tuple[str, str]:
    """(classname, name) pytest writes for a node id.

    `e2e/test_a.py::Cls::test_b[x]` -> (`e2e.test_a.Cls`, `test_b[x]`), as in `_pytest.junitxml`.
    """
    path, bracket, params = nodeid.partition("[")
    names = path.split("::")
    names[0] = re.sub(r"\.py$", "", names[0].replace("/", "."))
    names[-1] += bracket + params
    return ".".join(names[:-1]), names[-1]
