"""Guided cleanup: rules at the top, their candidates below; the user picks which to retire.

Contract::

    choice = await app.push_screen_wait(CleanupScreen(prepare, defaults, read_only=...))

- ``prepare()`` is awaited once the screen is up (its progress shows in the screen's status
  line, never a toast over the key line) and returns ``evaluate``; an exception it raises is
  shown in the screen. ``evaluate(fields)`` turns the typed rules (``keep_newest``,
  ``older_than_days``, ``not_launched_days``, ``deprecated_before``, ``tag``: the input
  texts) into a :class:`GuidedRows`, or raises ``ValueError`` whose message is shown. The
  flow injects both (the widget never imports the engine). The rules apply once prepared
  and on Enter in any rule input.
- Focus starts on the rules; Enter in one applies them and moves to the list. Nothing is
  marked until the user takes the rules' candidates (``ctrl+t`` anywhere, ``a`` in the
  list); ``space`` toggles the row under the cursor and moves down, ``n`` unmarks all.
  Images that are never candidates (in use, protected, not owned) and those kept as the
  newest of their family are listed with the reason; the highlighted candidate's reasons are
  shown in full under the list.
- ``x`` returns ``CleanupChoice("deregister", marked keys)`` (the flow then shows the same
  deregister plan as the ``x`` key), ``o`` returns ``CleanupChoice("orphans")``, Escape
  returns None. With ``read_only`` the screen is a review: ``x`` is refused and says why.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
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
from amitui.widgets.lists import KeyedDataTable

RULE_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("keep_newest", "keep newest N", "3"),
    ("older_than_days", "older than (days)", "90"),
    ("not_launched_days", "not launched in (days)", ""),
    ("deprecated_before", "deprecated before", "YYYY-MM-DD"),
    ("tag", "tag K=V", "Env=dev"),
)
#: At most this many spared images are listed (the count is always shown).
MAX_SPARED = 40
#: Name yields to Why beyond this many cells; the full name is in the details line.
NAME_WIDTH = 36
READ_ONLY_REFUSAL = (
    "Read-only: this is a review; nothing is deregistered or deleted "
    "(amitui was started with --read-only)."
)


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
Prepare = Callable[[], Awaitable[Evaluate]]


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
    CleanupScreen #guided-why { height: auto; max-height: 3; }
    CleanupScreen #guided-spared { height: auto; max-height: 20%; color: $text-muted; }
    CleanupScreen #guided-help { color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Close", id="guided.close", tooltip="Close, change nothing"),
        Binding(
            "ctrl+t", "mark_all", "Take candidates", id="guided.take", priority=True,
            tooltip="Mark every candidate the rules offer",
        ),
        Binding(
            "space", "toggle_mark", "Mark", id="guided.toggle",
            tooltip="(Un)mark this image and move down",
        ),
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

    def __init__(
        self,
        prepare: Prepare,
        defaults: Mapping[str, str] | None = None,
        *,
        read_only: bool = False,
        preparing: str = "Checking what uses the images…",
    ) -> None:
        super().__init__()
        self._prepare = prepare
        self._evaluate: Evaluate | None = None
        self._defaults = dict(defaults or {})
        self._preparing = preparing
        self.read_only = read_only
        self.rows: GuidedRows = GuidedRows((), (), (), "")
        self.marked: set[ImageKey] = set()

    def compose(self) -> ComposeResult:
        title = "Guided cleanup" + (" · review only (--read-only)" if self.read_only else "")
        with Vertical(id="guided-box"):
            yield Label(title, id="guided-title")
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
            yield Static(Text(self._preparing, style="italic"), id="guided-summary")
            table: DataTable[Text | str] = KeyedDataTable(id="guided-table", cursor_type="row")
            yield table
            yield Static("", id="guided-why")
            with VerticalScroll(id="guided-spared"):
                yield Static("", id="guided-spared-text")
            deregister = "x: refused (read-only)" if self.read_only else "x: deregister…"
            yield Static(
                Text(
                    "Enter in a rule: apply, then to the list · shift+tab: back to the rules · "
                    "ctrl+t: take the candidates · "
                    f"space: (un)mark, next · n: none · {deregister} · o: orphaned snapshots… · "
                    "Escape: close"
                ),
                id="guided-help",
            )

    def on_mount(self) -> None:
        table = self.query_one("#guided-table", DataTable)
        self._add_columns(table, NAME_WIDTH)
        table.loading = True
        self.query_one(f"#rule-{RULE_FIELDS[0][0]}", Input).focus()
        self.run_worker(self._get_ready(), exit_on_error=False)

    async def _get_ready(self) -> None:
        table = self.query_one("#guided-table", DataTable)
        try:
            self._evaluate = await self._prepare()
        except Exception as exc:  # shown in the screen: the user can still close it
            self.query_one("#guided-error", Static).update(Text(inert(f"Cannot check: {exc}")))
            self.query_one("#guided-summary", Static).update("")
            return
        finally:
            table.loading = False
        self.apply_rules()

    @property
    def ready(self) -> bool:
        return self._evaluate is not None

    @staticmethod
    def _add_columns(table: DataTable[Text | str], name_width: int) -> None:
        # Name has a width, so a long name cannot push Why (the last column) off the screen.
        for label in ("", "Region", "Image", "Name", "Created", "Last launched", "GiB", "Why"):
            width = name_width if label == "Name" else None
            table.add_column(label, key=label or "mark", width=width)

    def fields(self) -> dict[str, str]:
        return {name: self.query_one(f"#rule-{name}", Input).value for name, _, _ in RULE_FIELDS}

    @on(Input.Submitted)
    def _rule_entered(self, event: Input.Submitted) -> None:
        event.stop()
        if self.apply_rules():
            # On to what the rules offer; a rule that needs fixing keeps the focus.
            self.query_one("#guided-table", DataTable).focus()

    def apply_rules(self) -> bool:
        """Apply the typed rules; False if they could not be (still preparing, or a rule
        is wrong: the error says how)."""
        if self._evaluate is None:
            return False  # still preparing; the rules apply once it is done
        error = self.query_one("#guided-error", Static)
        try:
            rows = self._evaluate(self.fields())
        except ValueError as exc:
            error.update(Text(inert(str(exc))))
            return False
        error.update("")
        self.rows = rows
        # Nothing is marked until the user takes the candidates: a rule offers, a person picks.
        self.marked &= {c.key for c in rows.candidates}
        self._fill()
        return True

    def _fill(self) -> None:
        table = self.query_one("#guided-table", DataTable)
        table.clear(columns=True)
        longest = max((len(r.name) for r in self.rows.candidates), default=4)
        self._add_columns(table, max(4, min(NAME_WIDTH, longest)))
        for row in self.rows.candidates:
            table.add_row(
                self._mark(row.key),
                row.key.region,
                row.key.image_id,
                Text(inert(row.name), no_wrap=True, overflow="ellipsis"),
                _day(row.created),
                _day(row.last_launched),
                str(row.size_gib),
                Text(inert(row.why)),
                key=str(row.key),
            )
        self._summarize()
        self._show_why()
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

    @on(DataTable.RowHighlighted, "#guided-table")
    def _highlighted(self) -> None:
        self._show_why()

    def _show_why(self) -> None:
        """The highlighted candidate in full: its name and every reason (the Why column is
        cut where the screen ends)."""
        table = self.query_one("#guided-table", DataTable)
        text = Text()
        if self.rows.candidates and 0 <= table.cursor_row < len(self.rows.candidates):
            row = self.rows.candidates[table.cursor_row]
            text.append(inert(row.name), style="bold")
            text.append(f" ({row.key.image_id}): ")
            text.append(inert(row.why))
        self.query_one("#guided-why", Static).update(text)

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
        table.action_cursor_down()

    def action_mark_all(self) -> None:
        self.marked = {c.key for c in self.rows.candidates}
        self._refresh_marks()

    def action_mark_none(self) -> None:
        self.marked = set()
        self._refresh_marks()

    def action_deregister(self) -> None:
        if self.read_only:
            self.query_one("#guided-error", Static).update(Text(READ_ONLY_REFUSAL))
            return
        chosen = tuple(c.key for c in self.rows.candidates if c.key in self.marked)
        if not chosen:
            self.query_one("#guided-error", Static).update(
                Text("Mark at least one candidate first (ctrl+t takes them all).")
            )
            return
        self.dismiss(CleanupChoice("deregister", chosen))

    def action_orphans(self) -> None:
        self.dismiss(CleanupChoice("orphans"))

    def action_cancel(self) -> None:
        self.dismiss(None)
