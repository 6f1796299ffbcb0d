"""``python -m bench.pageload`` measures a real page: the contract's bundled app, Chromium, each way once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.environment import run_environment
from tests.integration.helpers import ROOT


def test_the_page_load_tool_times_each_way_of_opening_the_contracts_chat(tmp_path: Path) -> None:
    out = tmp_path / "pageload.json"
    command = [sys.executable, "-m", "bench.pageload", "--target", "contract", "--loads", "1",
               "--out", str(out)]
    finished = subprocess.run(command, cwd=ROOT, env=run_environment(), capture_output=True, text=True,
                              timeout=180, check=False)

    assert finished.returncode == 0, finished.stdout + finished.stderr
    rows = json.loads(out.read_text(encoding="utf-8"))["targets"]["contract"]
    assert [row["way"] for row in rows] == ["fresh", "uncompressed", "warm"]
    for row in rows:
        assert row["loads"] == 1 and 0 < row["median_seconds"] < 30, row
        assert row["cpu_seconds_per_load"].get("renderer", 0) > 0, row  # a real page ran in Chromium
        assert f"contract {row['way']}: median" in finished.stdout
