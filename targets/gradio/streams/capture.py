"""Capture what a real browser exchanges with a Gradio chat app for one message (the files beside this one).

Not part of the suite: a recording tool, run by hand against a running app (README.md
here says how each file was made). It signs in through Gradio's login page in headless
Chromium, sends one message from the chat textbox, and writes:

- ``<name>.sse``: the raw text of the ``GET /gradio_api/queue/data`` response that carried
  the chat function's event, exactly as the page's ``fetch`` read it;
- ``<name>.requests.json``: every request the page made for that message, in order: method,
  path, request body, status, response body (a stream's is the list of its chunks, each with
  its arrival in ms after the stream opened, on the page's clock).

The page's ``fetch`` is wrapped by an init script that tees each queue/data body: the page
reads its own branch as it streams, the copy is read in the page. No waits on a clock: it
waits for the events' ``process_completed`` and the streams' ends; with ``--until-heartbeats N``
(a chat function that never answers) for N heartbeats, then presses the stop button and
waits for the stream's end.

    python capture.py URL OUT_DIR NAME MESSAGE [--until-heartbeats N]
    (E2E_USER_EMAIL / E2E_USER_PASSWORD: the account; CHROMIUM: the browser, default /usr/bin/chromium)
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Request, sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]

TEE = r"""
(() => {
  const nativeFetch = window.fetch.bind(window);
  window.__streams = [];
  window.fetch = async (...args) => {
    const response = await nativeFetch(...args);
    const url = typeof args[0] === 'string' ? args[0] : (args[0] && args[0].url) || String(args[0]);
    if (!url.includes('/gradio_api/queue/data') || !response.body) return response;
    const [mine, theirs] = response.body.tee();
    const record = { url, started: performance.now(), chunks: [], ended: null, error: null };
    window.__streams.push(record);
    (async () => {
      const reader = mine.getReader();
      const decoder = new TextDecoder();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          record.chunks.push({ ms: Math.round(performance.now() - record.started),
                               text: decoder.decode(value, { stream: true }) });
        }
      } catch (e) { record.error = String(e); }
      record.ended = Math.round(performance.now() - record.started);
    })();
    return new Response(theirs, { status: response.status, statusText: response.statusText,
                                  headers: response.headers });
  };
})();
"""

COMPLETED = """(n) => {
  const text = window.__streams.map(s => s.chunks.map(c => c.text).join('')).join('');
  return (text.match(/"msg":"process_completed"/g) || []).length >= n
    && window.__streams.every(s => s.ended !== null);
}"""
HEARTBEATS = """(n) => {
  const text = window.__streams.map(s => s.chunks.map(c => c.text).join('')).join('');
  return (text.match(/"msg":"heartbeat"/g) || []).length >= n;
}"""
ENDED = "() => window.__streams.every(s => s.ended !== null)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("out", type=Path)
    parser.add_argument("name")
    parser.add_argument("message")
    parser.add_argument("--until-heartbeats", type=int, default=0)
    parser.add_argument("--events", type=int, default=2,
                        help="queued events the message runs (1 when it fails)")
    parser.add_argument("--last-fn", type=int, default=5, help="the fn_index of the chain's last request")
    args = parser.parse_args()
    email, password = os.environ["E2E_USER_EMAIL"], os.environ["E2E_USER_PASSWORD"]
    base = args.url.rstrip("/")
    args.out.mkdir(parents=True, exist_ok=True)
    requests: list[dict[str, Any]] = []
    started = time.monotonic()

    entries: dict[int, dict[str, Any]] = {}

    def begin(request: Request) -> None:
        if "/gradio_api/" not in request.url or not recording:
            return
        entry: dict[str, Any] = {"t_ms": round((time.monotonic() - started) * 1000), "method": request.method,
                                 "path": request.url.removeprefix(base), "request_body": request.post_data}
        entries[id(request)] = entry
        requests.append(entry)

    def end(request: Request, failure: str | None = None) -> None:
        entry = entries.get(id(request))
        if entry is None:
            return
        entry["done_ms"] = round((time.monotonic() - started) * 1000)
        response = request.response()
        entry["status"] = response.status if response else None
        if failure:
            entry["failure"] = failure  # a queue/data fetch the page aborted itself after close_stream
        if response is not None and "/queue/data" not in request.url and not failure:
            entry["response_body"] = response.text()

    recording = False
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                             headless=True, args=ARGS)
        context = browser.new_context()
        context.add_init_script(TEE)
        context.on("request", begin)
        context.on("requestfinished", end)
        context.on("requestfailed", lambda request: end(request, request.failure or "failed"))
        page = context.new_page()
        page.goto(base)
        page.get_by_label("username").fill(email)
        page.get_by_label("password").fill(password)
        page.get_by_role("button", name="Login").click()
        textbox = page.get_by_test_id("textbox")
        textbox.wait_for()
        recording = True
        started = time.monotonic()
        textbox.fill(args.message)
        textbox.press("Enter")
        if args.until_heartbeats:
            page.wait_for_function(HEARTBEATS, arg=args.until_heartbeats,
                                   timeout=20_000 * args.until_heartbeats)
            page.get_by_test_id("stop-button").click()
            page.wait_for_function(ENDED, timeout=30_000)
        else:
            # the chat function's event, then (when it succeeded) the textbox's re-enable
            page.wait_for_function(COMPLETED, arg=args.events, timeout=90_000)
        # the chain ends with a run/predict (_save_conversation): wait until it and every other request
        # is done
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not (
                any(f'"fn_index":{args.last_fn}' in (entry["request_body"] or "") for entry in requests)
                and all("done_ms" in entry for entry in requests if "/queue/data" not in entry["path"])):
            page.wait_for_function(ENDED, timeout=15_000)  # a round trip to the page: lets events arrive
        streams = page.evaluate("window.__streams")
        browser.close()

    stream_index = 0
    for entry in requests:
        if "/queue/data" in entry["path"] and stream_index < len(streams):
            stream = streams[stream_index]
            stream_index += 1
            entry["stream"] = {"chunks": stream["chunks"], "ended_ms": stream["ended"],
                               "page_error": stream["error"]}
    chat_event = next(json.loads(entry["response_body"])["event_id"] for entry in requests
                      if entry["path"].startswith("/gradio_api/queue/join")
                      and json.loads(entry["request_body"])["fn_index"] == 2)
    chat_stream = next(stream for stream in streams
                       if any(chat_event in chunk["text"] for chunk in stream["chunks"]))
    (args.out / f"{args.name}.sse").write_text("".join(chunk["text"] for chunk in chat_stream["chunks"]))
    (args.out / f"{args.name}.requests.json").write_text(json.dumps(requests, indent=1) + "\n")
    print(f"{args.name}: {len(requests)} requests, {len(streams)} streams; chat event {chat_event}")


if __name__ == "__main__":
    main()
