"""The promises table: what one is, how a test's name reads as a promise, and how the table is written.

The hooks that fill it during a run are ``fixtures/promises.py``'s; ``targets/findings.py`` reads the
tables of several runs into one matrix.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PROMISES_JSON = "promises.json"
PROMISES_MD = "promises.md"
KEPT, BROKEN, NOT_APPLICABLE, NOT_RUN = "kept", "broken", "not applicable", "not run"


@dataclass
class Promise:
    nodeid: str
    promise: str  # the test's name, read as a sentence
    outcome: str  # kept, broken, not applicable, not run
    detail: str = ""  # broken: what the user did not see; not applicable: why; not run: what happened


def promise_key(nodeid: str) -> str:
    """``e2e/test_x.py::test_y[param]`` -> ``e2e/test_x.py::test_y``: how profiles name a test."""
    return nodeid.split("[", 1)[0]


def sentence(nodeid: str) -> str:
    """The promise a test's name makes, in words: ``test_it_answers[1006]`` -> ``it answers (1006)``."""
    name = nodeid.split("::")[-1]
    name, _, parameters = name.partition("[")
    words = re.sub(r"^test_", "", name).replace("_", " ")
    # pytest-playwright adds the browser's name to every test id: it says nothing about the promise.
    parameters = re.sub(r"^(chromium|firefox|webkit)-?", "", parameters.rstrip("]"))
    return f"{words} ({parameters})" if parameters else words


def render_markdown(table: dict[str, Any]) -> str:
    """The table for people: one row a promise, broken ones first."""
    order = {BROKEN: 0, NOT_RUN: 1, KEPT: 2, NOT_APPLICABLE: 3}
    facts = ", ".join(f"{name} {value}" for name, value in table["facts"].items())
    lines = [
        f"# Promises of the {table['target']} target ({table['title']})",
        "",
        f"Target: {table['base_url'] or 'the bundled app'}{'; ' + facts if facts else ''}. "
        f"Written {table['written_at']}.",
        "",
        "| promise | outcome | what the user saw, or why not applicable |",
        "|---|---|---|",
    ]
    for promise in sorted(table["promises"],
                          key=lambda each: (order.get(each["outcome"], 9), each["nodeid"])):
        detail = promise["detail"].replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {promise['promise']} | **{promise['outcome']}** | {detail} |")
    counts = table["counts"]
    lines += ["", f"{counts[KEPT]} kept, {counts[BROKEN]} broken, {counts[NOT_APPLICABLE]} not applicable, "
              f"{counts[NOT_RUN]} not run.", ""]
    return "\n".join(lines)


def attach_globally(results_dir: Path, name: str, markdown: str) -> None:
    """An attachment of the whole run (Allure 3's ``*-globals.json``), not of one test."""
    results_dir.mkdir(parents=True, exist_ok=True)
    source = f"{uuid.uuid4()}-attachment.md"
    (results_dir / source).write_text(markdown, encoding="utf-8")
    globals_file = results_dir / f"{uuid.uuid4()}-globals.json"
    attachment = {"name": name, "source": source, "type": "text/markdown",
                  "timestamp": int(datetime.now(UTC).timestamp() * 1000)}
    globals_file.write_text(json.dumps({"attachments": [attachment], "errors": []}), encoding="utf-8")
