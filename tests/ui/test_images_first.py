"""A region's images are shown before its snapshots are listed (``images_first``).

An account with thousands of snapshots and a few images should not wait for the snapshots to
see its images. Until they arrive the region keeps a spinner beside its count, the snapshot
tree says they are being listed, and a cleanup (which frees snapshots) is refused with why.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.message import Message
from textual.widgets import Tree

from amitui.model import ImageKey
from amitui.sandbox.proxy import FaultProxy, Hold
from amitui.widgets.region_pane import describe_state
from amitui.widgets.snapshot_tree import SnapshotTree

from . import fleet as F
from .conftest import AppFactory
from .helpers import notified, wait_loaded

SIZE = (160, 45)


@pytest.fixture
def held_snapshots(proxy: FaultProxy) -> Iterator[Hold]:
    """ap-southeast-2's DescribeSnapshots answered only once the test releases it."""
    hold = Hold()
    proxy.add_fault(hold, region=F.OTHER_REGION, action="DescribeSnapshots", count=1)
    yield hold
    hold.release()
    proxy.clear_faults()


def _labels(tree: Tree[ImageKey | None]) -> list[str]:
    labels, nodes = [], [tree.root]
    while nodes:
        node = nodes.pop()
        labels.append(str(node.label))
        nodes.extend(node.children)
    return labels


async def test_images_show_while_snapshots_are_listed(
    make: AppFactory, fleet: F.Fleet, proxy: FaultProxy, held_snapshots: Hold
) -> None:
    app = make(proxy.url)
    ci = ImageKey(F.OTHER_REGION, fleet.image(F.OTHER_REGION, "ci-runner-2026.07.01"))
    messages: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        waited = 0.0
        while not any(row.key == ci for row in app.table.visible_rows):
            await pilot.pause(0.05)
            waited += 0.05
            assert waited < 15, "the images waited for the snapshots"
        state = app.region_pane.state(F.OTHER_REGION)
        assert state is not None and state.snapshots_pending and state.count == 1
        assert app.region_pane.busy  # still loading: the spinner turns
        assert "listing its snapshots" in str(describe_state(state, frozenset(), 3))

        # Not cursor_to: it waits for workers to settle, and the loading one waits for the hold.
        assert app.table.move_cursor_to(ci)
        await pilot.press("t")  # the snapshot tree, drawn at once
        assert any("still being listed" in label for label in _labels(app.query_one(SnapshotTree)))

        await pilot.press("x")  # the flow runs in a worker: wait for its answer
        waited = 0.0
        while not any(
            "Still listing the snapshots of ap-southeast-2" in n.message for n in notified(messages)
        ):
            await pilot.pause(0.05)
            waited += 0.05
            assert waited < 10, "x did not say why it cannot plan yet"
        assert app.screen is app.screen_stack[0]  # no plan was offered

        held_snapshots.release()
        await wait_loaded(pilot)  # the snapshots arrive: the same region, complete
        state = app.region_pane.state(F.OTHER_REGION)
        assert state is not None and not state.snapshots_pending and state.count == 1
        labels = _labels(app.query_one(SnapshotTree))
        assert not any("still being listed" in label for label in labels)
        assert any("12 GiB" in label for label in labels)
