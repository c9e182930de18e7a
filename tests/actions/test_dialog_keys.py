"""The action dialogs work from the keyboard alone: focus starts on the first field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from textual.app import App
from textual.screen import Screen
from textual.widgets import SelectionList

from amitui.model import Image
from amitui.widgets.copy_dialog import CopyDialog
from amitui.widgets.deprecate_dialog import DeprecateDialog
from amitui.widgets.share_dialog import ShareDialog

IMAGE = Image.from_aws("ap-southeast-2", {"ImageId": "ami-0123456789abcdef0", "Name": "web-1"})


class DialogHost(App[None]):
    def __init__(self, dialog: Screen[Any]) -> None:
        super().__init__()
        self.dialog = dialog

    def on_mount(self) -> None:
        self.push_screen(self.dialog)


async def test_copy_regions_are_picked_with_space_and_arrows() -> None:
    regions = ["ap-northeast-1", "ap-southeast-2", "eu-west-1"]
    app = DialogHost(CopyDialog([IMAGE], regions, lambda form: form))
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        picker = app.screen.query_one("#regions", SelectionList)
        assert app.focused is picker
        await pilot.press("space", "down", "down", "space")
        assert picker.selected == ["ap-northeast-1", "eu-west-1"]


async def test_share_and_deprecate_dialogs_start_on_a_field() -> None:
    for dialog in (
        ShareDialog([IMAGE], [], lambda form: form),
        DeprecateDialog(
            [IMAGE], lambda form: form, now=datetime(2026, 11, 20, tzinfo=UTC), family_size=1
        ),
    ):
        app = DialogHost(dialog)
        async with app.run_test(size=(160, 45)) as pilot:
            await pilot.pause()
            focused = app.focused
            assert focused is not None and focused.id != "dialog-fields"
            await pilot.press("tab")
            assert app.focused is not focused  # and Tab moves on through the fields
