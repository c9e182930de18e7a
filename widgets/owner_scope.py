"""Owner scope: whose images to list (self, shared with me, amazon, an account id), and
whether deprecated and disabled images are included."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, OptionList
from textual.widgets.option_list import Option

from amitui.model import Image
from amitui.widgets.lists import KeyedOptionList

ACCOUNT_ID = re.compile(r"^\d{12}$")
SHARED_WITH_ME = "shared"

#: (owner value, label) offered as presets.
PRESETS: tuple[tuple[str, str], ...] = (
    ("self", "My images (self)"),
    (SHARED_WITH_ME, "Shared with me"),
    ("amazon", "Amazon"),
    ("aws-marketplace", "AWS Marketplace"),
)


def owner_label(owner: str) -> str:
    for value, label in PRESETS:
        if value == owner:
            return label
    return f"account {owner}"


@dataclass(frozen=True, slots=True)
class OwnerScope:
    owners: tuple[str, ...] = ("self",)
    include_deprecated: bool = True
    include_disabled: bool = True

    @property
    def shows_everything(self) -> bool:
        return self.include_deprecated and self.include_disabled

    def shows(self, image: Image, now: datetime) -> bool:
        """Whether the view shows ``image`` (EC2 ignores IncludeDeprecated for an owner's own
        images, so the toggles are applied to what it answers as well)."""
        if not self.include_deprecated and image.is_deprecated(now):
            return False
        return self.include_disabled or image.state != "disabled"

    def describe(self) -> str:
        text = ", ".join(owner_label(o) for o in self.owners)
        hidden = [
            name
            for name, included in (
                ("deprecated", self.include_deprecated),
                ("disabled", self.include_disabled),
            )
            if not included
        ]
        return text + (f" (without {' and '.join(hidden)})" if hidden else "")


class OwnerScopeScreen(ModalScreen[OwnerScope | None]):
    DEFAULT_CSS = """
    OwnerScopeScreen { align: center middle; }
    OwnerScopeScreen > Vertical {
        width: 60; height: auto; border: thick $primary; background: $surface; padding: 1 2;
    }
    OwnerScopeScreen OptionList { height: auto; max-height: 8; margin-bottom: 1; }
    OwnerScopeScreen Input { margin-bottom: 1; }
    OwnerScopeScreen #owner-error { color: $error; height: auto; }
    OwnerScopeScreen Horizontal { height: auto; align-horizontal: right; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="scope.cancel", priority=True),
    ]

    def __init__(self, current: OwnerScope) -> None:
        super().__init__()
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Whose images"
            yield KeyedOptionList(
                *(Option(label, id=value) for value, label in PRESETS), id="owner-presets"
            )
            accounts = [o for o in self._current.owners if ACCOUNT_ID.match(o)]
            yield Label("…or an account id (12 digits), then Enter")
            yield Input(
                value=accounts[0] if accounts else "",
                placeholder="123456789012",
                max_length=12,
                restrict=r"\d*",
                id="owner-account",
            )
            yield Label("", id="owner-error")
            yield Checkbox(
                "Include deprecated images",
                self._current.include_deprecated,
                id="include-deprecated",
            )
            yield Checkbox(
                "Include disabled images", self._current.include_disabled, id="include-disabled"
            )
            with Horizontal():
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        presets = [value for value, _ in PRESETS]
        current = self._current.owners[0] if self._current.owners else "self"
        options = self.query_one(OptionList)
        if current in presets:
            options.highlighted = presets.index(current)
        options.focus()

    def _scope(self, owner: str) -> OwnerScope:
        return OwnerScope(
            owners=(owner,),
            include_deprecated=self.query_one("#include-deprecated", Checkbox).value,
            include_disabled=self.query_one("#include-disabled", Checkbox).value,
        )

    @on(OptionList.OptionSelected, "#owner-presets")
    def _preset(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._scope(event.option.id or "self"))

    @on(Input.Submitted, "#owner-account")
    def _account(self, event: Input.Submitted) -> None:
        if ACCOUNT_ID.match(event.value):
            self.dismiss(self._scope(event.value))
        else:
            self.query_one("#owner-error", Label).update("An account id has 12 digits.")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
