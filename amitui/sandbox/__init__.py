"""The embedded sandbox: a moto server in a subprocess on a loopback port.

amitui talks to it over HTTP exactly as to AWS (``endpoint_url``). moto's in-process
mocks do not intercept aiobotocore, so a real server is the only honest backend.
The subprocess entry point (:mod:`amitui.sandbox.server`) installs the fidelity
extensions in :mod:`amitui.sandbox.extensions` before it serves.
"""

from __future__ import annotations

import collections
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import IO

#: Credentials the sandbox accepts; moto ignores them, botocore insists on having some.
SANDBOX_CREDENTIALS: Mapping[str, str] = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
#: The account moto reports as ``self``.
SANDBOX_ACCOUNT_ID = "123456789012"
READY_PREFIX = "AMITUI-SANDBOX-READY "


class SandboxError(RuntimeError):
    """The sandbox subprocess could not be started."""


class Sandbox:
    """Run the sandbox server in a subprocess for the lifetime of a ``with`` block.

    ``port=0`` (the default) lets the OS pick a free loopback port; the server reports
    the port it bound, so there is no race between choosing a port and binding it.
    """

    def __init__(
        self,
        port: int = 0,
        *,
        demo: bool = False,
        enabled_regions: Sequence[str] | None = None,
        extra_env: Mapping[str, str] | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        self.port = port
        self.demo = demo
        self.enabled_regions = list(enabled_regions) if enabled_regions else None
        self.extra_env = dict(extra_env or {})
        self.startup_timeout = startup_timeout
        self._process: subprocess.Popen[str] | None = None
        self._endpoint_url: str | None = None

    @property
    def endpoint_url(self) -> str:
        if self._endpoint_url is None:
            raise SandboxError("the sandbox is not running")
        return self._endpoint_url

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "amitui.sandbox.server", "--port", str(self.port)]
        if self.demo:
            cmd.append("--demo")
        if self.enabled_regions:
            cmd += ["--enabled-regions", ",".join(self.enabled_regions)]
        return cmd

    def launch(self) -> None:
        """Spawn the server and return at once; :meth:`wait_ready` (or :meth:`start`) waits."""
        env = {**os.environ, **SANDBOX_CREDENTIALS, **self.extra_env}
        self._process = subprocess.Popen(
            self.command(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert self._process.stdout is not None and self._process.stderr is not None
        # Drain stderr from the start: a full pipe would block the server mid-seeding.
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=40)
        self._stderr_reader = _drain_in_background(self._process.stderr, self._stderr_tail)
        # stdout is read in a thread too, so a server that prints nothing still times out.
        self._ready: queue.Queue[str | None] = queue.Queue()
        _drain_in_background(self._process.stdout, on_ready=self._ready.put)

    def wait_ready(self) -> str:
        """Wait for the launched server's READY line; return its endpoint URL."""
        if self._endpoint_url is not None:
            return self._endpoint_url
        try:
            endpoint_url = self._ready.get(timeout=self.startup_timeout)
        except queue.Empty:
            endpoint_url = None
            why = f"no READY line within {self.startup_timeout:g} s"
        else:
            why = "it exited"
        if endpoint_url:
            self._endpoint_url = endpoint_url
            return endpoint_url
        self.stop()
        self._stderr_reader.join(timeout=1)  # the process is gone: its last words are on the way
        stderr = "".join(self._stderr_tail).strip()[-2000:]
        raise SandboxError(f"the sandbox did not start ({why}): {stderr or 'no error output'}")

    def start(self) -> str:
        if self._process is None:
            self.launch()
        return self.wait_ready()

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        self._endpoint_url = None

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _drain_in_background(
    stream: IO[str],
    keep: collections.deque[str] | None = None,
    on_ready: Callable[[str | None], None] | None = None,
) -> threading.Thread:
    """Read ``stream`` to its end in a daemon thread, so the server never blocks on a full
    pipe. ``on_ready`` gets the READY line's URL, or None if the stream ends without one."""

    def drain() -> None:
        announced = False
        for line in stream:
            if keep is not None:
                keep.append(line)
            if on_ready is not None and not announced and line.startswith(READY_PREFIX):
                announced = True
                on_ready(line[len(READY_PREFIX) :].strip())
        if on_ready is not None and not announced:
            on_ready(None)

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    return thread
