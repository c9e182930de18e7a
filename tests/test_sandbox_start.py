"""Sandbox.start() keeps its promises when the server misbehaves: a real timeout, a clear error."""

from __future__ import annotations

import sys
import time

import pytest

from amitui.sandbox import Sandbox, SandboxError


class FakeServer(Sandbox):
    """A Sandbox whose "server" is a Python one-liner."""

    def __init__(self, code: str, startup_timeout: float) -> None:
        super().__init__(startup_timeout=startup_timeout)
        self.code = code

    def command(self) -> list[str]:
        return [sys.executable, "-c", self.code]


def test_a_silent_server_times_out() -> None:
    sandbox = FakeServer("import time; time.sleep(60)", startup_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(SandboxError, match=r"no READY line within 0\.5 s"):
        sandbox.start()
    assert time.monotonic() - started < 5
    assert sandbox._process is None  # stopped, not left running


def test_a_server_that_exits_reports_its_error() -> None:
    sandbox = FakeServer("import sys; sys.exit('port in use')", startup_timeout=30)
    with pytest.raises(SandboxError, match=r"\(it exited\): port in use"):
        sandbox.start()


def test_ready_line_gives_the_endpoint_after_other_output() -> None:
    code = (
        "import sys, time; print('warming up'); "
        "print('AMITUI-SANDBOX-READY http://127.0.0.1:1', flush=True); "
        "[print('chatter', i) for i in range(100000)]; time.sleep(60)"
    )
    sandbox = FakeServer(code, startup_timeout=30)
    try:
        assert sandbox.start() == "http://127.0.0.1:1"
    finally:
        sandbox.stop()
