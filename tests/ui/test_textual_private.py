"""The fence around private Textual and Rich names (amitui/widgets/_textual_private.py):
each test fails loudly when an upgrade renames, reshapes or changes one of them."""

from __future__ import annotations

import importlib
import inspect

import pytest
from textual.app import App, ComposeResult
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.widgets import Input

from amitui.widgets._textual_private import (
    OVERRIDDEN_HOOKS,
    ratio_distribute,
    set_virtual_size_without_layout,
)

from .helpers import record_layouts


@pytest.mark.parametrize(("where", "name"), OVERRIDDEN_HOOKS)
def test_every_overridden_private_hook_still_exists(where: str, name: str) -> None:
    module, _, cls_name = where.rpartition(".")
    cls = getattr(importlib.import_module(module), cls_name)
    hook = getattr(cls, name, None)
    assert callable(hook), f"{where}.{name} is gone: amitui's override of it is dead code"
    parameters = list(inspect.signature(hook).parameters)
    expected = {"_watch_value": ["self", "value"]}.get(name, ["self", "event"])
    assert parameters == expected, f"{where}.{name} now takes {parameters}"
    if name == "_on_key":
        assert inspect.iscoroutinefunction(hook), f"{where}._on_key is no longer async"


def test_widget_scroll_update_is_still_there() -> None:
    from textual.widget import Widget

    update = getattr(Widget, "_scroll_update", None)
    assert callable(update), "Widget._scroll_update is gone: set_virtual_size_without_layout"
    assert list(inspect.signature(update).parameters) == ["self", "virtual_size"]


def test_rich_ratio_distribute_splits_as_the_details_pane_assumes() -> None:
    assert ratio_distribute(10, [1, 1], [3, 1]) == [5, 5]
    assert ratio_distribute(7, [1, 1]) == [4, 3]
    assert ratio_distribute(5, [1, 1], [3, 3]) == [3, 3]  # minimums win over the width


class _Watched(Input):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def _watch_value(self, value: str) -> None:
        self.seen.append(value)
        super()._watch_value(value)


class _Views(App[None]):
    def compose(self) -> ComposeResult:
        yield ScrollView()
        yield _Watched()


async def test_input_calls_its_private_value_watcher_on_every_change() -> None:
    app = _Views()
    async with app.run_test() as pilot:
        field = app.query_one(_Watched)
        field.focus()
        await pilot.press("a", "b")
        assert field.seen == ["a", "ab"]


async def test_scroll_update_sets_the_scrollable_size_without_a_layout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = _Views()
    async with app.run_test(size=(40, 12)) as pilot:
        view = app.query_one(ScrollView)
        set_virtual_size_without_layout(view, Size(200, 500))  # the scroll bars appear…
        await pilot.pause()
        assert view.virtual_size == Size(200, 500)
        assert view.max_scroll_y > 0 and view.max_scroll_x > 0  # the scroll range follows
        layouts = record_layouts(monkeypatch)
        set_virtual_size_without_layout(view, Size(300, 900))  # …and now stay
        await pilot.pause()
        assert view.virtual_size == Size(300, 900)
        assert view.max_scroll_y == 900 - view.scrollable_content_region.height
        assert layouts == [], "setting the size laid out the screen"


def test_the_apps_key_handling_is_what_hand_key_to_focus_replays() -> None:
    from textual.widget import Widget

    check = getattr(App, "_check_bindings", None)
    assert check is not None and inspect.iscoroutinefunction(check)
    assert list(inspect.signature(check).parameters) == ["self", "key", "priority"]
    forward = getattr(Widget, "_forward_event", None)
    assert callable(forward), "Widget._forward_event is gone: hand_key_to_focus"
    assert list(inspect.signature(forward).parameters) == ["self", "event"]
    # What hand_key_to_focus stands in for: the App checks the priority bindings, then
    # forwards the key to the focus.
    source = inspect.getsource(App.on_event)
    assert "_check_bindings(event.key, priority=True)" in source
    assert "forward_target._forward_event(event)" in source


def test_footer_keys_are_what_the_explorers_footer_updates_in_place() -> None:
    """widgets/footer.py sets a FooterKey's key, key_display, description and action, and
    reads its -disabled and -command-palette classes; Footer.bindings_changed is the hook."""
    from textual.widgets import Footer

    from amitui.widgets._textual_private import FooterKey

    key = FooterKey("space", "space", "Mark", "toggle_mark", disabled=True)
    assert (key.key, key.key_display, key.description, key.action) == (
        "space", "space", "Mark", "toggle_mark"
    )  # fmt: skip
    assert key.has_class("-disabled")
    assert list(inspect.signature(Footer.bindings_changed).parameters) == ["self", "screen"]
    assert "-command-palette" in inspect.getsource(Footer.compose)
