"""Go to: the dialog that asks what to find (ctrl+g), and the view of an image the lookup
found but the table cannot show (not listable, or not among the loaded images).

The dialog dismisses with the target text; the screen posts
:class:`~amitui.widgets.messages.GotoRequested` with it (as the ``:goto`` command line does).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from amitui.text import inert
from amitui.usage import Resolution

from .form_dialog import FormDialog, field_label

GOTO_HELP = (
    "An instance (i-…), launch template (lt-… or its name), Auto Scaling group, snapshot "
    "(snap-…), image (ami-…) or SSM parameter name; every loaded account and region is searched"
)


def check_target(text: str) -> str:
    target = text.strip()
    if not target:
        raise ValueError("Type an id or a name to go to")
    return target


class GotoDialog(FormDialog[str, str]):
    """Ask for the id or name to go to."""

    submit_label = "Go"

    def __init__(self) -> None:
        super().__init__("Go to an instance, template, group, snapshot or image", check_target)

    def compose_fields(self) -> ComposeResult:
        yield field_label(GOTO_HELP)
        yield Input(placeholder="i-0abc…, web-prod, snap-…", id="goto-target")

    def on_mount(self) -> None:
        self.query_one("#dialog-help", Static).update(
            Text("Enter: go · Escape: cancel", style="dim")
        )
        self.query_one("#goto-target", Input).focus()

    def form(self) -> str:
        return self.query_one("#goto-target", Input).value


class UnlistedImageScreen(ModalScreen[None]):
    """An image the lookup reached that is not in the table, as one row marked why."""

    DEFAULT_CSS = """
    UnlistedImageScreen { align: center middle; }
    UnlistedImageScreen > #unlisted-box {
        width: 90%; max-width: 130; height: auto; max-height: 80%;
        border: thick $warning; background: $surface; padding: 0 1;
    }
    UnlistedImageScreen #unlisted-title { text-style: bold; }
    UnlistedImageScreen #unlisted-help { color: $text-muted; margin-top: 1; }
    """

    BINDINGS = [Binding("escape,enter,q", "close", "Close", id="unlisted.close", tooltip="Close")]

    def __init__(self, resolution: Resolution) -> None:
        super().__init__()
        self.resolution = resolution

    @property
    def row_text(self) -> str:
        """The image's row: id, name, owner, created, state, and why it is not listed."""
        facts = self.resolution.unlisted
        assert facts is not None
        created = facts.creation_date.date().isoformat() if facts.creation_date else "—"
        cells = [
            facts.image_id,
            facts.region,
            facts.name or "(name unknown)",
            f"owner {facts.owner_id or 'unknown'}",
            f"created {created}",
            facts.state or "state unknown",
        ]
        return "  ".join(cells) + f"  [{facts.reason}]"

    def compose(self) -> ComposeResult:
        with Vertical(id="unlisted-box"):
            yield Label(Text(f"Go to {inert(self.resolution.target)}"), id="unlisted-title")
            yield Static(Text(inert(self.resolution.path)), id="unlisted-path")
            yield Static(Text(inert(self.row_text), style="yellow"), id="unlisted-row")
            yield Static(Text("Escape or Enter: close"), id="unlisted-help")

    def action_close(self) -> None:
        self.dismiss(None)
