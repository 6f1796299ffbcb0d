"""Entry points: `nox -s <name>`. Each is documented in README.md."""

from __future__ import annotations

import hashlib
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
# E2E_REPORTS_DIR moves a run's evidence to another folder (issue 12: one folder a shard, so that shards
# run on one machine do not overwrite each other); the report and the verdict stay in reports/.
RUN_REPORTS = os.environ.get("E2E_REPORTS_DIR") or "reports"
RESULTS_DIR = f"{RUN_REPORTS}/allure-results"
JUNIT_XML = f"{RUN_REPORTS}/junit.xml"
REPORT_DIR = "reports/allure-report"
VERDICT = "reports/verdict.json"
RELEASE_MANIFEST = "release-manifest.toml"
# Allure 3 is the npm package `allure`; `nox -s report` installs this version outside the repository.
ALLURE_VERSION = "3.18.0"


INSTALL_ARGS = ("-e", ".[dev]")
# Written into a session's virtualenv once it holds what pyproject.toml asks for (_install).
INSTALLED_MARKER = ".golden-path-installed"


def _install_key() -> str:
    """What the virtualenv was installed from: pyproject.toml and the install's arguments."""
    digest = hashlib.sha256(Path("pyproject.toml").read_bytes())
    digest.update(" ".join(INSTALL_ARGS).encode())
    return digest.hexdigest()


def _install(session: nox.Session) -> None:
    # uv installs the editable checkout anew each time (3.1 s here), and compiling the packages checks
    # 2,250 files (1.7 s): 4.8 s before every session's first command, though nothing changed. The
    # checkout is installed editable, so its code is read from here; only pyproject.toml (dependencies,
    # scripts, packages) needs an install. So a virtualenv that holds this pyproject.toml's install is
    # left as it is; a new one (a fresh machine, CI), or a changed pyproject.toml, is installed.
    marker = Path(session.bin).parent / INSTALLED_MARKER
    key = _install_key()
    if marker.is_file() and marker.read_text(encoding="utf-8") == key:
        session.log(f"installed already from this pyproject.toml ({marker.name}): not installed again")
    else:
        session.install(*INSTALL_ARGS)
        # uv installs no bytecode, and with PYTHONDONTWRITEBYTECODE set (as on this machine, and in many
        # containers) every Python process of a run (pytest, each xdist worker, the app) compiles all it
        # imports anew: 1.7 CPU-seconds a process here. pip would have compiled them. Skipped with the
        # install under `nox --no-install`, so the marker is written only after a real install.
        session.run_install("python", "-c", "import compileall, pathlib, sys, sysconfig; "
                            "compileall.compile_dir(sysconfig.get_paths()['purelib'], quiet=1, workers=0); "
                            "pathlib.Path(sys.argv[1]).write_text(sys.argv[2], encoding='utf-8')",
                            str(marker), key, silent=True)
    # The checkout's own modules (0.5 CPU-s a process, engine/bytecode.py), with the session's Python:
    # bytecode is kept per Python version. Up-to-date files are left as they are (0.1 s).
    session.run("python", "-m", "engine.bytecode", silent=True)


# --- a browser on a fresh machine (issue 11) ------------------------------------------------------


def _ensure_browser(session: nox.Session) -> None:
    """Find a Chromium or get one before pytest starts (engine/browser_finder.py); else stop with one line.

    The finder is the one the suite and `.ci/install-browser` use; it needs only the standard library, so
    nox imports it from the checkout. Playwright's own browser and download go through the session's Python.
    """
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from engine.browser_finder import BrowserProblem, Finder

    # session.env holds None for a variable nox unsets.
    environ = {name: value for name, value in {**os.environ, **session.env}.items() if value is not None}
    finder = Finder(environ=environ, python=str(Path(session.bin) / "python"), log=session.log)
    try:
        found = finder.ensure()
    except BrowserProblem as problem:
        session.error(f"browser: {problem}")
    session.log(f"browser: {found}")
    advice = finder.advice(found)
    if advice:
        session.log(advice)


