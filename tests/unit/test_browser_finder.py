"""engine/browser_finder.py's decisions: what it uses, in which order, what it installs, and its one line.

The machine is replaced: Debian's path points into tmp_path (E2E_DEBIAN_CHROMIUM), and every command the
finder would run (Playwright's lookup, apt-get, sudo, the download) goes to a fake that records it and
plays the machine's part (an apt-get that "installs" creates the file).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.browser_finder import (
    DEBIAN,
    DEBIAN_SHELL,
    PLAYWRIGHT,
    VARIABLE,
    BrowserProblem,
    BrowserUnavailable,
    Finder,
    Found,
    main,
)

PYTHON = "/venv/bin/python"


def _executable(path: Path, script: str = "#!/bin/sh\necho Chromium 1.0\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(script)
    path.chmod(0o755)
    return path


class FakeMachine:
    """Answers the finder's commands; ``on_apt_install``/``on_download`` say what those do here."""

    def __init__(self, tmp_path: Path) -> None:
        self.debian = tmp_path / "usr-bin" / "chromium"
        self.shell = tmp_path / "usr-bin" / "chromium-headless-shell"
        self.apt_has_shell = True  # whether this Debian has the chromium-headless-shell package
        self.playwright = tmp_path / "ms-playwright" / "chromium-1" / "chrome"
        self.commands: list[list[str]] = []
        self.on_apt_install: Callable[[], subprocess.CompletedProcess[str]] = self.fail("E: Unable to locate "
                                                                                          "package chromium")
        self.on_download: Callable[[], subprocess.CompletedProcess[str]] = self.fail("Error: getaddrinfo "
                                                                                       "ENOTFOUND cdn")
        self.sudo_without_password = False

    @staticmethod
    def fail(message: str) -> Callable[[], subprocess.CompletedProcess[str]]:
        return lambda: subprocess.CompletedProcess([], 1, "", message + "\nmore detail\n")

    @staticmethod
    def ok() -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess([], 0, "", "")

    def install_debian(self) -> subprocess.CompletedProcess[str]:
        _executable(self.debian)
        return self.ok()

    def download(self) -> subprocess.CompletedProcess[str]:
        _executable(self.playwright)
        return self.ok()

    def run(self, command: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        self.commands.append(command)
        if command[:2] == [PYTHON, "-c"]:  # Playwright's own: where is it?
            found = str(self.playwright) if self.playwright.is_file() else ""
            return subprocess.CompletedProcess(command, 0, found + "\n" if found else "", "")
        if command == ["sudo", "-n", "true"]:
            return subprocess.CompletedProcess(command, 0 if self.sudo_without_password else 1, "",
                                               "sudo: a password is required")
        if "apt-get" in command and "update" in command:
            return self.ok()
        if "apt-get" in command and "install" in command:
            if "chromium-headless-shell" in command and not self.apt_has_shell:
                return self.fail("E: Unable to locate package chromium-headless-shell")()
            done = self.on_apt_install()
            if done.returncode == 0 and "chromium-headless-shell" in command:
                _executable(self.shell)
            return done
        if command[:4] == [PYTHON, "-m", "playwright", "install"]:
            return self.on_download()
        raise AssertionError(f"unexpected command {command}")

    def finder(self, *, environ: dict[str, str] | None = None, euid: int = 1000,
               tools: tuple[str, ...] = ("apt-get", "sudo"), python: str | None = PYTHON) -> Finder:
        return Finder(environ={"E2E_DEBIAN_CHROMIUM": str(self.debian), **(environ or {})}, python=python,
                      run=self.run, which=lambda name: f"/usr/bin/{name}" if name in tools else None,
                      euid=euid, log=lambda line: None)

    def ran(self, word: str) -> bool:
        return any(word in " ".join(command) for command in self.commands)


@pytest.fixture
def machine(tmp_path: Path) -> FakeMachine:
    return FakeMachine(tmp_path)


def test_the_variable_comes_first_even_with_debian_and_playwright_present(machine, tmp_path):
    own = _executable(tmp_path / "my-chrome")
    _executable(machine.debian)
    _executable(machine.playwright)

    found = machine.finder(environ={"E2E_CHROMIUM_EXECUTABLE": str(own)}).ensure()

    assert found == Found(str(own), VARIABLE)
    assert machine.commands == []


def test_a_variable_naming_nothing_is_an_error_not_a_fall_through(machine):
    _executable(machine.debian)

    with pytest.raises(BrowserProblem, match="E2E_CHROMIUM_EXECUTABLE=/no/such/chrome does not exist"):
        machine.finder(environ={"E2E_CHROMIUM_EXECUTABLE": "/no/such/chrome"}).ensure()


def test_debian_comes_before_playwright_and_nothing_is_started(machine):
    _executable(machine.debian)
    _executable(machine.playwright)

    assert machine.finder().ensure() == Found(str(machine.debian), DEBIAN)
    assert machine.commands == []


def test_playwright_own_is_used_when_it_is_the_only_one(machine):
    _executable(machine.playwright)

    assert machine.finder().ensure() == Found(str(machine.playwright), PLAYWRIGHT)
    assert not machine.ran("apt-get")


def test_none_found_as_root_installs_debian_package_first(machine):
    machine.on_apt_install = machine.install_debian

    found = machine.finder(euid=0).ensure()

    assert found == Found(str(machine.shell), DEBIAN_SHELL)
    install = next(command for command in machine.commands if "install" in command)
    assert install[0] == "env"
    assert install[-4:] == ["-qq", "--reinstall", "chromium", "chromium-headless-shell"]
    assert not machine.ran("playwright install")
    assert machine.finder().ensure(headless=False) == Found(str(machine.debian), DEBIAN)


def test_a_debian_without_the_headless_shell_package_gets_chromium_alone(machine):
    machine.on_apt_install = machine.install_debian
    machine.apt_has_shell = False

    assert machine.finder(euid=0).ensure() == Found(str(machine.debian), DEBIAN)
    installs = [command[-1] for command in machine.commands if "install" in command]
    assert installs == ["chromium-headless-shell", "chromium"]


def test_a_headless_run_takes_debians_headless_shell_and_a_headed_run_the_full_browser(machine):
    _executable(machine.debian)
    _executable(machine.shell)

    assert machine.finder().ensure() == Found(str(machine.shell), DEBIAN_SHELL)
    assert machine.finder().ensure(headless=False) == Found(str(machine.debian), DEBIAN)
    assert machine.finder().advice(Found(str(machine.shell), DEBIAN_SHELL)) is None
    assert machine.commands == []


def test_debians_full_browser_without_the_shell_is_used_and_the_shell_advised(machine):
    _executable(machine.debian)

    found = machine.finder().ensure()

    assert found == Found(str(machine.debian), DEBIAN)
    assert "`apt-get install chromium-headless-shell`" in machine.finder().advice(found)
    assert machine.commands == []


def test_none_found_with_password_less_sudo_installs_through_sudo(machine):
    machine.sudo_without_password = True
    machine.on_apt_install = machine.install_debian

    assert machine.finder().ensure() == Found(str(machine.shell), DEBIAN_SHELL)
    assert [command for command in machine.commands if "install" in command][0][:2] == ["sudo", "-n"]


def test_sudo_that_wants_a_password_means_no_apt_then_playwright_downloads(machine):
    machine.on_download = machine.download

    found = machine.finder().ensure()

    assert found == Found(str(machine.playwright), PLAYWRIGHT)
    assert not machine.ran("apt-get")


def test_apt_that_fails_falls_back_to_the_download(machine):
    machine.on_download = machine.download

    assert machine.finder(euid=0).ensure() == Found(str(machine.playwright), PLAYWRIGHT)
    assert machine.ran("apt-get") and machine.ran("playwright install chromium")


def test_apt_that_succeeds_without_the_executable_is_not_taken_for_success(machine):
    machine.on_apt_install = machine.ok
    machine.on_download = machine.download

    assert machine.finder(euid=0).ensure().source == PLAYWRIGHT


def test_nothing_works_gives_one_line_with_what_was_tried_and_what_to_do(machine):
    with pytest.raises(BrowserUnavailable) as raised:
        machine.finder(euid=0).ensure()

    line = str(raised.value)
    assert "\n" not in line
    assert f"no {machine.debian}" in line
    assert "apt-get install chromium: E: Unable to locate package chromium" in line
    assert "playwright install chromium: Error: getaddrinfo ENOTFOUND cdn" in line
    assert "install one (`sudo apt-get install chromium` or `python -m playwright install chromium`)" in line
    assert "more detail" not in line


def test_no_apt_and_no_playwright_python_says_so(machine):
    with pytest.raises(BrowserUnavailable, match="apt-get: not usable here.*no Python with Playwright"):
        machine.finder(tools=(), python=None).ensure()


def test_a_browser_that_cannot_start_is_named_with_the_first_line_of_its_error(tmp_path):
    broken = _executable(tmp_path / "chrome", "#!/bin/sh\n"
                         "echo 'chrome: error while loading shared libraries: libnss3.so' >&2\n"
                         "echo second >&2\nexit 127\n")

    with pytest.raises(BrowserProblem) as raised:
        Finder(environ={}).check_starts(str(broken))

    assert str(raised.value) == (
        f"the browser {broken} cannot start (`--version` exited with 127): chrome: error while loading "
        "shared libraries: libnss3.so; reinstall it, or point E2E_CHROMIUM_EXECUTABLE at a Chromium that "
        "starts")


def test_a_browser_that_starts_passes(tmp_path):
    Finder(environ={}).check_starts(str(_executable(tmp_path / "chrome")))


def test_the_command_line_finds_only_with_find_and_says_what_it_uses(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("E2E_DEBIAN_CHROMIUM", str(tmp_path / "none"))
    monkeypatch.delenv("E2E_CHROMIUM_EXECUTABLE", raising=False)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "empty"))

    assert main(["--find", "--python", str(tmp_path / "no-python")]) == 1
    assert "no Chromium here" in capsys.readouterr().err

    chrome = _executable(tmp_path / "chrome")
    monkeypatch.setenv("E2E_CHROMIUM_EXECUTABLE", str(chrome))
    assert main(["--find"]) == 0
    assert capsys.readouterr().out.strip() == f"browser: {chrome} (E2E_CHROMIUM_EXECUTABLE)"


def test_the_line_quotes_the_error_line_of_what_failed_not_its_progress(machine):
    machine.on_apt_install = lambda: subprocess.CompletedProcess(
        [], 100, "Reading package lists...\n", "W: some warning\nE: Unable to fetch some archives\n")
    machine.on_download = lambda: subprocess.CompletedProcess(
        [], 1, "\x1b[2mDownloading Chrome for Testing 159 from https://cdn.playwright.dev/…\x1b[22m\n",
        "Error: getaddrinfo ENOTFOUND cdn.playwright.dev\n    at GetAddrInfoReqWrap.onlookupall\n")

    with pytest.raises(BrowserUnavailable) as raised:
        machine.finder(euid=0).ensure()

    line = str(raised.value)
    assert "apt-get install chromium: E: Unable to fetch some archives;" in line
    assert "playwright install chromium: Error: getaddrinfo ENOTFOUND cdn.playwright.dev)" in line
