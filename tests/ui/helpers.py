"""Small helpers shared by the explorer's tests."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from typing import Any

import pytest
from rich.console import Console
from textual.content import Content
from textual.message import Message
from textual.notifications import Notification, Notify
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import WorkerState

from amitui.app import AmituiApp
from amitui.model import ImageKey


async def wait_loaded(pilot: Pilot[int], limit: float = 15.0) -> AmituiApp:
    """Wait until the session is open, every region has answered and workers are idle."""
    app = pilot.app
    assert isinstance(app, AmituiApp)
    waited = 0.0
    while not (app.connected and not app.region_pane.busy):
        await pilot.pause(0.05)
        waited += 0.05
        assert waited < limit, "the explorer did not finish loading"
    await settle(pilot)
    return app


def _busy(app: object) -> bool:
    if isinstance(app, AmituiApp) and app.main.inspection_pending:
        return True  # the inspector waits for the cursor to rest (INSPECT_DELAY)
    workers = app.workers  # type: ignore[attr-defined]
    return any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in workers)


async def settle(pilot: Pilot[int], limit: float = 15.0) -> None:
    """Wait until the inspector shows the cursor's image and no worker is pending or running
    (cancelled ones included)."""
    waited = 0.0
    while _busy(pilot.app):
        await pilot.pause(0.02)
        waited += 0.02
        assert waited < limit, "workers did not settle"
    await pilot.pause()


async def wait_for(pilot: Pilot[Any], ready: Callable[[], object], seconds: float = 60) -> None:
    """Wait until ``ready()`` holds; after ``seconds``, fail naming the screen it was stuck on.
    For anything whose handling hops through several widgets' queues (keys queued at once go
    bar, table, each ancestor they bubble through, the App): a fixed pause is a guess at how
    loaded the machine is."""
    try:
        async with asyncio.timeout(seconds):
            while not ready():
                await pilot.pause(0.02)
    except TimeoutError:
        screen = pilot.app.screen
        shown = {
            name: getattr(screen, name)
            for name in ("finished", "results", "plan")
            if hasattr(screen, name)
        }
        raise AssertionError(
            f"not ready after {seconds} s; the screen: {screen!r} {shown}"
        ) from None
    await pilot.pause()


async def drain(pilot: Pilot[Any], rounds: int = 25) -> None:
    """Let queued messages and every message their handling posts be handled: each pause
    waits until all widgets have handled what was queued when it began, so a chain of hops
    (a key forwarded, then bubbling to the App) advances at least one hop per round. For
    asserting that something did *not* happen, where :func:`wait_for` has nothing to wait for."""
    for _ in range(rounds):
        await pilot.pause()


def notified(messages: list[Message]) -> list[Notification]:
    """The notifications among the messages recorded with ``run_test(message_hook=…)``."""
    return [m.notification for m in messages if isinstance(m, Notify)]


def table_lines(app: AmituiApp) -> list[str]:
    """The image table as text, header first (what the user sees)."""
    table = app.table
    return [table.render_line(y).text for y in range(min(table.row_count + 2, 40))]


async def cursor_to(pilot: Pilot[int], key: ImageKey) -> None:
    app = pilot.app
    assert isinstance(app, AmituiApp)
    assert app.table.move_cursor_to(key), f"{key} is not in the table"
    await pilot.pause()
    await settle(pilot)


def static_text(app: AmituiApp, selector: str, width: int = 140) -> str:
    """The plain text a Static shows (Rich renderables included)."""
    content = app.query_one(selector, Static).content
    if isinstance(content, str):
        return content
    if isinstance(content, Content):
        return content.plain
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(content)
    return console.export_text()


def record_layouts(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """From now on, every layout of a screen (``Screen._refresh_layout``) is appended to the
    returned list: a redraw that should only repaint must leave it empty."""
    layouts: list[object] = []
    refresh_layout = Screen._refresh_layout

    def counted(screen: Screen[Any], *args: Any, **kwargs: Any) -> None:
        layouts.append(screen)
        refresh_layout(screen, *args, **kwargs)

    monkeypatch.setattr(Screen, "_refresh_layout", counted)
    return layouts