def _launches_a_browser(posargs: list[str]) -> bool:
    """Whether `nox -s tests -- ARGS` may start one: anything but a run of unit tests only (tests/unit, or
    a profile's own, targets/NAME/tests/unit)."""
    paths = [arg for arg in posargs if not arg.startswith("-")]
    return not posargs or not paths or not all(_unit_tests_only(arg) for arg in paths)


def _unit_tests_only(path: str) -> bool:
    parts = Path(path.split("::", 1)[0]).parts
    return parts[:2] == ("tests", "unit") or (len(parts) >= 4 and parts[0] == "targets"
                                              and parts[2:4] == ("tests", "unit"))


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
    session.run("mypy", "reference_app", "truth_gate", "pages", "fixtures", "targets", "latency", "engine")


def _with_default_workers(posargs: list[str]) -> list[str]:
    # Two workers unless the caller chose (-n 1, -n auto, -p no:xdist): the suite
    # mostly waits on the app and the browser, so two share this size of machine well.
    chosen = any(arg.startswith(("-n", "--numprocesses", "--dist")) or arg == "no:xdist" for arg in posargs)
    return posargs if chosen else ["-n", "2", *posargs]


def _given(posargs: list[str], option: str) -> bool:
    return any(arg == option or arg.startswith(option + "=") for arg in posargs)


def _results_args(posargs: list[str], *, tracing: str = "retain-on-failure",
                  reports: str = RUN_REPORTS) -> list[str]:
    """The evidence of a run in `reports` (default RUN_REPORTS): Allure results (the folder emptied once, by
    pytest's controller, never by an xdist worker), JUnit XML, and Playwright's trace and video where the
    caller did not choose."""
    args = ["--alluredir", f"{reports}/allure-results", "--clean-alluredir",
            f"--junitxml={reports}/junit.xml"]
    if reports != "reports" and not _given(posargs, "--output"):
        args += ["--output", f"{reports}/test-results"]  # pytest-playwright empties its folder first
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


def _build_report(session: nox.Session, results_dirs: list[str] | None = None) -> bool:
    """Build reports/allure-report from the results folders (default: the run's, RESULTS_DIR) with
    allurerc.mjs; False if there are no results."""
    results_dirs = results_dirs or [RESULTS_DIR]
    if not any(any(Path(folder).glob("*-result.json")) for folder in results_dirs):
        return False
    if len(results_dirs) > 1 and not _warn_shared_tests(session, results_dirs):
        return False
    _latency_chart(session)
    allure = _allure_command(session)
    shutil.rmtree(REPORT_DIR, ignore_errors=True)
    # allurerc.mjs: output, history (reports/history/history.jsonl, kept between runs), categories
    # (read from the first folder's categories.json: every run writes the same ones).
    session.run(allure, "generate", *results_dirs, "--config", "allurerc.mjs", "--output", REPORT_DIR,
                external=True, env={"ALLURE_RESULTS_DIR": results_dirs[0]})
    index = Path(REPORT_DIR) / "index.html"
    if not index.is_file():
        session.error(f"Allure generated no {index}")
    if len(results_dirs) > 1:
        _log_report_counts(session)
    session.log(f"report: {index} (open it through a web server, e.g. "
                f"`python -m http.server -d {REPORT_DIR}`; history in reports/history/)")
    return True


@nox.session(python=False)
def report(session: nox.Session) -> None:
    """The HTML report of the last run (reports/allure-report/), with the history of earlier ones.

    `-- DIR [DIR ...]`: one report over several shards' folders (each a shard's reports folder, or its
    allure-results folder), every test once.
    """
    results_dirs = _results_dirs(session, session.posargs) if session.posargs else None
    if not _build_report(session, results_dirs):
        where = ", ".join(results_dirs or [RESULTS_DIR])
        session.error(f"no report from {where}: no test results there (run the suite first: `nox -s e2e`, "
                      "`nox -s smoke` or `nox -s release_gate` write them there), or copies of one folder")


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


# --- latency: the history of nightly and release-gate runs, its chart, the release baseline (issue 13) ---
# The suite's pytest controller combines every worker's samples into reports/latency.json, once per run;
# appending that file to reports/history/latency.jsonl happens here, once per nightly or release-gate
# session, never in pytest (a shard, a rerun or a plain `nox -s e2e` must not add a point to the trend).


