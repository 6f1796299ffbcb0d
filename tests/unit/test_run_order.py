"""The run's order (engine/durations.py, fixtures/run_order.py): longest first with two or more xdist workers,
the files' order otherwise; the target's own durations file; a bad file stops the run in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.durations import BadDurations, durations_file, load_durations, longest_first

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]


def test_longest_first_counts_unknown_tests_as_the_average_and_keeps_ties_in_order() -> None:
    durations = {"a": 1.0, "b": 5.0, "c": 3.0}  # average 3.0
    assert longest_first(["a", "x", "b", "c", "y"], durations, str) == ["b", "x", "c", "y", "a"]
    assert longest_first(["q", "p"], {}, str) == ["q", "p"]


def test_a_product_reads_its_own_file_where_it_has_one_and_always_writes_its_own(tmp_path: Path) -> None:
    (tmp_path / "targets" / "acme").mkdir(parents=True)
    assert durations_file(tmp_path, "contract") == tmp_path / ".test_durations"
    assert durations_file(tmp_path, "acme") == tmp_path / ".test_durations"
    assert durations_file(tmp_path, "acme", writing=True) == tmp_path / "targets/acme/test_durations.json"
    (tmp_path / "targets/acme/test_durations.json").write_text("{}", encoding="utf-8")
    assert durations_file(tmp_path, "acme") == tmp_path / "targets/acme/test_durations.json"
    assert durations_file(tmp_path, "contract", writing=True) == tmp_path / ".test_durations"


@pytest.mark.parametrize("text", ["{", "[1, 2]", '{"t": "slow"}', '{"t": -1}', '{"t": true}'])
def test_a_file_that_is_not_node_ids_to_seconds_is_refused_by_name(tmp_path: Path, text: str) -> None:
    path = tmp_path / "d.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadDurations, match="d.json"):
        load_durations(path)
    assert load_durations(tmp_path / "none.json") == {}


def _project(tmp_path: Path, durations: str) -> Path:
    (tmp_path / "e2e").mkdir()
    (tmp_path / "e2e" / "test_order.py").write_text(
        "".join(f"def test_{name}():\n    pass\n\n" for name in ("one", "two", "three")), encoding="utf-8")
    (tmp_path / "conftest.py").write_text(
        'pytest_plugins = ["fixtures.run_order"]\n\n'
        "def pytest_collection_finish(session):\n"
        "    import os\n"
        "    name = os.environ.get('PYTEST_XDIST_WORKER', 'main')\n"
        "    with open(f'order-{name}.txt', 'w') as out:\n"
        "        out.write(' '.join(item.name for item in session.items))\n", encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / ".test_durations").write_text(durations, encoding="utf-8")
    return tmp_path


def _run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("E2E_TARGET", None)
    return subprocess.run([sys.executable, "-m", "pytest", "e2e", "-p", "no:cacheprovider", "-q", *args],
                          cwd=project, env=env, capture_output=True, text=True, timeout=120)


def test_two_workers_run_the_longest_first_and_one_worker_keeps_the_files_order(tmp_path: Path) -> None:
    project = _project(tmp_path, json.dumps({"e2e/test_order.py::test_three": 9.0,
                                             "e2e/test_order.py::test_two": 2.0}))
    result = _run(project, "-n", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    for worker in ("gw0", "gw1"):
        assert (project / f"order-{worker}.txt").read_text() == "test_three test_one test_two"
    result = _run(project, "-n", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (project / "order-gw0.txt").read_text() == "test_one test_two test_three"


def test_an_unreadable_durations_file_stops_the_run_in_one_line(tmp_path: Path) -> None:
    result = _run(_project(tmp_path, "{not json"), "-n", "2")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr
    assert "ERROR: the tests' durations: " in result.stderr and "not JSON" in result.stderr
    assert "INTERNALERROR" not in result.stdout + result.stderr
