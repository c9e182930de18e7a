"""The action dialogs in the running explorer: a bad value is refused in the dialog with its
message, the dialog stays open, and the proxy's request log proves nothing mutating was sent.

The full table of bad values lives in test_bad_input.py (the same checks, called directly);
this drives a sample through the real dialogs end to end.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Label

from amitui.app import AmituiApp
from amitui.model import ImageKey
from amitui.sandbox.proxy import FaultProxy
from amitui.widgets.form_dialog import FormDialog
from amitui.widgets.owner_scope import OwnerScopeScreen

from .conftest import ReliabilityFleet
from .test_tui import explorer, idle, settle  # noqa: F401  (fixture and helpers)

REGION = "ap-southeast-2"
#: Typed into the filter bar: regex and markup syntax that must be taken literally.
FILTER_TEXT = "[bold]((*+?\\"

#: (action key, keys typed in the dialog, what its error line must say)
DIALOG_CASES = [
    ("d", ["ctrl+a", "ctrl+k", *"+0d", "enter"], "'+0d' is not in the future"),
    ("d", ["ctrl+a", "ctrl+k", *"2020-01-01", "enter"], "is in the past"),
    ("d", ["ctrl+a", "ctrl+k", *"yesterday", "enter"], "is neither a relative time"),
    ("s", [*"12345", "enter"], "'12345' has 5 digits; account ids have 12"),
    ("s", [*"arn:aws:iam::123456789012:root", "enter"], "is not an organization ARN"),
    ("s", ["enter"], "nothing to change"),
    ("c", ["ctrl+s"], "pick at least one"),
]


async def test_bad_values_are_refused_in_the_dialogs_and_nothing_is_sent(
    explorer: Callable[..., AmituiApp],  # noqa: F811
    fault_proxy: FaultProxy,
    reliability_fleet: ReliabilityFleet,
) -> None:
    # One explorer for every case (an explorer costs seconds to start); each case opens
    # its dialog afresh, types, checks the error line, and cancels.
    app = explorer(fault_proxy.url, regions=(REGION,))
    refused = []
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        assert app.table.move_cursor_to(ImageKey(REGION, reliability_fleet.images[REGION]))
        for key, typed, message in DIALOG_CASES:
            await pilot.press(key)
            for _ in range(200):
                await pilot.pause(0.05)
                if isinstance(app.screen, FormDialog):
                    break
            dialog = app.screen
            assert isinstance(dialog, FormDialog), f"{key}: the dialog opened"
            field = {"d": "#when", "s": "#add"}.get(key)
            if field:
                dialog.query_one(field).focus()
                await pilot.pause()
            await pilot.press(*typed)
            await pilot.pause(0.1)
            error = dialog.error
            assert app.screen is dialog, f"{key} {typed}: the dialog stays open"
            assert message in error, f"{key} {typed}: {error!r}"
            refused.append(message)
            await pilot.press("escape")
            await pilot.pause(0.1)
            await idle(pilot)
        # Owner scope: a short account id is refused and the scope stays as it was.
        await pilot.press("w")
        await pilot.pause(0.2)
        assert isinstance(app.screen, OwnerScopeScreen)
        app.screen.query_one("#owner-account").focus()
        await pilot.press(*"12345abc", "enter")
        await pilot.pause(0.1)
        error = str(app.screen.query_one("#owner-error", Label).render())
        assert "An account id has 12 digits." in error
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert app.scope.owners == ("self",)
        refused.append(error)
        # Filter: regex and markup characters are plain text; nothing breaks, Escape clears.
        await pilot.press("slash", *FILTER_TEXT, "enter")
        await pilot.pause(0.1)
        assert len(app.table.visible_rows) == 0
        await pilot.press("slash", "escape")
        await pilot.pause(0.1)
        assert reliability_fleet.images[REGION] in {
            r.image.image_id for r in app.table.visible_rows
        }
        refused.append(FILTER_TEXT)
    assert len(refused) == len(DIALOG_CASES) + 2
    mutating = [
        a for a in fault_proxy.actions() if a and not a.startswith(("Describe", "Get", "List"))
    ]
    assert mutating == [], f"sent for invalid input: {mutating}"
