"""Plan review: what an action will do, what it leaves out and why, and the confirmation.

Contract (shared by every action flow)::

    confirmed: bool = await app.push_screen_wait(PlanScreen(plan))
    # or app.push_screen(PlanScreen(plan), callback)

- Shows ``plan.title``, every runnable step (region, operation, target, reason), every
  excluded target with its reason, and ``plan.notes`` as warnings. All remote text is shown
  as Rich ``Text`` (never markup) made inert.
- Destructive plans (``plan.destructive``): the user types ``plan.confirm_text`` and presses
  Enter; anything else shows "type … to confirm" and keeps the dialog open.
- Accounts (``accounts``: account id -> label, ``default_account``: whose steps say ""):
  a plan whose steps run in more than one account lists its steps under one heading per
  account. A destructive plan spanning accounts says so at the top, lists them, and is
  confirmed by typing the number of accounts instead; each ``protected`` account it changes
  (ids) also needs its label (alias) typed after it, as aws-nuke does: ``2 prod``. Non-destructive
  plans: ``y`` or Enter confirms. Escape (and ``n`` for non-destructive) cancels.
- A plan with no runnable step cannot be confirmed: it is shown with its exclusions, and
  Enter/Escape close it returning ``False``.
- Dismisses with ``True`` (run it) or ``False`` (cancelled).
- ctrl+d toggles :attr:`PlanScreen.dry_run_first`: the flow then asks ``execute`` for an EC2
  DryRun of every call first (nothing runs unless every call would be allowed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from amitui.model import Plan, Step
from amitui.text import inert

#: A plan screen lists at most this many steps per section, then says how many more.
MAX_LISTED = 200


def step_line(step: Step) -> Text:
    """``region  Operation  target  — reason`` as inert Rich text."""
    line = Text()
    line.append(f"{inert(step.region):<15} ", style="bold")
    line.append(f"{inert(step.operation):<28} ", style="cyan")
    line.append(inert(step.target))
    if step.reason:
        line.append(f"  — {inert(step.reason)}", style="dim")
    return line


def summary(plan: Plan) -> Text:
    counts = Counter(s.operation for s in plan.runnable)
    text = Text()
    if counts:
        text.append(", ".join(f"{n} x {op}" for op, n in sorted(counts.items())))
    else:
        text.append("Nothing to do", style="bold yellow")
    if plan.excluded:
        separator = "; " if counts else ": "
        text.append(f"{separator}{len(plan.excluded)} left out", style="yellow")
    elif not counts:
        text.append(".", style="bold yellow")
    return text


class PlanScreen(ModalScreen[bool]):
    """Review a :class:`~amitui.model.Plan` and confirm or cancel it."""

    DEFAULT_CSS = """
    PlanScreen { align: center middle; }
    PlanScreen > #plan-box {
        width: 90%; max-width: 140; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    PlanScreen.destructive > #plan-box { border: thick $error; }
    PlanScreen #plan-title { text-style: bold; width: 1fr; }
    PlanScreen #plan-accounts { color: $error; text-style: bold; height: auto; }
    PlanScreen .account { text-style: bold underline; margin-top: 1; }
    PlanScreen #plan-steps { height: auto; max-height: 60vh; }
    PlanScreen .section { text-style: bold; margin-top: 1; }
    PlanScreen .excluded { color: $warning; }
    PlanScreen .note { color: $warning; }
    PlanScreen #plan-error { color: $error; height: auto; }
    PlanScreen #plan-help { color: $text-muted; margin-top: 1; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="plan.cancel", tooltip="Cancel: run nothing"),
        Binding("y", "confirm_key", "Run", show=False, id="plan.yes", tooltip="Run the plan"),
        Binding("n", "cancel_key", "Cancel", show=False, id="plan.no", tooltip="Cancel"),
        Binding("enter", "enter", "Run", show=False, id="plan.enter", tooltip="Run the plan"),
        # Priority: the typed-confirmation Input binds ctrl+d (delete right), and a
        # destructive plan is where a DryRun check matters most.
        Binding(
            "ctrl+d",
            "toggle_dry_run",
            "DryRun first",
            id="plan.dry_run",
            priority=True,
            tooltip="Check every call's permissions with an EC2 DryRun before running any",
        ),
    ]

    def __init__(
        self,
        plan: Plan,
        *,
        accounts: Mapping[str, str] | None = None,
        default_account: str = "",
        protected: Collection[str] = (),
    ) -> None:
        super().__init__(classes="destructive" if plan.destructive else "")
        self.plan = plan
        self.dry_run_first = False
        self._labels = dict(accounts or {})
        self._default_account = default_account
        #: The accounts the plan's steps run in (ids, in plan order), and the ones it changes.
        self.accounts = tuple(dict.fromkeys(self._account(s) for s in plan.steps))
        changed = tuple(dict.fromkeys(self._account(s) for s in plan.runnable))
        self.spans_accounts = plan.destructive and len(changed) > 1
        self.protected = tuple(a for a in changed if a in set(protected))
        self.confirm_text = plan.confirm_text
        if plan.destructive and (self.spans_accounts or self.protected):
            count = str(len(changed)) if self.spans_accounts else plan.confirm_text
            self.confirm_text = " ".join([count, *(self.label(a) for a in self.protected)])
        self._changed = changed

    def _account(self, step: Step) -> str:
        return step.account or self._default_account

    def label(self, account: str) -> str:
        """An account's alias (else its id) as the user knows it."""
        return self._labels.get(account) or account or "this account"

    def _heading(self, account: str) -> str:
        label = self.label(account)
        text = label if label == account or not account else f"{label} ({account})"
        return f"Account {text}" + (" — protected" if account in self.protected else "")

    def _grouped(self, steps: tuple[Step, ...], classes: str) -> ComposeResult:
        """``steps`` as lines, under a heading per account when the plan spans several."""
        groups: dict[str, list[Step]] = {}
        for step in steps:
            groups.setdefault(self._account(step), []).append(step)
        for account, members in groups.items():
            if len(self.accounts) > 1:
                yield Static(Text(inert(self._heading(account))), classes="account")
            for step in members[:MAX_LISTED]:
                yield Static(step_line(step), classes=classes)
            if len(members) > MAX_LISTED:
                yield Static(f"… and {len(members) - MAX_LISTED} more", classes=classes)

    def _spanning(self) -> Text:
        listed = ", ".join(
            self.label(a) + (f" ({a})" if self.label(a) != a else "")
            + (" [protected]" if a in self.protected else "")
            for a in self._changed
        )  # fmt: skip
        return Text(inert(f"This plan changes {len(self._changed)} accounts: {listed}"))

    def compose(self) -> ComposeResult:
        plan = self.plan
        with Vertical(id="plan-box"):
            yield Label(Text(inert(plan.title)), id="plan-title")
            if self.spans_accounts:
                yield Static(self._spanning(), id="plan-accounts")
            yield Static(summary(plan), id="plan-summary")
            with VerticalScroll(id="plan-steps"):
                if plan.runnable:
                    yield Static("Will run", classes="section")
                    yield from self._grouped(plan.runnable, "step")
                if plan.excluded:
                    yield Static("Left out", classes="section")
                    yield from self._grouped(plan.excluded, "excluded")
                if plan.notes:
                    yield Static("Read before running", classes="section")
                    for note in dict.fromkeys(plan.notes):  # each note once
                        yield Static(Text("⚠ " + inert(note)), classes="note")
            yield Static("", id="plan-error")
            if plan.runnable and plan.destructive:
                yield Input(
                    placeholder=f"type {inert(self.confirm_text)} and press Enter to run",
                    id="plan-confirm",
                )
            yield Static(self._help(), id="plan-help")

    def _help(self) -> Text:
        if not self.plan.runnable:
            return Text("Enter or Escape: close")
        dry_run = f" · ctrl+d: DryRun check first ({'on' if self.dry_run_first else 'off'})"
        if self.plan.destructive:
            what = ""
            if self.spans_accounts:
                what = f" (the number of accounts{', then' if self.protected else ''}"
            elif self.protected:
                what = f" ({inert(self.plan.confirm_text)}, then"
            if self.protected:
                what += " the protected accounts' aliases)"
            elif what:
                what += ")"
            return Text(
                f"Type {inert(self.confirm_text)}{what} and Enter to run · Escape: cancel" + dry_run
            )
        return Text("y or Enter: run · n or Escape: cancel" + dry_run)

    def action_toggle_dry_run(self) -> None:
        self.dry_run_first = not self.dry_run_first
        self.query_one("#plan-help", Static).update(self._help())

    def on_mount(self) -> None:
        if self.plan.runnable and self.plan.destructive:
            self.query_one("#plan-confirm", Input).focus()

    def _show_error(self, message: str) -> None:
        self.query_one("#plan-error", Static).update(Text(message))

    @on(Input.Submitted, "#plan-confirm")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        if " ".join(event.value.split()) == self.confirm_text:
            self.dismiss(True)
        else:
            self._show_error(f"Type {inert(self.confirm_text)} exactly to run; Escape cancels.")

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_confirm_key(self) -> None:
        if self.plan.runnable and not self.plan.destructive:
            self.dismiss(True)

    def action_cancel_key(self) -> None:
        if not self.plan.destructive:
            self.dismiss(False)

    def action_enter(self) -> None:
        if not self.plan.runnable:
            self.dismiss(False)
        elif not self.plan.destructive:
            self.dismiss(True)
