"""What the suite finds in each product, compared with what it found before: ``python -m targets.findings``.

``targets/<name>/expected-promises.json`` records, for each test, the outcome the
suite is expected to report against that profile's bundled app: ``kept``,
``broken`` or ``not applicable``. A run's ``promises.json`` is compared with it;
each difference is named (``e2e/…: expected broken, got kept``), so an upgrade of
the product that changes its behaviour shows as that difference, not as a random red.

    python -m targets.findings --target NAME [--promises reports/promises.json]
    python -m targets.findings --runs reports/findings [--target NAME ...] [--matrix reports/findings-matrix]
    python -m targets.findings --list

``--runs FOLDER``: each product's run left its evidence in ``FOLDER/<name>/`` (its
``promises.json`` beside its ``allure-results/``); every product whose profile has
``has_findings`` unless ``--target`` names some. Each is compared with its expected
table, and one matrix of promises by product (a row a test, a column a product, each
cell kept, broken, not applicable or not run) is written to ``MATRIX.md`` and
``MATRIX.json`` and attached to each run's Allure results as a global attachment
(``engine/promises.py`` ``attach_globally``, as the promises table is).
``--list``: the names of the profiles with ``has_findings``, as one line of JSON.

Exit status: 0 when every run's table is the expected one, 1 when one differs, 2 when
an input is missing or unreadable.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from engine.promises import BROKEN, KEPT, NOT_APPLICABLE, NOT_RUN, PROMISES_JSON, attach_globally, sentence

TARGETS_DIR = Path(__file__).resolve().parent
EXPECTED_FILE = "expected-promises.json"
MATRIX_ATTACHMENT = "promises by product (findings matrix)"
OUTCOMES = (KEPT, BROKEN, NOT_APPLICABLE, NOT_RUN)
NO_TABLE = "the run left no promises table"


def expected_path(target: str) -> Path:
    return TARGETS_DIR / target / EXPECTED_FILE


def names_with_findings() -> list[str]:
    """The registry's profiles whose findings are recorded (``has_findings``), in the registry's order."""
    from targets.registry import KNOWN_TARGETS, get_profile

    return [name for name in KNOWN_TARGETS if get_profile(name).has_findings]


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


def matrix(tables: Mapping[str, dict[str, Any] | None],
           expected: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """Promises by product: ``tables`` and ``expected`` by product name (a table None: the run left none).

    A row for every test in any product's run or expected table; a product's cell is its run's outcome,
    ``not run`` where its run has no such promise. ``expected`` holds the recorded outcome where it
    differs; ``differences`` names, by product, each way its run differs from its expected table.
    """
    products = list(tables)
    outcomes = {name: {promise["nodeid"]: promise["outcome"] for promise in (table or {}).get("promises", [])}
                for name, table in tables.items()}
    recorded = {name: dict(expected.get(name, {}).get("promises", {})) for name in products}
    nodeids = sorted({nodeid for name in products for nodeid in (*outcomes[name], *recorded[name])})
    rows = []
    for nodeid in nodeids:
        cells = {name: outcomes[name].get(nodeid, NOT_RUN) for name in products}
        wanted = {name: recorded[name][nodeid] for name in products
                  if nodeid in recorded[name] and recorded[name][nodeid] != cells[name]}
        rows.append({"nodeid": nodeid, "promise": sentence(nodeid), "outcomes": cells, "expected": wanted})
    found = {name: (differences(expected.get(name, {}), table) if table is not None else [NO_TABLE])
             for name, table in tables.items()}
    return {
        "products": products,
        "titles": {name: (table or {}).get("title", "") for name, table in tables.items()},
        "rows": rows,
        "counts": {name: {outcome: sum(1 for row in rows if row["outcomes"][name] == outcome)
                          for outcome in OUTCOMES} for name in products},
        "differences": {name: lines for name, lines in found.items() if lines},
    }


def render_matrix(table: dict[str, Any]) -> str:
    """The matrix for people: a row a promise, a column a product; a cell that differs from the recorded
    outcome says which it was expected to be."""
    products = table["products"]
    lines = [
        "# Promises by product",
        "",
        "What the suite finds in each product's bundled app (`nox -s findings`). A cell in *italics* "
        "differs from the product's `targets/<name>/expected-promises.json`.",
        "",
        "| promise | test | " + " | ".join(products) + " |",
        "|---|---|" + "---|" * len(products),
    ]
    for row in table["rows"]:
        cells = []
        for name in products:
            outcome = row["outcomes"][name]
            wanted = row["expected"].get(name)
            cells.append(f"*{outcome} (expected {wanted})*" if wanted else outcome)
        test = row["nodeid"].split("[", 1)[0]
        promise = row["promise"].replace("|", "\\|")
        lines.append(f"| {promise} | `{test}` | " + " | ".join(cells) + " |")
    lines.append("")
    for name in products:
        counts = table["counts"][name]
        lines.append(f"- {name}{' (' + table['titles'][name] + ')' if table['titles'][name] else ''}: "
                     + ", ".join(f"{counts[outcome]} {outcome}" for outcome in OUTCOMES) + ".")
    lines.append("")
    for name, found in table["differences"].items():
        lines.append(f"{name} differs from its recorded findings:")
        lines.extend(f"- {line}" for line in found)
        lines.append("")
    return "\n".join(lines)


def write_matrix(table: dict[str, Any], base: Path, results_dirs: Sequence[Path] = ()) -> tuple[Path, Path]:
    """``base``.md and ``base``.json; the markdown also attached to each existing results folder."""
    base.parent.mkdir(parents=True, exist_ok=True)
    markdown_file, json_file = base.with_suffix(".md"), base.with_suffix(".json")
    markdown = render_matrix(table)
    markdown_file.write_text(markdown, encoding="utf-8")
    json_file.write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")
    for results_dir in results_dirs:
        if results_dir.is_dir():
            attach_globally(results_dir, MATRIX_ATTACHMENT, markdown)
    return markdown_file, json_file


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


def _one(target: str, promises: Path) -> int:
    expected_file = expected_path(target)
    if not expected_file.is_file():
        return _fail(f"no {expected_file}: the {target} profile records no expected findings")
    found = differences(_load(expected_file), _load(promises))
    if found:
        print(f"findings: the {target} promises differ from {expected_file}:")
        for line in found:
            print(f"  - {line}")
        return 1
    print(f"findings: the {target} promises are the expected ones ({expected_file})")
    return 0


def _every(targets: list[str], runs: Path, base: Path) -> int:
    missing = [str(expected_path(name)) for name in targets if not expected_path(name).is_file()]
    if missing:
        return _fail(f"no {', '.join(missing)}: those profiles record no expected findings")
    expected = {name: _load(expected_path(name)) for name in targets}
    tables = {name: (_load(runs / name / PROMISES_JSON) if (runs / name / PROMISES_JSON).is_file() else None)
              for name in targets}
    table = matrix(tables, expected)
    markdown_file, json_file = write_matrix(table, base, [runs / name / "allure-results" for name in targets])
    print(f"findings: promises by product in {markdown_file} and {json_file}, attached to each run's "
          f"Allure results ({', '.join(str(runs / name / 'allure-results') for name in targets)})")
    for name in targets:
        found = table["differences"].get(name)
        if found:
            print(f"findings: the {name} promises differ from {expected_path(name)}:")
            for line in found:
                print(f"  - {line}")
        else:
            print(f"findings: the {name} promises are the expected ones ({expected_path(name)})")
    differing = list(table["differences"])
    if differing:
        print(f"findings: {', '.join(differing)} differ from their recorded findings")
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m targets.findings", description=__doc__.splitlines()[0])
    parser.add_argument("--target", action="append", default=[],
                        help="a profile's name (with --runs: one of several; default every has_findings one)")
    parser.add_argument("--promises", type=Path, default=Path("reports") / PROMISES_JSON,
                        help="one target's promises table (default: %(default)s)")
    parser.add_argument("--runs", type=Path, default=None, metavar="FOLDER",
                        help="each target's run in FOLDER/<name>/: compare them all and write the matrix")
    parser.add_argument("--matrix", type=Path, default=Path("reports") / "findings-matrix", metavar="BASE",
                        help="with --runs: the matrix goes to BASE.md and BASE.json (default: %(default)s)")
    parser.add_argument("--list", action="store_true", help="the profiles with has_findings, a JSON list")
    arguments = parser.parse_args(argv)
    if arguments.list:
        print(json.dumps(names_with_findings()))
        return 0
    if arguments.runs is not None:
        return _every(arguments.target or names_with_findings(), arguments.runs, arguments.matrix)
    if len(arguments.target) != 1:
        parser.error("give one --target NAME (or --runs FOLDER for several)")
    return _one(arguments.target[0], arguments.promises)


if __name__ == "__main__":
    sys.exit(main())
