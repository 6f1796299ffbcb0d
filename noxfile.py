"""Entry points: `nox -s <name>`. Each is documented in README.md."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tomllib
from pathlib import Path

import nox

nox.options.reuse_existing_virtualenvs = True
nox.options.default_venv_backend = "uv|venv"
nox.options.sessions = ["tests"]
nox.options.error_on_missing_interpreters = True

PYTHON = "3.11"

# Where a run leaves its evidence (reports/README.md). Relative to the repository root, where nox runs.
RESULTS_DIR = "reports/allure-results"
JUNIT_XML = "reports/junit.xml"
REPORT_DIR = "reports/allure-report"
VERDICT = "reports/verdict.json"
RELEASE_MANIFEST = "release-manifest.toml"
# Allure 3 is the npm package `allure`; `nox -s report` installs this version outside the repository.
ALLURE_VERSION = "3.18.0"


def _install(session: nox.Session) -> None:
    session.install("-e", ".[dev]")


# --- a browser on a fresh machine (issue 11) ------------------------------------------------------


def _ensure_browser(session: nox.Session) -> None:
    """Find a Chromium or get one before pytest starts (fixtures/browser_finder.py); else stop with one line.

    The finder is the one the suite and `.ci/install-browser` use; it needs only the standard library, so
    nox imports it from the checkout. Playwright's own browser and download go through the session's Python.
    """
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from fixtures.browser_finder import BrowserProblem, Finder

    # session.env holds None for a variable nox unsets.
    environ = {name: value for name, value in {**os.environ, **session.env}.items() if value is not None}
    finder = Finder(environ=environ, python=str(Path(session.bin) / "python"), log=session.log)
    try:
        found = finder.ensure()
    except BrowserProblem as problem:
        session.error(f"browser: {problem}")
    session.log(f"browser: {found}")


def _launches_a_browser(posargs: list[str]) -> bool:
    """Whether `nox -s tests -- ARGS` may start one: anything but a run of tests/unit only."""
    paths = [arg for arg in posargs if not arg.startswith("-")]
    return not posargs or not paths or not all(arg.startswith("tests/unit") for arg in paths)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The project's own tests: unit, integration, the browser suite against the bundled app, the self-test.

    With arguments (`nox -s tests -- tests/unit`) only pytest runs, with them.
    """
    _install(session)
    if _launches_a_browser(session.posargs):
        _ensure_browser(session)
    session.run("pytest", *session.posargs)
    if not session.posargs:
        session.run("python", "-m", "selftest")


