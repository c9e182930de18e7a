"""The deprecate dialog: when (absolute or relative like ``+30d``) or cancel, for the images
or all copies in their families. Returns whatever the flow's ``check`` makes of the form.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Checkbox, Input, Static

from amitui.model import Image
from amitui.text import counted, inert
from amitui.widgets.form_dialog import FormDialog, field_label

ResultT = TypeVar("ResultT")


@dataclass(frozen=True, slots=True)
class DeprecateForm:
    when: str
    cancel: bool
    family: bool


class DeprecateDialog(FormDialog[DeprecateForm, ResultT]):
    def __init__(
        self,
        images: Sequence[Image],
        check: Callable[[DeprecateForm], ResultT],
        *,
        now: datetime,
        family_size: int,
    ) -> None:
        super().__init__(f"Deprecate {counted(len(images), 'image')}", check)
        self.images = list(images)
        self.now = now
        self.family_size = family_size

    def compose_fields(self) -> ComposeResult:
        listing = Text()
        for image in self.images[:8]:
            listing.append(f"{image.region}  {image.image_id}  ", style="bold")
            listing.append(inert(image.name))
            if image.deprecation_time is None:
                listing.append("  not deprecated", style="dim")
            elif image.deprecation_time <= self.now:
                listing.append(
                    f"  deprecated since {image.deprecation_time:%Y-%m-%d %H:%M} UTC",
                    style="red",
                )
            else:
                listing.append(
                    f"  deprecates {image.deprecation_time:%Y-%m-%d %H:%M} UTC", style="yellow"
                )
            listing.append("\n")
        if len(self.images) > 8:
            listing.append(f"… and {len(self.images) - 8} more\n")
        yield Static(listing, id="sources")
        yield field_label(
            f"Deprecate at: +30d, +12h, +2w, 2027-01-31 or 2027-01-31 09:00 (UTC; now "
            f"{self.now:%Y-%m-%d %H:%M})"
        )
        yield Input("+30d", placeholder="+30d", id="when")
        yield Checkbox("Cancel the deprecation instead", False, id="cancel")
        yield Checkbox(f"All copies in the family ({self.family_size} images)", False, id="family")

    def on_mount(self) -> None:
        self.query_one("#when", Input).focus()

    def form(self) -> DeprecateForm:
        return DeprecateForm(
            when=self.query_one("#when", Input).value,
            cancel=self.query_one("#cancel", Checkbox).value,
            family=self.query_one("#family", Checkbox).value,
        )
