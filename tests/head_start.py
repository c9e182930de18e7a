"""Slow, self-contained work that a test only checks the outcome of, started as soon as
collection shows that the test will run, so that it overlaps the tests before it.

A module registers the work under the name of the fixture that hands it to its tests::

    @head_start("harness_run")
    @contextmanager
    def harness_run_process(niceness: int) -> Iterator[HarnessRun]:
        ...  # start the subprocess (os.nice(niceness) in it), yield a handle to it, stop it

    @pytest.fixture
    def harness_run() -> HarnessRun:
        return started("harness_run")

tests/conftest.py enters every registered context whose fixture a collected test uses when
collection finishes, and exits them all when the session ends. Entering must not wait for
the work: it starts processes and returns. The work runs in other processes; started ahead,
at a lower CPU priority (:data:`NICENESS`), so it takes the CPU the tests leave idle and
timing-sensitive tests running meanwhile see the machine as before. A thread of the test
process would not do: it would take the tests' interpreter, and Textual's Pilot decides
whether the app is idle from this process's CPU time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import Any, TypeVar

#: What background work adds to its niceness (``os.nice``): the CPU goes to the tests first.
NICENESS = 10

#: A context manager factory; its argument is the niceness its processes give themselves.
Work = Callable[[int], AbstractContextManager[Any]]
W = TypeVar("W", bound=Work)

_works: dict[str, Work] = {}
_started: dict[str, Any] = {}
_exits = contextlib.ExitStack()


def head_start(fixture_name: str) -> Callable[[W], W]:
    """Register ``work`` (a context manager factory) for the fixture ``fixture_name``."""

    def register(work: W) -> W:
        _works[fixture_name] = work
        return work

    return register


def start(fixture_names: Iterable[str], niceness: int = NICENESS) -> None:
    """Start the registered work of these fixtures that has not started yet."""
    for name in fixture_names:
        if name in _works and name not in _started:
            _started[name] = _exits.enter_context(_works[name](niceness))


def started(fixture_name: str) -> Any:
    """What the work registered for ``fixture_name`` yielded; started now, at the tests'
    own priority, if it was not started ahead (a test is waiting for it)."""
    start([fixture_name], niceness=0)
    return _started[fixture_name]


def stop_all() -> None:
    """Exit every started work's context (latest first)."""
    try:
        _exits.close()
    finally:
        _started.clear()
