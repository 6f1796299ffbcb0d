"""The bundled Chainlit app: a real Chainlit 2.12 app whose agent is a scripted TEST DOUBLE for the model.

It is not an AI and is never presented as one. It answers by fixed rules so the
suite can rely on them, through Chainlit's own steps and streaming:

* A message with arithmetic in it ("What is 17 * 23?") runs a tool step
  ``calculator`` (``cl.Step(type="tool")``) that evaluates the expression by
  walking Python's syntax tree (the reference app's calculator, never ``eval``),
  then streams "The answer is 391." token by token (``stream_token``, then ``send``).
  A calculation that fails (division by zero) fails the tool step, and the run.
* Any other message gets a short streamed answer that quotes it back.
* ``[slow]`` in a message makes the tool step last ``E2E_CHAINLIT_SLOW_TOOL_SECONDS``
  (default 60): a run that is still going when a test breaks the connection.

Environment (read once, at start):

| variable | meaning |
|---|---|
| ``E2E_CHAINLIT_EMAIL``, ``E2E_CHAINLIT_PASSWORD`` | the one account password sign-in accepts (required) |
| ``E2E_CHAINLIT_TOKEN_SECONDS`` | pause after each streamed token, default 0.03, so streaming is observable |
| ``E2E_CHAINLIT_SLOW_TOOL_SECONDS`` | how long a ``[slow]`` tool step lasts, default 60 |
| ``E2E_CHAINLIT_FAULTS`` | comma-separated fault switches, off unless named (below) |
| ``CHAINLIT_AUTH_SECRET`` | Chainlit's own: signs its session JWT; required by password auth |

Fault switches (each a ``FAULT: <name>`` branch below), so that what a Chainlit user
sees can be observed for real rather than only simulated on the wire:

* ``handler_raises``: ``on_message`` raises after the run started (Chainlit logs it
  and ends the run step with ``isError``);
* ``tool_raises``: the calculator step raises (the step, then the run, end with ``isError``);
* ``silent``: the run starts and then nothing more is sent, until the user stops it.
"""

from __future__ import annotations

import ast
import asyncio
import hmac
import importlib.util
import os
import re
import sys
from pathlib import Path
from types import ModuleType

import chainlit as cl

FAULTS_VARIABLE = "E2E_CHAINLIT_FAULTS"
KNOWN_FAULTS = ("handler_raises", "tool_raises", "silent")
SLOW_TRIGGER = "[slow]"
# a run of digits, operators, dots, parentheses and spaces that starts like a number
_EXPRESSION_CANDIDATE = re.compile(r"[-+(]*\s*\d[\d\s.+\-*/%()]*")
# a word or a run of punctuation, with the blanks before it: the pieces join back to the text
_TOKEN = re.compile(r"\s*(?:\w+|[^\w\s]+)|\s+")


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: export the account the bundled Chainlit app accepts")
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


def _faults() -> frozenset[str]:
    named = {name.strip() for name in os.environ.get(FAULTS_VARIABLE, "").split(",") if name.strip()}
    unknown = sorted(named - set(KNOWN_FAULTS))
    if unknown:
        raise RuntimeError(f"{FAULTS_VARIABLE} names unknown fault(s) {', '.join(unknown)}; "
                           f"known: {', '.join(KNOWN_FAULTS)}")
    return frozenset(named)


def _load_calculator() -> ModuleType:
    # One calculator for both bundled apps. It is stdlib-only, but importing it as
    # reference_app.agent.calculator would run the reference app's package (pydantic
    # settings and all): load the file alone. The launcher copies it next to this
    # file; run in place, it is found in the repository.
    here = Path(__file__).resolve().parent
    candidates = [here / "calculator.py"]
    if len(here.parents) > 2:  # targets/chainlit/app/ -> the repository root
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


ACCOUNT_EMAIL = _required("E2E_CHAINLIT_EMAIL")
ACCOUNT_PASSWORD = _required("E2E_CHAINLIT_PASSWORD")
TOKEN_SECONDS = _seconds("E2E_CHAINLIT_TOKEN_SECONDS", 0.03)
SLOW_TOOL_SECONDS = _seconds("E2E_CHAINLIT_SLOW_TOOL_SECONDS", 60.0)
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


@cl.password_auth_callback
async def sign_in(email: str, password: str) -> cl.User | None:
    """The one configured account; anything else is refused (Chainlit answers 401)."""
    email_ok = hmac.compare_digest(email.encode(), ACCOUNT_EMAIL.encode())
    password_ok = hmac.compare_digest(password.encode(), ACCOUNT_PASSWORD.encode())
    if email_ok and password_ok:
        return cl.User(identifier=email, metadata={"provider": "credentials"})
    return None


async def _stream(answer: str) -> None:
    message = cl.Message(content="")
    for token in tokens_of(answer):
        await message.stream_token(token)
        await asyncio.sleep(TOKEN_SECONDS)
    await message.send()


@cl.on_message
async def on_message(message: cl.Message) -> None:
    text = message.content
    if "silent" in FAULTS:  # FAULT: silent
        await asyncio.Event().wait()  # never set: the run stays open until the user stops it
    if "handler_raises" in FAULTS:  # FAULT: handler_raises
        raise RuntimeError("deliberate failure in on_message (fault switch handler_raises)")

    expression = find_expression(text)
    if expression is None:
        await _stream(f"You wrote: {text[:80]}")
        return

    async with cl.Step(name="calculator", type="tool") as step:
        step.input = expression
        if SLOW_TRIGGER in text:
            await asyncio.sleep(SLOW_TOOL_SECONDS)
        if "tool_raises" in FAULTS:  # FAULT: tool_raises
            raise RuntimeError("deliberate failure in the calculator step (fault switch tool_raises)")
        value = calculator.format_number(calculator.evaluate(expression))
        step.output = value
    await _stream(f"The answer is {value}.")
