"""The action registry: one entry per action, from which the screen's bindings, the help,
the palette and read-only handling follow (no sandbox: pure data)."""

from __future__ import annotations

import inspect

from textual.binding import Binding

from amitui.flows import FLOW_MODULES, get_flow
from amitui.registry import ACTIONS, FLOWS, MUTATING, action
from amitui.screens.explorer import ExplorerScreen


def test_every_flow_has_one_entry_and_a_function_that_exists() -> None:
    """The entry's ``runs`` is where the flow lives: every one names a coroutine function."""
    assert set(FLOWS) == set(FLOW_MODULES)
    assert len(FLOWS) == len(set(FLOWS))
    assert {"flow"} == MUTATING
    assert all(action(name).flow == name for name in FLOWS)
    for name in FLOWS:
        assert inspect.iscoroutinefunction(get_flow(name)), name


def test_ids_are_unique() -> None:
    ids = [a.id for a in ACTIONS]
    assert len(ids) == len(set(ids))


def test_the_screen_binds_every_keyed_entry_as_registered() -> None:
    bindings = [b for b in ExplorerScreen.BINDINGS if isinstance(b, Binding)]
    keyed = [a for a in ACTIONS if a.key is not None]
    assert [(b.id, b.key, b.action, b.description, b.tooltip, b.show, b.priority)
            for b in bindings] == [
        (a.id, a.key, a.action, a.label, a.tooltip, a.show, a.priority) for a in keyed
    ]  # fmt: skip
    assert not [a for a in ACTIONS if a.key is None and not a.flow]  # palette-only: flows
