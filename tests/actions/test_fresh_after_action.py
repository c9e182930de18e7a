"""After an action, the rows and details it touched show the new state, with no ``r``."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.widgets import Input

from amitui.app import AmituiApp
from amitui.columns import COLUMN_INDEX
from amitui.model import ImageKey
from amitui.sandbox.proxy import FaultProxy
from amitui.widgets.details import ImageDetails
from amitui.widgets.plan_screen import PlanScreen
from amitui.widgets.share_dialog import ShareDialog

from ..sandbox_api import make_snapshot, register_image
from .test_flows_app import SOURCE, explorer, fast_polls, finish_progress, on_image, until

__all__ = ["explorer", "fast_polls"]  # fixtures


def access_cell(app: AmituiApp, key: ImageKey) -> str:
    (row,) = [r for r in app.table.visible_rows if r.key == key]
    return row.cells[COLUMN_INDEX["access"]]


async def test_a_share_shows_in_the_row_and_details_at_once(
    explorer: Callable[..., AmituiApp], fault_proxy: FaultProxy, ec2_in: Callable[[str], Any]
) -> None:
    ec2 = ec2_in(SOURCE)
    image_id = register_image(ec2, f"fresh-share-{time.time_ns()}", make_snapshot(ec2, 1))
    key = ImageKey(SOURCE, image_id)
    app = explorer()
    async with app.run_test(size=(160, 50)) as pilot:
        await on_image(pilot, key)
        await until(pilot, lambda: "only the owner" in app.query_one(ImageDetails).text(140))
        assert access_cell(app, key) == "private"
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, ShareDialog))
        app.screen.query_one("#add", Input).value = "210987654321"
        app.screen.query_one("#add", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen))
        await pilot.press("y")
        await finish_progress(pilot, app)
        await until(pilot, lambda: "210987654321" in app.query_one(ImageDetails).text(140))
        assert "only the owner" not in app.query_one(ImageDetails).text(140)
        assert access_cell(app, key) == "shared"
        # and it stays so when the table is rebuilt (another region answering, a sort)
        app.main.action_sort_by("name")
        app.main._refresh_table()
        assert access_cell(app, key) == "shared"
