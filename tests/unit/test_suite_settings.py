"""The suite's settings (engine/settings.py): every E2E_* value is checked once, each bad one named."""

from __future__ import annotations

import stat

import pytest

from engine.settings import (
    DEFAULT_EXPECT,
    DEFAULT_PROMPT,
    InvalidSetting,
    MissingSetting,
    SuiteSettings,
    check_environment,
    chromium_executable,
)

SUITE_VARIABLES = ("E2E_BASE_URL", "E2E_USER_EMAIL", "E2E_USER_PASSWORD", "E2E_PROMPT", "E2E_EXPECT",
                   "E2E_STARTED_WITHIN_SECONDS", "E2E_COMPLETED_WITHIN_SECONDS", "E2E_EXPECT_TIMEOUT_SECONDS",
                   "E2E_CHROMIUM_EXECUTABLE", "E2E_DEBIAN_CHROMIUM")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SUITE_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_nothing_set_gives_the_defaults_and_passes_the_check():
    check_environment(None)

    settings = SuiteSettings.from_environment("http://127.0.0.1:8000/", credentials=("a@b.c", "pw"))
    assert settings.base_url == "http://127.0.0.1:8000"
    assert (settings.prompt, settings.expect.pattern) == (DEFAULT_PROMPT, DEFAULT_EXPECT)
    assert (settings.started_within_seconds, settings.completed_within_seconds,
            settings.expect_timeout_seconds) == (10.0, 120.0, 10.0)


@pytest.mark.parametrize("name, value, why", [
    ("E2E_EXPECT", "(", r"E2E_EXPECT='\(' is not a valid regular expression: missing \), unterminated"),
    ("E2E_EXPECT", "[a-", r"E2E_EXPECT='\[a-' is not a valid regular expression"),
    ("E2E_STARTED_WITHIN_SECONDS", "abc", r"E2E_STARTED_WITHIN_SECONDS='abc' is not a number of seconds"),
    ("E2E_STARTED_WITHIN_SECONDS", "0", r"E2E_STARTED_WITHIN_SECONDS='0' must be more than 0 seconds"),
    ("E2E_COMPLETED_WITHIN_SECONDS", "-5", r"E2E_COMPLETED_WITHIN_SECONDS='-5' must be more than 0"),
    ("E2E_COMPLETED_WITHIN_SECONDS", "nan", r"E2E_COMPLETED_WITHIN_SECONDS='nan' is not a finite number"),
    ("E2E_EXPECT_TIMEOUT_SECONDS", "inf", r"E2E_EXPECT_TIMEOUT_SECONDS='inf' is not a finite number"),
    ("E2E_EXPECT_TIMEOUT_SECONDS", "10s", r"E2E_EXPECT_TIMEOUT_SECONDS='10s' is not a number of seconds"),
    ("E2E_PROMPT", "   ", r"E2E_PROMPT='   ' is blank: the chat never sends a blank message"),
    ("E2E_PROMPT", "x" * 4001, r"E2E_PROMPT='x+'\.\.\. is 4001 characters long: the chat sends at most 4000"),
    ("E2E_BASE_URL", "staging.example.com", r"E2E_BASE_URL='staging.example.com' is not an http\(s\) URL"),
    ("E2E_BASE_URL", "ftp://host", r"E2E_BASE_URL='ftp://host' is not an http\(s\) URL"),
    ("E2E_CHROMIUM_EXECUTABLE", "/no/chrome", r"E2E_CHROMIUM_EXECUTABLE=/no/chrome does not exist"),
])
def test_each_bad_value_is_named_with_the_variable_the_value_and_what_is_wrong(monkeypatch, name, value, why):
    monkeypatch.setenv(name, value)
    base_url = value if name == "E2E_BASE_URL" else None

    with pytest.raises(InvalidSetting, match=why):
        check_environment(base_url)


def test_an_executable_variable_that_cannot_be_run_is_named(monkeypatch, tmp_path):
    not_executable = tmp_path / "chrome"
    not_executable.write_text("")
    not_executable.chmod(stat.S_IRUSR)
    monkeypatch.setenv("E2E_CHROMIUM_EXECUTABLE", str(not_executable))

    with pytest.raises(InvalidSetting, match=f"E2E_CHROMIUM_EXECUTABLE={not_executable} is not executable"):
        chromium_executable()


def test_good_values_are_taken(monkeypatch, tmp_path):
    chrome = tmp_path / "chrome"
    chrome.write_text("#!/bin/sh\n")
    chrome.chmod(0o755)
    for name, value in {"E2E_PROMPT": "What is 2 + 2?", "E2E_EXPECT": r"\b4\b",
                        "E2E_STARTED_WITHIN_SECONDS": "2.5", "E2E_COMPLETED_WITHIN_SECONDS": "30",
                        "E2E_EXPECT_TIMEOUT_SECONDS": "7", "E2E_CHROMIUM_EXECUTABLE": str(chrome)}.items():
        monkeypatch.setenv(name, value)

    check_environment("https://staging.example.com")
    settings = SuiteSettings.from_environment("https://staging.example.com", credentials=("a@b.c", "pw"))

    assert (settings.prompt, settings.expect.pattern) == ("What is 2 + 2?", r"\b4\b")
    assert (settings.started_within_seconds, settings.completed_within_seconds,
            settings.expect_timeout_seconds) == (2.5, 30.0, 7.0)
    assert chromium_executable() == str(chrome)


def test_the_check_does_not_need_the_credentials_but_the_run_does():
    check_environment("https://staging.example.com")

    with pytest.raises(MissingSetting, match="E2E_USER_EMAIL is not set"):
        SuiteSettings.from_environment("https://staging.example.com")
