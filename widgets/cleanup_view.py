"""Guided cleanup: rules on the left of the story, candidates below, the user unmarks.

Contract::

    choice = await app.push_screen_wait(CleanupScreen(evaluate, defaults))

- ``evaluate(fields)`` turns the typed rules (``keep_newest``, ``older_than_days``,
  ``not_launched_days``, ``deprecated_before``, ``tag``: the input texts) into a
  :class:`GuidedRows`, or raises ``ValueError`` whose message is shown. The flow injects it
  (the widget never imports the engine). It runs at mount and on Enter in any rule input.
- The candidate table starts fully marked; ``space`` toggles the row under the cursor,
  ``a`` marks all, ``n`` unmarks all. Images that are never candidates (in use, protected,
  not owned) and those kept as the newest of their family are listed with the reason.
- ``x`` returns ``CleanupChoice("deregister", marked keys)`` (the flow then shows the same
  deregister plan as the ``x`` key), ``o`` returns ``CleanupChoice("orphans")``, Escape
  returns None.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Static

from amitui.model import ImageKey
from amitui.text import inert

RULE_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("keep_newest", "keep newest N", "3"),
    ("older_than_days", "older than (days)", "90"),
    ("not_launched_days", "not launched in (days)", ""),
    ("deprecated_before", "deprecated before", "YYYY-MM-DD"),
    ("tag", "tag K=V", "Env=dev"),
)
#: At most this many spared images are listed (the count is always shown).
MAX_SPARED = 40


@dataclass(frozen=True, slots=True)
class CandidateRow:
    key: ImageKey
    name: str
    created: datetime | None
    last_launched: datetime | None
    size_gib: int
    why: str


@dataclass(frozen=True, slots=True)
class SparedRow:
    key: ImageKey
    name: str
    why: str


@dataclass(frozen=True, slots=True)
class GuidedRows:
    candidates: tuple[CandidateRow, ...]
    never: tuple[SparedRow, ...]
    kept_newest: tuple[SparedRow, ...]
    rules: str  # the rules in words


@dataclass(frozen=True, slots=True)
class CleanupChoice:
    kind: str  # "deregister" | "orphans"
    images: tuple[ImageKey, ...] = ()


Evaluate = Callable[[Mapping[str, str]], GuidedRows]


def _day(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d}" if value else "never"


class CleanupScreen(ModalScreen[CleanupChoice | None]):
    """Pick deregistration candidates by rules, review them, unmark some."""

    DEFAULT_CSS = """
    CleanupScreen { align: center middle; }
    CleanupScreen > #guided-box {
        width: 96%; height: 92%; border: thick $primary; background: $surface; padding: 0 1;
    }
    CleanupScreen #guided-title { text-style: bold; }
    CleanupScreen #guided-rules { height: auto; }
    CleanupScreen .rule { width: 1fr; height: auto; }
    CleanupScreen .rule Input { width: 100%; }
    CleanupScreen #guided-error { color: $error; height: auto; }
    CleanupScreen #guided-summary { height: auto; }
    CleanupScreen #guided-table { height: 1fr; }
    CleanupScreen #guided-spared { height: auto; max-height: 8; color: $text-muted; }
    CleanupScreen #guided-help { color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Close", id="guided.close", tooltip="Close, change nothing"),
        Binding("space", "toggle_mark", "Mark", id="guided.toggle", tooltip="(Un)mark this image"),
        Binding("a", "mark_all", "All", id="guided.all", tooltip="Mark every candidate"),
        Binding("n", "mark_none", "None", id="guided.none", tooltip="Unmark every candidate"),
        Binding(
            "x", "deregister", "Deregister…", id="guided.deregister",
            tooltip="Plan deregistering the marked images (reviewed and confirmed next)",
        ),
        Binding(
            "o", "orphans", "Orphaned snapshots…", id="guided.orphans",
            tooltip="Snapshots whose image is gone",
        ),
    ]  # fmt: skip

    def __init__(self, evaluate: Evaluate, defaults: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self._evaluate = evaluate
        self._defaults = dict(defaults or {})
        self.rows: GuidedRows = GuidedRows((), (), (), "")
        self.marked: set[ImageKey] = set()

    def compose(self) -> ComposeResult:
        with Vertical(id="guided-box"):
            yield Label("Guided cleanup", id="guided-title")
            with Horizontal(id="guided-rules"):
                for name, label, placeholder in RULE_FIELDS:
                    with Vertical(classes="rule"):
                        yield Label(label)
                        yield Input(
                            self._defaults.get(name, ""),
                            placeholder=placeholder,
                            id=f"rule-{name}",
                        )
            yield Static("", id="guided-error")
            yield Static("", id="guided-summary")
            table: DataTable[Text | str] = DataTable(id="guided-table", cursor_type="row")
            yield table
            with VerticalScroll(id="guided-spared"):
                yield Static("", id="guided-spared-text")
            yield Static(
                Text(
                    "Enter in a rule: apply · Tab: to the list · space: (un)mark · a: all · "
                    "n: none · x: deregister marked… · o: orphaned snapshots… · Escape: close"
                ),
                id="guided-help",
            )

    def on_mount(self) -> None:
        table = self.query_one("#guided-table", DataTable)
        for label in ("", "Region", "Image", "Name", "Created", "Last launched", "GiB", "Why"):
            table.add_column(label, key=label or "mark")
        self.apply_rules()
        table.focus()

    def fields(self) -> dict[str, str]:
        return {name: self.query_one(f"#rule-{name}", Input).value for name, _, _ in RULE_FIELDS}

    @on(Input.Submitted)
    def _rule_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.apply_rules()

    def apply_rules(self) -> None:
        error = self.query_one("#guided-error", Static)
        try:
            rows = self._evaluate(self.fields())
        except ValueError as exc:
            error.update(Text(inert(str(exc))))
            return
        error.update("")
        self.rows = rows
        self.marked = {c.key for c in rows.candidates}
        self._fill()

    def _fill(self) -> None:
        table = self.query_one("#guided-table", DataTable)
        table.clear()
        for row in self.rows.candidates:
            table.add_row(
                self._mark(row.key),
                row.key.region,
                row.key.image_id,
                Text(inert(row.name)),
                _day(row.created),
                _day(row.last_launched),
                str(row.size_gib),
                Text(inert(row.why)),
                key=str(row.key),
            )
        self._summarize()
        spared = Text()
        for title, group in (
            ("Never candidates", self.rows.never),
            ("Kept as the newest of their family", self.rows.kept_newest),
        ):
            if not group:
                continue
            spared.append(f"{title} ({len(group)}):\n", style="bold")
            for item in group[:MAX_SPARED]:
                spared.append(f"  {item.key.region} {item.key.image_id} ")
                spared.append(inert(item.name))
                spared.append(f" — {inert(item.why)}\n", style="dim")
            if len(group) > MAX_SPARED:
                spared.append(f"  … and {len(group) - MAX_SPARED} more\n")
        self.query_one("#guided-spared-text", Static).update(spared)

    def _mark(self, key: ImageKey) -> Text:
        return Text("✓", style="bold green") if key in self.marked else Text(" ")

    def _summarize(self) -> None:
        chosen = [c for c in self.rows.candidates if c.key in self.marked]
        text = Text()
        text.append(f"Rules: {inert(self.rows.rules)}\n", style="dim")
        text.append(
            f"{len(chosen)} of {len(self.rows.candidates)} candidates marked "
            f"({sum(c.size_gib for c in chosen)} GiB of disks)",
            style="bold",
        )
        text.append(
            f" · {len(self.rows.never)} never candidates (in use, protected, not owned)"
            f" · {len(self.rows.kept_newest)} kept as newest"
        )
        self.query_one("#guided-summary", Static).update(text)

    def _refresh_marks(self) -> None:
        table = self.query_one("#guided-table", DataTable)
        for row in self.rows.candidates:
            table.update_cell(str(row.key), "mark", self._mark(row.key))
        self._summarize()

    def action_toggle_mark(self) -> None:
        table = self.query_one("#guided-table", DataTable)
        if not self.rows.candidates or table.cursor_row < 0:
            return
        key = self.rows.candidates[table.cursor_row].key
        self.marked ^= {key}
        self._refresh_marks()

    def action_mark_all(self) -> None:
        self.marked = {c.key for c in self.rows.candidates}
        self._refresh_marks()

    def action_mark_none(self) -> None:
        self.marked = set()
        self._refresh_marks()

    def action_deregister(self) -> None:
        chosen = tuple(c.key for c in self.rows.candidates if c.key in self.marked)
        if not chosen:
            self.notify("Mark at least one candidate first.", severity="warning")
            return
        self.dismiss(CleanupChoice("deregister", chosen))

    def action_orphans(self) -> None:
        self.dismiss(CleanupChoice("orphans"))

    def action_cancel(self) -> None:
        self.dismiss(None)
