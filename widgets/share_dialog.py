"""The share dialog: the images' current launch permissions (untick to remove), grantees to
add (picked from the loaded accounts, the organization and its OUs by name, or typed as
account ids, organization ARNs, OU ARNs), public / private, and whether to share the
backing snapshots too. Returns whatever the flow's ``check`` makes of the form.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Checkbox, Input, RadioButton, RadioSet, SelectionList, Static
from textual.widgets.selection_list import Selection

from amitui.model import Image
from amitui.text import counted, inert
from amitui.widgets.form_dialog import FormDialog, field_label

ResultT = TypeVar("ResultT")

KEEP = "keep"
MAKE_PUBLIC = "public"
MAKE_PRIVATE = "private"


@dataclass(frozen=True, slots=True)
class CurrentGrant:
    """A grant some of the images have (``value`` is handed back if the user unticks it),
    or one they may be given (handed back in :attr:`ShareForm.picked` if ticked)."""

    value: str
    label: str


@dataclass(frozen=True, slots=True)
class ShareForm:
    add: str  # grantees separated by commas, spaces or newlines
    remove: tuple[str, ...]  # values of the unticked current grants
    public: str  # KEEP | MAKE_PUBLIC | MAKE_PRIVATE
    share_snapshots: bool
    picked: tuple[str, ...] = ()  # values of the ticked grantees to add


class ShareDialog(FormDialog[ShareForm, ResultT]):
    DEFAULT_CSS = """
    ShareDialog #current { height: auto; max-height: 10; }
    ShareDialog #pick { height: auto; max-height: 10; }
    ShareDialog RadioSet { width: 1fr; }
    """

    def __init__(
        self,
        images: Sequence[Image],
        current: Sequence[CurrentGrant],
        check: Callable[[ShareForm], ResultT],
        *,
        notes: Sequence[str] = (),
        choices: Sequence[CurrentGrant] = (),
    ) -> None:
        super().__init__(f"Share {counted(len(images), 'image')}", check)
        self.images = list(images)
        self.current = list(current)
        self.notes = list(notes)
        self.choices = list(choices)

    def compose_fields(self) -> ComposeResult:
        listing = Text()
        for image in self.images[:5]:
            listing.append(f"{image.region}  {image.image_id}  ", style="bold")
            listing.append(inert(image.name))
            if image.public:
                listing.append("  public", style="red")
            if image.encrypted:
                listing.append("  encrypted", style="yellow")
            listing.append("\n")
        if len(self.images) > 5:
            listing.append(f"… and {len(self.images) - 5} more\n")
        yield Static(listing, id="sources")
        for note in self.notes:
            yield Static(Text("⚠ " + inert(note)), classes="note")
        yield field_label("Current launch permissions (untick to remove)")
        if self.current:
            # Text, not str: a str prompt would be parsed as markup.
            options = [Selection(Text(inert(g.label)), g.value, True) for g in self.current]
            yield SelectionList[str](*options, id="current")
        else:
            yield Static(Text("Private: no account, organization or OU can launch it"))
        if self.choices:
            yield field_label("Add: pick loaded accounts, the organization or its OUs")
            options = [Selection(Text(inert(g.label)), g.value, False) for g in self.choices]
            yield SelectionList[str](*options, id="pick")
        yield field_label(
            "Add: account ids, organization ARNs or OU ARNs (separated by commas or spaces)"
        )
        yield Input(
            placeholder="123456789012, arn:aws:organizations::123456789012:organization/o-…",
            id="add",
        )
        yield field_label("Public")
        with RadioSet(id="public"):
            yield RadioButton("Leave as is", True, id="public-keep")
            yield RadioButton("Make public (everyone can launch)", id="public-make")
            yield RadioButton("Make private (remove public)", id="public-remove")
        yield Checkbox(
            "Also share the backing snapshots (create-volume permission, accounts only)",
            False,
            id="share-snapshots",
        )

    def form(self) -> ShareForm:
        removed: tuple[str, ...] = ()
        if self.current:
            kept = set(self.query_one("#current", SelectionList).selected)
            removed = tuple(g.value for g in self.current if g.value not in kept)
        pressed = self.query_one("#public", RadioSet).pressed_button
        public = {"public-make": MAKE_PUBLIC, "public-remove": MAKE_PRIVATE}.get(
            pressed.id if pressed is not None and pressed.id else "", KEEP
        )
        picked: tuple[str, ...] = ()
        if self.choices:
            ticked = set(self.query_one("#pick", SelectionList).selected)
            picked = tuple(g.value for g in self.choices if g.value in ticked)
        return ShareForm(
            add=self.query_one("#add", Input).value,
            remove=removed,
            public=public,
            share_snapshots=self.query_one("#share-snapshots", Checkbox).value,
            picked=picked,
        )
