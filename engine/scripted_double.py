"""What the bundled products' scripted test doubles for the model share (stdlib only).

The bundled third-party apps (``targets/<name>/app/app.py``) run in the product's own
virtualenv, which holds nothing of the suite's. ``BundledChildApp.copy_app``
(``engine/bundled_venv.py``) copies this file and the reference app's calculator next to
the app and puts that folder on the app's ``PYTHONPATH``, so an app imports them as
``scripted_double`` and ``calculator``. Nothing here may import beyond the standard library.

A scripted double is a TEST DOUBLE for the model, never an AI: it finds arithmetic in a
message (``calculator.find_expression``, to run a tool step) and streams its answer in tokens.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

SLOW_TRIGGER = "[slow]"
# a word or a run of punctuation, with the blanks before it: the pieces join back to the text
_TOKEN = re.compile(r"\s*(?:\w+|[^\w\s]+)|\s+")


def required(name: str, product: str) -> str:
    """The environment variable ``name``; RuntimeError naming it when it is unset or empty."""
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: export the account the bundled {product} app accepts")
    return value


def seconds(name: str, default: float) -> float:
    """A number of seconds (0 or more) from the environment, ``default`` when unset."""
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


def port(name: str, default: int) -> int:
    """A port number from the environment, ``default`` when unset."""
    raw = os.environ.get(name)
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise RuntimeError(f"{name}={raw!r} is not a port number")
    return int(raw)


def faults(variable: str, known: Iterable[str]) -> frozenset[str]:
    """The fault switches named (comma-separated) in ``variable``; RuntimeError on an unknown one."""
    known = tuple(known)
    named = {name.strip() for name in os.environ.get(variable, "").split(",") if name.strip()}
    unknown = sorted(named - set(known))
    if unknown:
        raise RuntimeError(f"{variable} names unknown fault(s) {', '.join(unknown)}; "
                           f"known: {', '.join(known)}")
    return frozenset(named)


def tokens_of(answer: str) -> list[str]:
    """``answer`` in the pieces it is streamed in: each word or punctuation with the blanks before it."""
    return _TOKEN.findall(answer) or [answer]
