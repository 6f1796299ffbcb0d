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

import asyncio
import hmac

# calculator and scripted_double: beside this file in the app's work folder, on its PYTHONPATH
# (engine/bundled_venv.py copy_app).
import calculator
import chainlit as cl
from scripted_double import (
    SLOW_TRIGGER,
    faults,
    required,
    seconds,
    tokens_of,
)

FAULTS_VARIABLE = "E2E_CHAINLIT_FAULTS"
KNOWN_FAULTS = ("handler_raises", "tool_raises", "silent")


ACCOUNT_EMAIL = required("E2E_CHAINLIT_EMAIL", "Chainlit")
ACCOUNT_PASSWORD = required("E2E_CHAINLIT_PASSWORD", "Chainlit")
TOKEN_SECONDS = seconds("E2E_CHAINLIT_TOKEN_SECONDS", 0.03)
SLOW_TOOL_SECONDS = seconds("E2E_CHAINLIT_SLOW_TOOL_SECONDS", 60.0)
FAULTS = faults(FAULTS_VARIABLE, KNOWN_FAULTS)


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

    expression = calculator.find_expression(text)
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
