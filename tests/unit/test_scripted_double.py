"""engine/scripted_double.py: what the bundled products' test doubles read from the environment."""

from __future__ import annotations

import pytest

from engine.scripted_double import faults, port, required, seconds, tokens_of


def test_settings_come_from_the_environment_and_bad_ones_are_named(monkeypatch):
    monkeypatch.setenv("X_SECONDS", "0.5")
    monkeypatch.setenv("X_PORT", "7861")
    monkeypatch.setenv("X_FAULTS", "silent, tool_raises")
    assert seconds("X_SECONDS", 3.0) == 0.5 and seconds("X_UNSET", 3.0) == 3.0
    assert port("X_PORT", 7860) == 7861
    assert faults("X_FAULTS", ("silent", "tool_raises")) == {"silent", "tool_raises"}
    for name, value, call in (("X_SECONDS", "-1", lambda: seconds("X_SECONDS", 1.0)),
                              ("X_SECONDS", "soon", lambda: seconds("X_SECONDS", 1.0)),
                              ("X_PORT", "70000", lambda: port("X_PORT", 1)),
                              ("X_FAULTS", "melt", lambda: faults("X_FAULTS", ("silent",)))):
        monkeypatch.setenv(name, value)
        with pytest.raises(RuntimeError, match=name):
            call()
    with pytest.raises(RuntimeError, match="X_EMAIL is not set: export the account the bundled Acme app"):
        required("X_EMAIL", "Acme")


def test_tokens_join_back_to_the_answer():
    answer = "The answer is 391."
    assert tokens_of(answer) == ["The", " answer", " is", " 391", "."]
    assert "".join(tokens_of(answer)) == answer
