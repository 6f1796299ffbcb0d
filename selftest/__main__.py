"""``python -m selftest``: every fault switch of the reference app must turn the suite red.

For each fault the app is started with it, and only the tests the matrix
(selftest/matrix.py) expects to catch it are run against it: every one must
fail. Before that, the same tests run against the app with no fault and must
pass, which proves they are not simply always red. Running only the catching
tests, not the whole suite, keeps the self-test to a few minutes in CI.
Exit status 0 when every fault is caught and the baseline is green, else 1.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from reference_app.faults import FAULTS
from selftest.matrix import MATRIX, catching_tests, unmatched_faults
from selftest.report import matrix_table, short, write_json
from selftest.runner import BUDGETS, FAILURES, GREEN, CaseResult, expected_outcome, run_case

ROOT = Path(__file__).resolve().parent.parent
E2E_DIR = "e2e"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m selftest", description=__doc__.split("\n")[0])
    parser.add_argument("faults", nargs="*", metavar="FAULT",
                        help="only these faults (default: every fault of reference_app/faults.py)")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "selftest.json",
                        help="where the matrix is written as JSON (default: %(default)s)")
    parser.add_argument("-n", "--workers", type=int, default=1,
                        help="pytest-xdist workers for each inner run (default: %(default)s, no xdist)")
    parser.add_argument("--discover", action="store_true",
                        help="run the whole suite against each fault and list what fails, to fill the "
                             "matrix; judges nothing")
    return parser


def collect_e2e() -> list[str]:
    """Node ids of the browser suite (``pytest --collect-only -q e2e``); starts no app."""
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", E2E_DIR],
        cwd=ROOT, capture_output=True, text=True, check=False)
    nodeids = [line for line in completed.stdout.splitlines() if "::" in line and " " not in line]
    # Exit code 5: the root conftest's "no test passed" guard also judges a --collect-only run.
    if completed.returncode not in (0, 5) or not nodeids:
        raise SystemExit(f"selftest: collecting {E2E_DIR}/ failed (exit {completed.returncode}):\n"
                         f"{completed.stdout[-2000:]}{completed.stderr[-2000:]}")
    return nodeids


def _matrix_problems(fault_names: list[str], collected: list[str]) -> list[str]:
    missing, unknown = unmatched_faults(list(FAULTS))
    problems = [f"fault {name} has no entry in selftest/matrix.py" for name in missing]
    problems += [f"selftest/matrix.py names {name}, which reference_app/faults.py does not know"
                 for name in unknown]
    wanted = set(fault_names)
    problems += [f"{name}: {nodeid} is not a test of {E2E_DIR}/ (renamed or deleted?)"
                 for name, expectation in MATRIX.items() if name in wanted
                 for nodeid in expectation.tests_to_run if nodeid not in collected]
    return problems


def selftest(fault_names: list[str], out: Path, workers: int) -> int:
    started_at, started = datetime.now(UTC).isoformat(timespec="seconds"), time.monotonic()
    collected = collect_e2e()
    problems = _matrix_problems(fault_names, collected)
    if any("is not a test of" in problem for problem in problems):
        print("\n".join(f"selftest: {problem}" for problem in problems), file=sys.stderr)
        return 1
    print(f"selftest: {len(fault_names)} faults; each runs only the tests expected to catch it "
          f"(not the whole suite), with budgets {', '.join(f'{k}={v}' for k, v in BUDGETS.items())}")

    baseline_tests = catching_tests()
    print(f"selftest: baseline, {len(baseline_tests)} catching tests against the app with no fault ...",
          flush=True)
    baseline = run_case(ROOT, "baseline", [], baseline_tests, GREEN, workers=workers,
                        known_nodeids=collected)
    print(f"  {'green' if baseline.ok else 'RED: ' + baseline.detail} ({baseline.seconds:g} s)", flush=True)

    results: list[CaseResult] = []
    for name in fault_names:
        expectation = MATRIX.get(name)
        tests = list(expectation.tests_to_run) if expectation else []
        print(f"selftest: {name}: {len(tests)} test(s) ...", flush=True)
        result = run_case(ROOT, name, [name], tests, expected_outcome(expectation), workers=workers,
                          known_nodeids=collected)
        print(f"  {'caught' if result.ok else 'NOT CAUGHT: ' + result.detail} ({result.seconds:g} s)",
              flush=True)
        results.append(result)

    uncaught = [result.name for result in results if not result.ok]
    ok = baseline.ok and not uncaught and not problems
    seconds = round(time.monotonic() - started, 1)
    print()
    print(matrix_table([baseline, *results]))
    print()
    for problem in problems:
        print(f"selftest: {problem}")
    summary = (f"selftest: {'OK' if ok else 'FAILED'}: {len(results) - len(uncaught)} of {len(results)} "
               f"faults caught, baseline {'green' if baseline.ok else 'RED'}, {seconds:g} s")
    if uncaught:
        summary += f"; not caught: {', '.join(uncaught)}"
    print(summary)
    write_json(out, {
        "ok": ok,
        "started_at": started_at,
        "seconds": seconds,
        "scope": "each fault runs only the tests the matrix expects to catch it; the baseline runs all of "
                 "them against the app with no fault",
        "budgets": BUDGETS,
        "workers": workers,
        "baseline": baseline.to_json(),
        "faults": [{**result.to_json(), "layer": FAULTS[result.name].layer,
                    "description": FAULTS[result.name].description} for result in results],
        "uncaught": uncaught,
        "problems": problems,
    })
    print(f"selftest: matrix written to {out}")
    return 0 if ok else 1


def discover(fault_names: list[str], workers: int) -> int:
    """The whole suite against each fault: what fails, to choose the matrix's catchers from."""
    collected = collect_e2e()
    for name in fault_names:
        result = run_case(ROOT, name, [name], [E2E_DIR], FAILURES, workers=workers, known_nodeids=collected)
        failed = ", ".join(short(nodeid) for nodeid in result.failed) or "nothing"
        print(f"{name} (exit {result.exit_code}, {result.seconds:g} s): {failed}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    unknown = sorted(set(arguments.faults) - FAULTS.keys())
    if unknown:
        print(f"selftest: unknown fault(s) {', '.join(unknown)}; known: {', '.join(FAULTS)}", file=sys.stderr)
        return 2
    fault_names = arguments.faults or list(FAULTS)
    if arguments.discover:
        return discover(fault_names, arguments.workers)
    return selftest(fault_names, arguments.out, arguments.workers)


if __name__ == "__main__":
    sys.exit(main())
