"""``python -m bench.pageload``: what one test's fresh page of each product costs, with nothing else running.

Every test of the suite opens its own page in a new browser context (isolation), so a product's
page load is paid once a test. This measures it outside the suite, one load at a time, for each
target's bundled app: the wall time from a new context to the chat's ``expect_ready`` (the page
objects' own readiness: the page loaded, the session restored, the connection up), and the
CPU-seconds every process spent on it (``bench/processes.py``: renderer, browser, app, ...).

Three ways of loading, each ``--loads`` times (5 by default), the median and the fastest kept:

- ``fresh``: as the suite does it: a new context, the saved session put back
  (``fixtures/auth.py`` ``SavedSession``), the chat opened;
- ``uncompressed``: the same, the browser asking for no compression (``Accept-Encoding: identity``);
  a what-if: the suite does not do it, a user's browser asks for compression;
- ``warm``: new pages of one persistent context, whose HTTP and compiled-script caches survive from
  one load to the next; the most a cache shared between tests could save (the suite does not do it:
  a context's clock and init scripts would be shared between tests too).

It prints one line per target and way, and writes ``reports/pageload.json`` (``--out``). The
figures explain the suite's; they are no target of their own. Method and latest figures:
bench/README.md, README.md "Speed".
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.environment import ROOT
from bench.machine import describe_machine
from bench.processes import TreeSampler
from targets.base import TargetProfile
from targets.registry import KNOWN_TARGETS, get_profile

WAYS = ("fresh", "uncompressed", "warm")
UNCOMPRESSED = {"Accept-Encoding": "identity"}


def summarise(way: str, seconds: Sequence[float], cpu_before: dict[str, float],
              cpu_after: dict[str, float]) -> dict[str, Any]:
    """One way's figures: its loads' wall times (median, fastest) and CPU-seconds a load, by kind."""
    loads = len(seconds)
    cpu = {kind: round((cpu_after.get(kind, 0.0) - cpu_before.get(kind, 0.0)) / loads, 3)
           for kind in cpu_after if loads}
    return {"way": way, "loads": loads, "seconds": [round(value, 3) for value in seconds],
            "median_seconds": round(statistics.median(seconds), 3) if seconds else None,
            "fastest_seconds": round(min(seconds), 3) if seconds else None,
            "cpu_seconds_per_load": {kind: value for kind, value in cpu.items() if value > 0},
            "cpu_seconds_per_load_total": round(sum(cpu.values()), 3)}


def describe(target: str, row: dict[str, Any]) -> str:
    """One line: a target's way of loading, its wall time and its CPU by kind."""
    by_kind = ", ".join(f"{kind} {value:g}" for kind, value in sorted(
        row["cpu_seconds_per_load"].items(), key=lambda item: -item[1]))
    return (f"  {target} {row['way']}: median {row['median_seconds']:g} s, fastest "
            f"{row['fastest_seconds']:g} s a page ({row['loads']} loads); "
            f"CPU {row['cpu_seconds_per_load_total']:g} s a load ({by_kind})")


def beside_the_contract(rows: Sequence[dict[str, Any]], contract: Sequence[dict[str, Any]]) -> list[str]:
    """For each way measured on both: how much more a load of this product costs than the contract's."""
    theirs = {row["way"]: row for row in contract}
    lines = []
    for row in rows:
        base = theirs.get(row["way"])
        if base is None or row["median_seconds"] is None or base["median_seconds"] is None:
            continue
        more_cpu = row["cpu_seconds_per_load_total"] - base["cpu_seconds_per_load_total"]
        more_wall = row["median_seconds"] - base["median_seconds"]
        lines.append(f"    {row['way']}: {more_cpu:+.2f} CPU-s and {more_wall:+.2f} s a load "
                     "against the contract's")
    return lines


def _timed_loads(loads: int, open_page: Callable[[], Any], close: Callable[[Any], None]) -> list[float]:
    seconds = []
    for _ in range(loads):
        started = time.perf_counter()
        page = open_page()
        seconds.append(time.perf_counter() - started)
        close(page)
    return seconds


def measure(profile: TargetProfile, loads: int, sampler: TreeSampler) -> list[dict[str, Any]]:
    """Start ``profile``'s bundled app, sign in once, and time each way of opening its chat."""
    from playwright.sync_api import sync_playwright

    from fixtures.auth import SavedSession
    from fixtures.browser import suite_launch_args

    email, password = f"bench-pageload-{secrets.token_hex(4)}@example.test", secrets.token_urlsafe(18)
    app = profile.bundled_app(ROOT)
    app.start(email, password)
    base = app.backend_url
    launch = suite_launch_args({"headless": True})
    rows = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(**launch)
            context = browser.new_context(base_url=base)
            chat = profile.pages.LoginPage(context.new_page()).open().sign_in(email, password)
            chat.expect_ready()
            session = SavedSession(Path(os.devnull), dict(context.storage_state()))
            context.close()

            def fresh(headers: dict[str, str] | None) -> Callable[[], Any]:
                def open_page() -> Any:
                    page = browser.new_context(base_url=base, extra_http_headers=headers).new_page()
                    with session.restore_into(page):
                        chat = profile.pages.ChatPage(page).open()
                    chat.expect_ready()
                    return page
                return open_page

            for way, headers in (("fresh", None), ("uncompressed", UNCOMPRESSED)):
                before = sampler.sample_by_kind()
                seconds = _timed_loads(loads, fresh(headers), lambda page: page.context.close())
                rows.append(summarise(way, seconds, before, sampler.sample_by_kind()))
            browser.close()

            with tempfile.TemporaryDirectory(prefix="bench-pageload-profile-") as folder:
                persistent = playwright.chromium.launch_persistent_context(folder, base_url=base, **launch)
                profile.pages.LoginPage(persistent.new_page()).open().sign_in(email, password).expect_ready()

                def warm() -> Any:
                    page = persistent.new_page()
                    profile.pages.ChatPage(page).open().expect_ready()
                    return page

                before = sampler.sample_by_kind()
                seconds = _timed_loads(loads, warm, lambda page: page.close())
                rows.append(summarise("warm", seconds, before, sampler.sample_by_kind()))
                persistent.close()
    finally:
        app.stop()
        app.remove_workdir()
    return rows


def _loads(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of loads of at least 1")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pageload", description=__doc__.split("\n")[0])
    parser.add_argument("--target", action="append", choices=sorted(KNOWN_TARGETS),
                        help="a target whose bundled app to load (repeatable; default: every one)")
    parser.add_argument("--loads", type=_loads, default=5, help="loads of each way (default 5)")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "pageload.json")
    args = parser.parse_args(argv)
    names = args.target or list(KNOWN_TARGETS)
    names = sorted(set(names), key=lambda name: (name != "contract", names.index(name)))  # the contract first
    sampler = TreeSampler(os.getpid()).start()
    started = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    machine = describe_machine()
    results: dict[str, Any] = {}
    try:
        for name in names:
            profile = get_profile(name)
            print(f"bench.pageload: {profile.title}, {args.loads} loads of each way", flush=True)
            results[name] = measure(profile, args.loads, sampler)
            for row in results[name]:
                print(describe(name, row), flush=True)
            if name != "contract" and "contract" in results:
                print("\n".join(beside_the_contract(results[name], results["contract"])), flush=True)
    finally:
        sampler.stop()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"started_at": started, "machine": machine, "ways": list(WAYS),
                                    "targets": results}, indent=2) + "\n", encoding="utf-8")
    print(f"bench.pageload: wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