@nox.session(python=PYTHON)
def serve(session: nox.Session) -> None:
    """The reference app in the foreground (Ctrl-C stops it); arguments go to `python -m reference_app`."""
    _install(session)
    session.run("python", "-m", "reference_app", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff and mypy, both clean."""
    _install(session)
    session.run("ruff", "check", ".")
    session.run("mypy", "reference_app", "truth_gate", "pages", "fixtures")


def _with_default_workers(posargs: list[str]) -> list[str]:
    # Two workers unless the caller chose (-n 1, -n auto, -p no:xdist): the suite
    # mostly waits on the app and the browser, so two share this size of machine well.
    chosen = any(arg.startswith(("-n", "--numprocesses", "--dist")) or arg == "no:xdist" for arg in posargs)
    return posargs if chosen else ["-n", "2", *posargs]


def _given(posargs: list[str], option: str) -> bool:
    return any(arg == option or arg.startswith(option + "=") for arg in posargs)


def _results_args(posargs: list[str], *, tracing: str = "retain-on-failure") -> list[str]:
    """The evidence of a run: Allure results (the folder emptied once, by pytest's controller, never by an
    xdist worker), JUnit XML, and Playwright's trace and video where the caller did not choose."""
    args = ["--alluredir", RESULTS_DIR, "--clean-alluredir", f"--junitxml={JUNIT_XML}"]
    if not _given(posargs, "--tracing"):
        args += ["--tracing", tracing]
    if not _given(posargs, "--video"):
        args += ["--video", "retain-on-failure"]
    return args


@nox.session(python=PYTHON)
def e2e(session: nox.Session) -> None:
    """The browser suite: the bundled app, or `-- --base-url URL` with E2E_USER_EMAIL/E2E_USER_PASSWORD."""
    _install(session)
    _ensure_browser(session)
    session.run("pytest", "e2e", *_results_args(session.posargs), *_with_default_workers(session.posargs))


@nox.session(python=PYTHON)
def smoke(session: nox.Session) -> None:
    """The `smoke` subset of the browser suite: what QA runs by hand after a deploy."""
    _install(session)
    _ensure_browser(session)
    session.run("pytest", "e2e", "-m", "smoke", *_results_args(session.posargs),
                *_with_default_workers(session.posargs))


def _allure_command(session: nox.Session) -> str:
    """Allure 3's CLI, installed once with npm into nox's cache folder (outside the repository)."""
    if shutil.which("npm") is None:
        session.error("the report needs Node.js (20 or newer) and npm, for Allure 3 (the npm package "
                      "`allure`): install them, or in GitHub Actions use actions/setup-node")
    prefix = Path(session.cache_dir) / f"allure-{ALLURE_VERSION}"
    command = prefix / "node_modules" / ".bin" / "allure"
    if not command.is_file():
        session.run("npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund",
                    f"allure@{ALLURE_VERSION}", external=True)
    return str(command)


def _build_report(session: nox.Session) -> bool:
    """Build reports/allure-report from reports/allure-results (allurerc.mjs); False if there are none."""
    if not any(Path(RESULTS_DIR).glob("*-result.json")):
        return False
    allure = _allure_command(session)
    shutil.rmtree(REPORT_DIR, ignore_errors=True)
    # allurerc.mjs: output, history (reports/history/history.jsonl, kept between runs), categories.
    session.run(allure, "generate", RESULTS_DIR, "--config", "allurerc.mjs", "--output", REPORT_DIR,
                external=True)
    index = Path(REPORT_DIR) / "index.html"
    if not index.is_file():
        session.error(f"Allure generated no {index}")
    session.log(f"report: {index} (open it through a web server, e.g. "
                f"`python -m http.server -d {REPORT_DIR}`; history in reports/history/)")
    return True


@nox.session(python=False)
def report(session: nox.Session) -> None:
    """The HTML report of the last run (reports/allure-report/), with the history of earlier ones."""
    if not _build_report(session):
        session.error(f"no test results in {RESULTS_DIR}: run the suite first (`nox -s e2e`, "
                      "`nox -s smoke` or `nox -s release_gate` write them there)")


def _manifest_nodeids() -> list[str]:
    with open(RELEASE_MANIFEST, "rb") as manifest:
        return [entry["nodeid"] for entry in tomllib.load(manifest).get("required", [])]


def _run_stopped() -> str:
    """Why pytest stopped before its tests, as fixtures/allure_environment.py noted it (or "")."""
    try:
        lines = (Path(RESULTS_DIR) / "environment.properties").read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    return next((line.partition("=")[2] for line in lines if line.startswith("run.stopped=")), "")


@nox.session(python=PYTHON)
def release_gate(session: nox.Session) -> None:
    """The release manifest's tests, no reruns, traces kept, the report, then the truth gate's verdict.

    `-- --base-url URL` gates a deployment (with E2E_USER_EMAIL/E2E_USER_PASSWORD); other arguments
    go to pytest as well. The session fails unless the verdict is green.
    """
    _install(session)
    _ensure_browser(session)
    nodeids = _manifest_nodeids()
    if not nodeids:
        session.error(f"{RELEASE_MANIFEST} names no required test")
    Path(VERDICT).unlink(missing_ok=True)
    # Every pytest outcome goes on to the gate, which judges the run; pytest's exit status alone would
    # miss a deselected or evidence-less required test.
    session.run("pytest", *nodeids, "-p", "no:rerunfailures", *_results_args(session.posargs, tracing="on"),
                *_with_default_workers(session.posargs), success_codes=range(6))
    if not _build_report(session):
        session.warn(f"no test results in {RESULTS_DIR}: no report built")
    _gate(session, "release")


def _gate(session: nox.Session, mode: str) -> None:
    """`truth-gate --mode MODE` on the last run; the session fails unless the verdict is green."""
    session.run("truth-gate", "--mode", mode, "--results", RESULTS_DIR, "--junit", JUNIT_XML,
                "--manifest", RELEASE_MANIFEST, "--out", VERDICT, success_codes=[0, 1, 2])
    verdict = json.loads(Path(VERDICT).read_text(encoding="utf-8"))
    if verdict["verdict"] != "green":
        stopped = _run_stopped()
        why = [f"pytest stopped before the tests: {stopped}"] if stopped else []
        why += [f"{reason['nodeid'] + ': ' if reason.get('nodeid') else ''}{reason['detail']}"
                for reason in verdict["reasons"][:5]]
        session.error(f"{mode} gate {verdict['verdict'].upper()} ({VERDICT}):\n  - " + "\n  - ".join(why))
    flaky = [note["nodeid"] for note in verdict["notes"] if note.get("rule") == "passed-on-rerun"]
    if flaky:
        session.warn(f"{mode}: flaky (passed only on a rerun): {', '.join(flaky)}")
    session.log(f"{mode} gate GREEN: {verdict['counts'].get('passed', 0)} passed, run {verdict['run_id']}")


@nox.session(python=PYTHON)
def nightly(session: nox.Session) -> None:
    """The whole suite against E2E_BASE_URL (else the bundled app), one rerun, the report, the nightly gate.

    A test that passes only on its rerun keeps the night green but is reported as flaky (a note of the
    gate in `nightly` mode, and a warning here). Arguments go to pytest.
    """
    _install(session)
    _ensure_browser(session)
    Path(VERDICT).unlink(missing_ok=True)
    reruns = [] if _given(session.posargs, "--reruns") else ["--reruns", "1"]
    session.run("pytest", "e2e", *reruns, *_results_args(session.posargs),
                *_with_default_workers(session.posargs), success_codes=range(6))
    if not _build_report(session):
        session.warn(f"no test results in {RESULTS_DIR}: no report built")
    _gate(session, "nightly")


@nox.session(python=PYTHON)
def selftest(session: nox.Session) -> None:
    """Every fault switch of the reference app must turn the suite red (reports/selftest.json).

    `-- FAULT ...` runs only those faults; `-- --discover` lists what the whole suite catches.
    """
    _install(session)
    _ensure_browser(session)
    session.run("python", "-m", "selftest", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """The suite's speed: -n 1 against -n 2, per-test overhead, timeout tests (reports/bench.json)."""
    _install(session)
    _ensure_browser(session)
    session.run("python", "-m", "bench", *session.posargs)
