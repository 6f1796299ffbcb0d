"""What the suite finds in a product, compared with what it found before: ``python -m targets.findings``.

``targets/<name>/expected-promises.json`` records, for each test, the outcome the
suite is expected to report against that profile's bundled app: ``kept``,
``broken`` or ``not applicable``. A run's ``reports/promises.json`` is compared with
it; each difference is named (``e2e/…: expected broken, got kept``), so an upgrade of
the product that changes its behaviour shows as that difference, not as a random red.

    python -m targets.findings --target chainlit [--promises reports/promises.json]

Exit status: 0 when the run's table is the expected one, 1 when it differs, 2 when
an input is missing or unreadable.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

TARGETS_DIR = Path(__file__).resolve().parent
EXPECTED_FILE = "expected-promises.json"


def expected_path(target: str) -> Path:
    return TARGETS_DIR / target / EXPECTED_FILE


def differences(expected: dict[str, Any], table: dict[str, Any]) -> list[str]:
    """Each way the run's promises differ from the expected ones; empty when they agree."""
    found = []
    if table.get("target") != expected.get("target"):
        found.append(f"the table is of target {table.get('target')!r}, expected {expected.get('target')!r}")
    outcomes = {promise["nodeid"]: promise for promise in table.get("promises", [])}
    wanted: dict[str, str] = expected.get("promises", {})
    for nodeid, outcome in sorted(wanted.items()):
        promise = outcomes.get(nodeid)
        if promise is None:
            found.append(f"{nodeid}: expected {outcome}, but the run has no such promise (not run?)")
        elif promise["outcome"] != outcome:
            detail = f" ({promise['detail']})" if promise.get("detail") else ""
            found.append(f"{nodeid}: expected {outcome}, got {promise['outcome']}{detail}")
    for nodeid in sorted(set(outcomes) - set(wanted)):
        found.append(f"{nodeid}: {outcomes[nodeid]['outcome']}, but not in {EXPECTED_FILE} (a new test?)")
    return found


def _load(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SystemExit(_fail(f"cannot read {path}: {error}")) from None
    if not isinstance(value, dict):
        raise SystemExit(_fail(f"{path} is not a JSON object"))
    return value


def _fail(message: str) -> int:
    print(f"findings: {message}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m targets.findings", description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True)
    parser.add_argument("--promises", type=Path, default=Path("reports") / "promises.json")
    arguments = parser.parse_args(argv)
    expected_file = expected_path(arguments.target)
    if not expected_file.is_file():
        return _fail(f"no {expected_file}: the {arguments.target} profile records no expected findings")
    found = differences(_load(expected_file), _load(arguments.promises))
    if found:
        print(f"findings: the {arguments.target} promises differ from {expected_file}:")
        for line in found:
            print(f"  - {line}")
        return 1
    print(f"findings: the {arguments.target} promises are the expected ones ({expected_file})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
