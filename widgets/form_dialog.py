"""The shared shape of the action dialogs: a form, a check, an error line, submit or cancel.

A dialog subclass composes its fields inside :meth:`FormDialog.compose_fields` and builds its
form value in :meth:`FormDialog.form`. The flow passes ``check(form) -> T``, which validates
and converts the form (the engine's pure validators live outside the widget layer); a
``ValueError`` from it is shown in the dialog's error line, the dialog stays open and nothing
is sent. Submitting (Enter in a text field, ctrl+s, or the button) dismisses with ``T`` when
the check passes; Escape dismisses with ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from amitui.text import inert

FormT = TypeVar("FormT")
ResultT = TypeVar("ResultT")


class FormDialog(ModalScreen[ResultT | None], Generic[FormT, ResultT]):
    DEFAULT_CSS = """
    FormDialog { align: center middle; }
    FormDialog > #dialog-box {
        width: 90%; max-width: 120; height: auto; max-height: 95%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    FormDialog #dialog-title { text-style: bold; }
    FormDialog #dialog-fields { height: auto; max-height: 75vh; }
    FormDialog .field-label { margin-top: 1; color: $text-muted; }
    FormDialog #dialog-error { color: $error; height: auto; }
    FormDialog #dialog-buttons { height: auto; align-horizontal: right; }
    FormDialog #dialog-help { color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Close, change nothing"),
        Binding("ctrl+s", "submit", "Plan", id="dialog.submit", tooltip="Check and show the plan"),
    ]

    submit_label = "Plan…"

    def __init__(self, title: str, check: Callable[[FormT], ResultT]) -> None:
        super().__init__()
        self.dialog_title = title
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog-box"):
            yield Label(Text(inert(self.dialog_title)), id="dialog-title")
            # Not focusable itself: focus starts on the first field, so keys reach it.
            with VerticalScroll(id="dialog-fields", can_focus=False):
                yield from self.compose_fields()
            yield Static("", id="dialog-error")
            with Horizontal(id="dialog-buttons"):
                yield Button(self.submit_label, variant="primary", id="dialog-submit")
                yield Button("Cancel", id="dialog-cancel")
            yield Static(
                Text("Enter in a text field or ctrl+s: check and plan · Escape: cancel"),
                id="dialog-help",
            )

    def compose_fields(self) -> ComposeResult:
        raise NotImplementedError
        yield  # pragma: no cover

    def form(self) -> FormT:
        raise NotImplementedError

    @property
    def error(self) -> str:
        return str(self.query_one("#dialog-error", Static).render())

    def show_error(self, message: str) -> None:
        self.query_one("#dialog-error", Static).update(Text(inert(message)))

    def action_submit(self) -> None:
        try:
            result = self.check(self.form())
        except ValueError as exc:
            self.show_error(str(exc))
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#dialog-submit")
    def _submit_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#dialog-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()


def field_label(text: str) -> Label:
    return Label(Text(text), classes="field-label")
