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

Faults of the page and of sign-in, which Gradio itself does not offer to break:

* ``shift_enter_sends``: a script given to ``launch(js=...)`` turns Shift+Enter in the message
  box into a click on its submit button;
* ``accepts_any_password``: the login page lets anyone in (an ``auth`` function that says yes);
* ``echoes_password``: the login page repeats what was typed in its password field under its
  refusal ("Incorrect Credentials"). Gradio renders ``auth_message`` as HTML, and an image's
  ``onerror`` there is the only script that page runs;
* ``no_sign_in``: ``launch`` without ``auth``: the chat is open to anyone, with no login page.

Any message is answered at once: the chat event has ``concurrency_limit=None``
(Gradio's default is one event at a time), so parallel tests do not queue behind each other.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from typing import Any

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before the import: analytics and a version check call out

# calculator and scripted_double: beside this file in the work folder, on its PYTHONPATH (copy_app).
import calculator  # noqa: E402
import gradio as gr  # noqa: E402
from scripted_double import (  # noqa: E402
    SLOW_TRIGGER,
    faults,
    port,
    required,
    seconds,
    tokens_of,
)

FAULTS_VARIABLE = "E2E_GRADIO_FAULTS"
KNOWN_FAULTS = ("handler_raises", "tool_raises", "silent", "shift_enter_sends", "accepts_any_password",
                "echoes_password", "no_sign_in")
TOOL_TITLE = "Used tool calculator"


ACCOUNT_EMAIL = required("E2E_GRADIO_EMAIL", "Gradio")
ACCOUNT_PASSWORD = required("E2E_GRADIO_PASSWORD", "Gradio")
PORT = port("E2E_GRADIO_PORT", 7860)
TOKEN_SECONDS = seconds("E2E_GRADIO_TOKEN_SECONDS", 0.03)
SLOW_TOOL_SECONDS = seconds("E2E_GRADIO_SLOW_TOOL_SECONDS", 60.0)
FAULTS = faults(FAULTS_VARIABLE, KNOWN_FAULTS)


def _tool_step(content: str, status: str) -> gr.ChatMessage:
    return gr.ChatMessage(content=content, metadata={"title": TOOL_TITLE, "status": status})  # type: ignore[typeddict-item]


async def respond(message: str, history: list[dict[str, Any]]) -> AsyncIterator[Any]:
    """The scripted test double: each yield is the assistant's whole turn so far."""
    if "silent" in FAULTS:  # FAULT: silent
        await asyncio.Event().wait()  # never set: the event stays open until the user stops it

    expression = calculator.find_expression(message)
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

# FAULT: shift_enter_sends
_SHIFT_ENTER_SENDS = """() => document.addEventListener("keydown", event => {
    if (event.key === "Enter" && event.shiftKey && event.target.matches("textarea")) {
        event.preventDefault();
        event.stopImmediatePropagation();
        document.querySelector("[data-testid='submit-button']").click();
    }
}, true)"""

# FAULT: echoes_password. The image never loads ("data:," is no image), so its onerror runs once.
# Gradio empties the fields on a refusal, so the script keeps what was typed as it is typed.
_ECHOES_PASSWORD = """<img src="data:," alt="" style="display:none" onerror="
    let typed = '';
    document.addEventListener('input', event => {
        if (event.target.type === 'password') typed = event.target.value;
    }, true);
    new MutationObserver(() => {
        const refusal = [...document.querySelectorAll('.creds')].find(el => !el.dataset.echoed);
        if (refusal) { refusal.dataset.echoed = '1'; refusal.textContent += ' (you typed ' + typed + ')'; }
    }).observe(document.body, {childList: true, subtree: true});
">"""


def _accepts_anyone(username: str, password: str) -> bool:  # FAULT: accepts_any_password
    return True


def _auth() -> Any:
    if "no_sign_in" in FAULTS:  # FAULT: no_sign_in
        return None
    if "accepts_any_password" in FAULTS:
        return _accepts_anyone
    return [(ACCOUNT_EMAIL, ACCOUNT_PASSWORD)]


if __name__ == "__main__":
    demo.launch(
        auth=_auth(),
        auth_message=_ECHOES_PASSWORD if "echoes_password" in FAULTS else None,
        js=_SHIFT_ENTER_SENDS if "shift_enter_sends" in FAULTS else None,
        server_name="127.0.0.1",
        server_port=PORT,
        show_error=False,
        prevent_thread_lock=False,
    )
