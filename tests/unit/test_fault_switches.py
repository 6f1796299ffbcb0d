"""Fault names from the command line, and that every fault has its marked branch in the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reference_app.faults import FAULTS, describe_faults, parse_faults

APP_DIR = Path(__file__).resolve().parents[2] / "reference_app"


def test_names_are_parsed_and_trimmed():
    assert parse_faults(" skip_thinking, duplicate_events ,") == {"skip_thinking", "duplicate_events"}
    assert parse_faults(None) == parse_faults("") == frozenset()


def test_an_unknown_name_is_an_error_listing_the_known_ones():
    with pytest.raises(ValueError, match="unknown fault.*nosuch.*known faults:.*skip_thinking"):
        parse_faults("skip_thinking,nosuch")


def test_describe_lists_every_fault_with_its_layer():
    lines = describe_faults().splitlines()

    assert len(lines) == len(FAULTS)
    assert any("auth_down" in line and "[auth]" in line for line in lines)


def test_every_fault_has_a_marked_branch():
    # UI faults live in the web UI's scripts; server and auth ones in the Python code
    marked = set()
    for path in APP_DIR.rglob("*"):
        if path.suffix in (".py", ".js"):
            marked |= set(re.findall(r"FAULT: (\w+)", path.read_text(encoding="utf-8")))

    assert set(FAULTS) - marked == set()
