"""The bundled Gradio app: a real Gradio 6.31 ``gr.ChatInterface`` whose model is a scripted TEST DOUBLE.

It is not an AI and is never presented as one. It answers by fixed rules so the
suite can rely on them, through Gradio's own chatbot messages and streaming (an async
generator: every ``yield`` is the whole assistant turn so far, and Gradio sends the
difference as JSON-path edits of the chat history):

* A message with arithmetic in it ("What is 17 * 23?") first shows a tool step: a
  ``gr.ChatMessage`` with ``metadata={"title": "Used tool calculator", "status": "pending"}``
  (an open accordion with a spinner) holding the expression, evaluated by walking
  Python's syntax tree (the reference app's calculator, never ``eval``); the step is
  then marked ``"done"`` with the result, and "The answer is 391." streams token by token.
* Any other message gets a short streamed answer that quotes it back ("You wrote: ...").
* ``[slow]`` in a message makes the tool step last ``E2E_GRADIO_SLOW_TOOL_SECONDS``
  (default 60): a run that is still going when a test breaks the connection.

Environment (read once, at start):

| variable | meaning |
|---|---|
| ``E2E_GRADIO_EMAIL``, ``E2E_GRADIO_PASSWORD`` | the one account Gradio's login page accepts (required) |
| ``E2E_GRADIO_PORT`` | the port on 127.0.0.1, default 7860 |
| ``E2E_GRADIO_TOKEN_SECONDS`` | pause after each streamed token, default 0.03, so streaming is observable |
| ``E2E_GRADIO_SLOW_TOOL_SECONDS`` | how long a ``[slow]`` tool step lasts, default 60 |
| ``E2E_GRADIO_FAULTS`` | comma-separated fault switches, off unless named (below) |
| ``GRADIO_ANALYTICS_ENABLED`` | Gradio's own; set to ``False`` here before Gradio is imported |

Fault switches (each a ``FAULT: <name>`` branch below), so that what a Gradio user
sees can be observed for real rather than only simulated on the wire:

* ``handler_raises``: the chat function raises a plain ``RuntimeError`` (not ``gr.Error``)
  after the tool step started; with the default ``show_error=False`` Gradio ends the
  event with ``process_completed`` ``success: false`` and hides the message;
* ``tool_raises``: the calculator raises inside the tool step, which stays "pending";
* ``silent``: the chat function starts and then never yields, until the user stops it.

Any message is answered at once: the chat event has ``concurrency_limit=None``
(Gradio's default is one event at a time), so parallel tests do not queue behind each other.
"""

from __future__ import annotations

import ast
import asyncio
import importlib.util
import os
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before the import: analytics and a version check call out

import gradio as gr  # noqa: E402

FAULTS_VARIABLE = "E2E_GRADIO_FAULTS"
KNOWN_FAULTS = ("handler_raises", "tool_raises", "silent")
SLOW_TRIGGER = "[slow]"
TOOL_TITLE = "Used tool calculator"
# a run of digits, operators, dots, parentheses and spaces that starts like a number
_EXPRESSION_CANDIDATE = re.compile(r"[-+(]*\s*\d[\d\s.+\-*/%()]*")
# a word or a run of punctuation, with the blanks before it: the pieces join back to the text
_TOKEN = re.compile(r"\s*(?:\w+|[^\w\s]+)|\s+")


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: export the account the bundled Gradio app accepts")
    return value


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise RuntimeError(f"{name}={raw!r} is not a number of seconds") from None
    if value < 0:
        raise RuntimeError(f"{name}={raw!r} must not be negative")
    return value