def _record_latency(session: nox.Session, kind: str) -> None:
    """Append this run's latency figures to the history (reports/history/latency.jsonl)."""
    session.run("python", "-m", "latency", "record", "--kind", kind, success_codes=[0, 2])


def _latency_chart(session: nox.Session) -> None:
    """Draw the last 30 runs of the history to reports/latency.svg and into the report's results.

    The `latency` package is plain Python: nox's own interpreter runs it, also in `report` (no venv).
    """
    session.run(sys.executable, "-m", "latency", "chart", external=True)


def _latency_baseline(session: nox.Session) -> None:
    """The release gate's baseline rule (E2E_BASELINE_*): red fails the session with both figures."""
    session.run("python", "-m", "latency", "baseline")


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
    if _given(session.posargs, "--shard"):  # one shard of a sharded gate: merge_shards judges them all
        session.run("pytest", *nodeids, "-p", "no:rerunfailures",
                    *_results_args(session.posargs, tracing="on"), *_with_default_workers(session.posargs))
        _shard_done(session)
        return
    session.run("pytest", *nodeids, "-p", "no:rerunfailures", *_results_args(session.posargs, tracing="on"),
                *_stop_at_first_failure(session.posargs), *_with_default_workers(session.posargs),
                success_codes=range(6))
    _record_latency(session, "release")
    if not _build_report(session):
        session.warn(f"no test results in {RESULTS_DIR}: no report built")
    _gate(session, "release")
    _latency_baseline(session)


def _stop_at_first_failure(posargs: list[str]) -> list[str]:
    # A release is off at the first required test that fails: red in a minute, not after every other
    # test has waited out its budgets (fixtures/run_stop.py stops every xdist worker, the failed test's
    # evidence complete; the gate names it first). `-- --maxfail=N` chooses otherwise.
    chosen = any(arg in ("-x", "--exitfirst") or arg.startswith("--maxfail") for arg in posargs)
    return [] if chosen else ["--maxfail=1"]


def _gate(session: nox.Session, mode: str) -> None:
    """`truth-gate --mode MODE` on the last run; the session fails unless the verdict is green."""
    session.run("truth-gate", "--mode", mode, "--results", RESULTS_DIR, "--junit", JUNIT_XML,
                "--manifest", RELEASE_MANIFEST, "--out", VERDICT, success_codes=[0, 1, 2])
    verdict = json.loads(Path(VERDICT).read_text(encoding="utf-8"))
    if verdict["verdict"] != "green":
        stopped = _run_stopped()
        # A run stopped during its tests: the verdict's own reasons say so, after the failure that stopped it.
        before_the_tests = stopped and not verdict["counts"].get("results")
        why = [f"pytest stopped before the tests: {stopped}"] if before_the_tests else []
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
    if _given(session.posargs, "--shard"):  # one shard of a sharded night: merge_shards judges them all
        session.run("pytest", "e2e", *reruns, *_results_args(session.posargs),
                    *_with_default_workers(session.posargs))
        _shard_done(session)
        return
    session.run("pytest", "e2e", *reruns, *_results_args(session.posargs),
                *_with_default_workers(session.posargs), success_codes=range(6))
    _record_latency(session, "nightly")
    if not _build_report(session):
        session.warn(f"no test results in {RESULTS_DIR}: no report built")
    _gate(session, "nightly")


FINDINGS_RUNS = f"{RUN_REPORTS}/findings"
FINDINGS_MATRIX = f"{RUN_REPORTS}/findings-matrix"


