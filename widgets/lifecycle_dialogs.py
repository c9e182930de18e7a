"""The dialogs of the lifecycle actions: disable/enable, protect, tags, staged retirement.

Each is a :class:`~amitui.widgets.form_dialog.FormDialog`: the flow's ``check`` validates
the form (an error is shown, nothing is sent). Dialogs made only of check boxes start with
the focus on their "Plan…" button, so a stray space or Enter never ticks an override.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Button, Checkbox, Input, Static

from amitui.model import Image
from amitui.text import counted, inert
from amitui.widgets.form_dialog import FormDialog, field_label

ResultT = TypeVar("ResultT")

#: How many chosen images a dialog lists before "… and N more".
LISTED = 8


def image_listing(images: Sequence[Image], extra: Callable[[Image], Text] | None = None) -> Text:
    listing = Text()
    for image in images[:LISTED]:
        listing.append(f"{image.region}  {image.image_id}  ", style="bold")
        listing.append(inert(image.name))
        if extra is not None:
            listing.append("  ")
            listing.append(extra(image))
        listing.append("\n")
    if len(images) > LISTED:
        listing.append(f"… and {len(images) - LISTED} more\n")
    return listing


class _ButtonFirst:
    """Focus the submit button on mount (see the module docstring)."""

    def on_mount(self) -> None:
        self.query_one("#dialog-submit", Button).focus()  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class DisableForm:
    enable: bool
    override_in_use: bool


class DisableDialog(_ButtonFirst, FormDialog[DisableForm, ResultT]):
    def __init__(self, images: Sequence[Image], check: Callable[[DisableForm], ResultT]) -> None:
        super().__init__(f"Disable or enable {counted(len(images), 'image')}", check)
        self.images = list(images)

    def compose_fields(self) -> ComposeResult:
        yield Static(image_listing(self.images, lambda i: Text(i.state, style="dim")))
        yield Static(
            Text(
                "Disabling removes every launch permission (the plan lists them) and stops "
                "launches; enabling restores none of them.",
                style="yellow",
            )
        )
        all_disabled = all(i.state == "disabled" for i in self.images)
        yield Checkbox("Enable instead (make disabled images available)", all_disabled, id="enable")
        yield Checkbox("Disable images in use too (override the in-use rule)", False, id="override")

    def form(self) -> DisableForm:
        return DisableForm(
            enable=self.query_one("#enable", Checkbox).value,
            override_in_use=self.query_one("#override", Checkbox).value,
        )


@dataclass(frozen=True, slots=True)
class ProtectForm:
    with_cooldown: bool


class ProtectDialog(_ButtonFirst, FormDialog[ProtectForm, ResultT]):
    def __init__(self, images: Sequence[Image], check: Callable[[ProtectForm], ResultT]) -> None:
        super().__init__(f"Protect {counted(len(images), 'image')} from deregistration", check)
        self.images = list(images)

    def compose_fields(self) -> ComposeResult:
        yield Static(
            image_listing(
                self.images,
                lambda i: Text(i.deregistration_protection or "disabled", style="dim"),
            )
        )
        yield Checkbox(
            "With a 24-hour cooldown (protection holds 24 hours after it is lifted)",
            False,
            id="cooldown",
        )
        yield Static(Text("To lift protection, use P (typed confirmation).", style="dim"))

    def form(self) -> ProtectForm:
        return ProtectForm(with_cooldown=self.query_one("#cooldown", Checkbox).value)


@dataclass(frozen=True, slots=True)
class TagsForm:
    set_text: str
    remove_text: str
    snapshots: bool


class TagsDialog(FormDialog[TagsForm, ResultT]):
    def __init__(self, images: Sequence[Image], check: Callable[[TagsForm], ResultT]) -> None:
        super().__init__(f"Tags on {counted(len(images), 'image')}", check)
        self.images = list(images)

    def compose_fields(self) -> ComposeResult:
        yield Static(image_listing(self.images))
        yield field_label("Set (add or change): Key=Value, comma-separated")
        yield Input(placeholder="review=2026-Q4, owner=platform", id="set")
        yield field_label("Remove keys: comma-separated")
        yield Input(placeholder="stale, temp", id="remove")
        yield Checkbox("Their snapshots too", False, id="snapshots")

    def on_mount(self) -> None:
        self.query_one("#set", Input).focus()

    def form(self) -> TagsForm:
        return TagsForm(
            set_text=self.query_one("#set", Input).value,
            remove_text=self.query_one("#remove", Input).value,
            snapshots=self.query_one("#snapshots", Checkbox).value,
        )


@dataclass(frozen=True, slots=True)
class RetireForm:
    deprecate_at: str
    disable_after: str
    deregister_after: str
    family: bool


class RetireDialog(FormDialog[RetireForm, ResultT]):
    def __init__(
        self,
        images: Sequence[Image],
        check: Callable[[RetireForm], ResultT],
        *,
        now: datetime,
        family_size: int,
    ) -> None:
        super().__init__(f"Retire {counted(len(images), 'image')} in stages", check)
        self.images = list(images)
        self.now = now
        self.family_size = family_size

    def compose_fields(self) -> ComposeResult:
        yield Static(image_listing(self.images))
        yield field_label(
            f"1. Deprecate at: now, +7d, 2027-01-31 or 2027-01-31 09:00 (UTC; now "
            f"{self.now:%Y-%m-%d %H:%M})"
        )
        yield Input("now", id="deprecate-at")
        yield field_label("2. Disable after N days (counted from the deprecation; blank: never)")
        yield Input("14", id="disable-after")
        yield field_label(
            "3. Deregister with cleanup after M days (from the deprecation; blank: never)"
        )
        yield Input("30", id="deregister-after")
        yield Checkbox(f"All copies in the family ({self.family_size} images)", False, id="family")
        yield Static(
            Text(
                "The deprecation runs now. Later stages are kept as a schedule: when due, "
                "amitui says so at start-up and in the Retirement view (ctrl+r), where each is "
                "planned afresh and confirmed. Nothing runs unattended.",
                style="dim",
            )
        )

    def on_mount(self) -> None:
        self.query_one("#deprecate-at", Input).focus()

    def form(self) -> RetireForm:
        return RetireForm(
            deprecate_at=self.query_one("#deprecate-at", Input).value,
            disable_after=self.query_one("#disable-after", Input).value,
            deregister_after=self.query_one("#deregister-after", Input).value,
            family=self.query_one("#family", Checkbox).value,
        )