def _port(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise RuntimeError(f"{name}={raw!r} is not a port number")
    return int(raw)


def _faults() -> frozenset[str]:
    named = {name.strip() for name in os.environ.get(FAULTS_VARIABLE, "").split(",") if name.strip()}
    unknown = sorted(named - set(KNOWN_FAULTS))
    if unknown:
        raise RuntimeError(f"{FAULTS_VARIABLE} names unknown fault(s) {', '.join(unknown)}; "
                           f"known: {', '.join(KNOWN_FAULTS)}")
    return frozenset(named)


def _load_calculator() -> ModuleType:
    # One calculator for every bundled app. It is stdlib-only, but importing it as
    # reference_app.agent.calculator would run the reference app's package (pydantic
    # settings and all): load the file alone. The launcher copies it next to this
    # file; run in place, it is found in the repository.
    here = Path(__file__).resolve().parent
    candidates = [here / "calculator.py"]
    if len(here.parents) > 2:  # targets/gradio/app/ -> the repository root
        candidates.append(here.parents[2] / "reference_app" / "agent" / "calculator.py")
    for candidate in candidates:
        if candidate.is_file():
            spec = importlib.util.spec_from_file_location("e2e_calculator", candidate)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
            return module
    raise RuntimeError(f"calculator.py not found next to {__file__} nor in the repository")


ACCOUNT_EMAIL = _required("E2E_GRADIO_EMAIL")
ACCOUNT_PASSWORD = _required("E2E_GRADIO_PASSWORD")
PORT = _port("E2E_GRADIO_PORT", 7860)
TOKEN_SECONDS = _seconds("E2E_GRADIO_TOKEN_SECONDS", 0.03)
SLOW_TOOL_SECONDS = _seconds("E2E_GRADIO_SLOW_TOOL_SECONDS", 60.0)
FAULTS = _faults()
calculator = _load_calculator()


def find_expression(text: str) -> str | None:
    """The longest arithmetic expression (with at least one operator) written in ``text``."""
    best: str | None = None
    for match in _EXPRESSION_CANDIDATE.finditer(text):
        candidate = match.group().strip().rstrip(" .+-*/%(")
        while candidate and not _is_arithmetic(candidate) and candidate.endswith(")"):
            candidate = candidate[:-1].rstrip()
        if _is_arithmetic(candidate) and (best is None or len(candidate) > len(best)):
            best = candidate
    return best


def _is_arithmetic(candidate: str) -> bool:
    try:
        tree = ast.parse(candidate, mode="eval")
    except SyntaxError:
        return False
    return any(isinstance(node, ast.BinOp) for node in ast.walk(tree))


def tokens_of(answer: str) -> list[str]:
    return _TOKEN.findall(answer) or [answer]


def _tool_step(content: str, status: str) -> gr.ChatMessage:
    return gr.ChatMessage(content=content, metadata={"title": TOOL_TITLE, "status": status})  # type: ignore[typeddict-item]


async def respond(message: str, history: list[dict[str, Any]]) -> AsyncIterator[Any]:
    """The scripted test double: each yield is the assistant's whole turn so far."""
    if "silent" in FAULTS:  # FAULT: silent
        await asyncio.Event().wait()  # never set: the event stays open until the user stops it

    expression = find_expression(message)
    if expression is None:
        answer = ""
        for token in tokens_of(f"You wrote: {message[:80]}"):
            answer += token
            yield answer
            await asyncio.sleep(TOKEN_SECONDS)
        return

    yield [_tool_step(expression, "pending")]
    if "handler_raises" in FAULTS:  # FAULT: handler_raises
        raise RuntimeError("deliberate failure in the chat function (fault switch handler_raises)")
    if SLOW_TRIGGER in message:
        await asyncio.sleep(SLOW_TOOL_SECONDS)
    if "tool_raises" in FAULTS:  # FAULT: tool_raises
        raise RuntimeError("deliberate failure in the calculator step (fault switch tool_raises)")
    value = calculator.format_number(calculator.evaluate(expression))
    step = _tool_step(f"{expression} = {value}", "done")
    answer = ""
    for token in tokens_of(f"The answer is {value}."):
        answer += token
        yield [step, answer]
        await asyncio.sleep(TOKEN_SECONDS)


demo = gr.ChatInterface(
    respond,
    title="Bundled Gradio app (a scripted test double, not an AI)",
    concurrency_limit=None,
)

if __name__ == "__main__":
    demo.launch(
        auth=[(ACCOUNT_EMAIL, ACCOUNT_PASSWORD)],
        server_name="127.0.0.1",
        server_port=PORT,
        show_error=False,
        prevent_thread_lock=False,
    )