@nox.session(python=PYTHON)
def findings(session: nox.Session) -> None:
    """What the suite finds in each kind of product: `-- [NAME|all] [pytest args]` (default all).

    For each profile with `has_findings` (or the one NAME), the whole browser suite against its bundled
    app (or `--base-url`, with one NAME), its evidence in reports/findings/NAME/ (promises.md and .json,
    allure-results/, junit.xml), and its promises compared with targets/NAME/expected-promises.json. Then
    one matrix of promises by product, reports/findings-matrix.md and .json, also attached to each run's
    Allure results as the promises table is (a report of one run: `nox -s report -- reports/findings/NAME`).
    The session fails when a product's outcome differs from the recorded one, and names it. Broken
    promises are the findings; they do not fail the session by themselves.
    """
    _install(session)
    posargs = list(session.posargs)
    chosen = posargs.pop(0) if posargs and not posargs[0].startswith("-") else "all"
    listed = session.run("python", "-m", "targets.findings", "--list", silent=True)
    with_findings: list[str] = json.loads(str(listed).strip().splitlines()[-1])  # its last line: a JSON list
    if chosen != "all" and chosen not in with_findings:
        session.error(f"findings: {chosen!r} is not a profile with recorded findings (has_findings): "
                      f"choose from {', '.join(with_findings)}, or all")
    names = with_findings if chosen == "all" else [chosen]
    if len(names) > 1 and _given(posargs, "--base-url"):
        session.error("findings: --base-url is one product's deployment: name its profile "
                      "(`nox -s findings -- NAME --base-url URL`)")
    _ensure_browser(session)
    # The bundled apps answer within a second or two: a run they never answer costs 30 s, not the 120 s
    # a real model may take (E2E_COMPLETED_WITHIN_SECONDS, when set, decides).
    budget = {"E2E_COMPLETED_WITHIN_SECONDS": os.environ.get("E2E_COMPLETED_WITHIN_SECONDS") or "30"}
    for name in names:
        folder = f"{FINDINGS_RUNS}/{name}"
        for stale in ("promises.md", "promises.json"):
            Path(folder, stale).unlink(missing_ok=True)
        session.run("pytest", "e2e", "--target", name, *_results_args(posargs, reports=folder),
                    *_with_default_workers(posargs), env=budget, success_codes=[0, 1])
        if Path(folder, "promises.md").is_file():
            session.log(Path(folder, "promises.md").read_text(encoding="utf-8"))
    session.run("python", "-m", "targets.findings", "--runs", FINDINGS_RUNS, "--matrix", FINDINGS_MATRIX,
                *[argument for name in names for argument in ("--target", name)])


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
    """The suite's speed (-n 1 against -n 2, CPU by process, per-test overhead, timeout tests) and its time to
    red (silent agent, dead target, release gate), each figure against its target (reports/bench.json)."""
    _install(session)
    _ensure_browser(session)
    session.run("python", "-m", "bench", *session.posargs)


# --- remote browsers (issue 12) -------------------------------------------------------------------------


@nox.session(python=PYTHON)
def browser_server(session: nox.Session) -> None:
    """A Playwright browser server here, in the foreground until Ctrl-C: `-- --port P [--host H]`.

    It prints its endpoint for E2E_BROWSER_ENDPOINT. Loopback only unless --host says otherwise: it
    runs `run-server --unsafe`, so a client can make it launch any program (README.md, "Remote browsers").
    """
    _install(session)
    session.run("python", "-m", "engine.browser_server", *session.posargs)


# --- shards: one report and one verdict over several shards' folders (issue 12) ----------------------


def _results_dirs(session: nox.Session, folders: list[str]) -> list[str]:
    """Each folder's Allure results: FOLDER/allure-results (a shard's reports folder) or FOLDER itself."""
    results_dirs = []
    for folder in folders:
        path = Path(folder)
        if (path / "allure-results").is_dir():
            path = path / "allure-results"
        if not path.is_dir():
            session.error(f"{folder} is not a folder of Allure results, nor a reports folder holding one")
        if str(path.resolve()) in {str(Path(known).resolve()) for known in results_dirs}:
            session.error(f"{folder} was given twice: give each shard's folder once")
        results_dirs.append(str(path))
    return results_dirs


def _log_report_counts(session: nox.Session) -> None:
    """How many tests the merged report shows, and how many of its results it shows as retries."""
    try:
        stats = json.loads((Path(REPORT_DIR) / "summary.json").read_text(encoding="utf-8"))["stats"]
    except (OSError, ValueError, KeyError):
        return  # another Allure 3 layout: the report itself is still there
    session.log(f"report: {stats.get('total', 0)} tests, {stats.get('retries', 0)} shown as retries")


def _shard_done(session: nox.Session) -> None:
    session.log(f"shard done, its evidence in {RUN_REPORTS}/: one report and one verdict over all shards "
                "with `nox -s merge_shards -- DIR [DIR ...]`")


def _warn_shared_tests(session: nox.Session, results_dirs: list[str]) -> bool:
    """Allure 3 merges results across the folders it is given by their historyId: a test with results in
    two shards' folders is one test in the report, the other result shown as its "retry"; and results of
    the same uuid (a copied folder) make it drop those tests altogether (seen with Allure 3.18). Say so
    before the report hides it; False when a folder's results are copies of another's."""
    folders_by_test: dict[str, set[str]] = {}
    folders_by_uuid: dict[str, set[str]] = {}
    names: dict[str, str] = {}
    for folder in results_dirs:
        for path in Path(folder).glob("*-result.json"):
            try:
                result = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # the gate names unreadable files
            history_id = str(result.get("historyId") or result.get("fullName") or path.name)
            folders_by_test.setdefault(history_id, set()).add(folder)
            folders_by_uuid.setdefault(str(result.get("uuid") or path.name), set()).add(folder)
            names[history_id] = str(result.get("fullName") or result.get("name") or history_id)
    copied = sorted({folder for folders in folders_by_uuid.values() if len(folders) > 1
                     for folder in folders})
    if copied:
        session.warn(f"{', '.join(copied)} hold the same results (a copied folder?): Allure would drop "
                     "those tests from the report; no report built (truth-gate --shards names why)")
        return False
    shared = sorted(names[key] for key, folders in folders_by_test.items() if len(folders) > 1)
    if shared:
        session.warn(f"{len(shared)} test(s) have results in more than one shard folder; the report shows "
                     f"each once, the other results as its retries (truth-gate --shards names why): "
                     f"{', '.join(shared[:5])}{' ...' if len(shared) > 5 else ''}")
    return True


@nox.session(python=PYTHON)
def merge_shards(session: nox.Session) -> None:
    """One report and one verdict over a sharded run: `-- [--mode release|nightly] DIR [DIR ...]`.

    Each DIR is one shard's reports folder as its run left it (CI downloads each shard's into its own).
    Builds reports/allure-report from all of them (every test once, history in reports/history/), then
    runs `truth-gate --shards`; the session fails unless the verdict is green.
    """
    _install(session)
    arguments = list(session.posargs)
    mode = "release"
    if "--mode" in arguments:
        at = arguments.index("--mode")
        mode = arguments[at + 1] if at + 1 < len(arguments) else ""
        del arguments[at:at + 2]
    if mode not in ("release", "nightly") or not arguments:
        session.error("usage: nox -s merge_shards -- [--mode release|nightly] DIR [DIR ...] "
                      "(each DIR a shard's reports folder)")
    Path(VERDICT).unlink(missing_ok=True)
    missing = [folder for folder in arguments if not Path(folder).is_dir()]
    if missing:
        session.warn(f"shard folder(s) missing: {', '.join(missing)} (the gate will say so)")
    present = [folder for folder in arguments if Path(folder).is_dir()]
    if present and not _build_report(session, _results_dirs(session, present)):
        session.warn("no report built from the shard folders (see above); the gate judges them")
    session.run("truth-gate", "--mode", mode, "--shards", *arguments, "--manifest", RELEASE_MANIFEST,
                "--out", VERDICT, success_codes=[0, 1, 2])
    verdict = json.loads(Path(VERDICT).read_text(encoding="utf-8"))
    if verdict["verdict"] != "green":
        why = [f"{reason['nodeid'] + ': ' if reason.get('nodeid') else ''}{reason['detail']}"
               for reason in verdict["reasons"][:5]]
        session.error(f"{mode} gate over {len(arguments)} shard folder(s) {verdict['verdict'].upper()} "
                      f"({VERDICT}):\n  - " + "\n  - ".join(why))
    session.log(f"{mode} gate GREEN over {verdict['counts'].get('shards', 0)} shards: "
                f"{verdict['counts'].get('passed', 0)} passed, run {verdict['run_id']}")


@nox.session(python=PYTHON)
def bench_shards(session: nox.Session) -> None:
    """On paper: predicted wall time for N = 1..16 shards from .test_durations (`-- --measure` checks the
    model against 1 and 2 shards run here; reports/bench-shards.json)."""
    _install(session)
    session.run("python", "-m", "bench.shards", *session.posargs)
