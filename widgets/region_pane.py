"""The region pane: every region with its state (spinner, image count, or error) and a choice
of which regions the image table shows (one, several, or all merged).

Enter on a region shows only it; space adds or removes it from the view; Enter on "All
regions" shows every region. Below the list, the highlighted region's status in full: how
long it took, or the AWS error: what to do about it first, then AWS's code and message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from amitui.model import AwsError, RegionLoad, RegionStatus
from amitui.text import inert
from amitui.widgets.lists import KeyedOptionList

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
ALL = "*all*"

_STATUS_TEXT = {
    RegionStatus.DENIED: "denied",
    RegionStatus.THROTTLED: "throttled",
    RegionStatus.EXPIRED_CREDENTIALS: "expired",
    RegionStatus.FAILED: "failed",
}


@dataclass(slots=True)
class RegionState:
    region: str
    status: RegionStatus = RegionStatus.LOADING
    count: int = 0
    error: AwsError | None = None
    seconds: float = 0.0
    #: Images shown, snapshots still being listed.
    snapshots_pending: bool = False


class RegionList(KeyedOptionList):
    """The list itself; :class:`RegionPane` owns the state."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "space",
            "toggle_region",
            "Add/remove",
            tooltip="Add this region to the shown regions, or remove it",
            id="regions.toggle",
        ),
    ]

    class Toggled(Message):
        def __init__(self, region: str) -> None:
            super().__init__()
            self.region = region

    def action_toggle_region(self) -> None:
        option = self.highlighted_option
        if option is not None and option.id is not None:
            self.post_message(self.Toggled(option.id))


class RegionPane(Vertical):
    DEFAULT_CSS = """
    RegionPane {
        width: 24;
        border: round $primary 50%;
        border-title-color: $text;
        &:focus-within { border: round $primary; }
        RegionList {
            height: 1fr; border: none; padding: 0; background: transparent;
            scrollbar-size-vertical: 1;
            &:focus { border: none; }
        }
        #region-info {
            height: auto; max-height: 50%; padding: 0 1;
            border-top: solid $primary 30%; color: $text-muted;
        }
    }
    """

    class ViewChanged(Message):
        """The regions the table should show; empty means every region."""

        def __init__(self, regions: frozenset[str], *, toggled: bool = False) -> None:
            super().__init__()
            self.regions = regions
            #: From space in the list (the user is still choosing), not Enter.
            self.toggled = toggled

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._states: dict[str, RegionState] = {}
        self._view: frozenset[str] = frozenset()
        self._frame = 0
        self._spinner: Timer | None = None
        self._resolving = True

    def compose(self) -> ComposeResult:
        yield RegionList(id="region-list")
        yield Static(id="region-info")

    def on_mount(self) -> None:
        self.border_title = "Regions"
        self._spinner = self.set_interval(0.1, self._spin, pause=True)
        self._rebuild()

    # ---- state from the App ------------------------------------------------------------

    @property
    def view(self) -> frozenset[str]:
        return self._view

    @property
    def regions(self) -> list[str]:
        return list(self._states)

    def state(self, region: str) -> RegionState | None:
        return self._states.get(region)

    def set_regions(self, regions: Iterable[str]) -> None:
        """The regions to load, all now loading."""
        self._resolving = False
        self._states = {r: RegionState(r) for r in regions}
        self._view = frozenset(r for r in self._view if r in self._states)
        self._rebuild()

    def add_regions(self, regions: Iterable[str]) -> None:
        """Add regions (e.g. a copy's destination) without touching the others' state."""
        for region in regions:
            self._states.setdefault(region, RegionState(region))
        self._resolving = False
        self._rebuild()

    def set_resolving(self) -> None:
        """Before the region list is known (e.g. DescribeRegions in flight)."""
        self._resolving = True
        self._states = {}
        self._rebuild()

    def mark_loading(self, regions: Iterable[str]) -> None:
        for region in regions:
            state = self._states.setdefault(region, RegionState(region))
            state.status = RegionStatus.LOADING
            state.snapshots_pending = False
        self._rebuild()

    def set_result(self, load: RegionLoad) -> None:
        state = self._states.setdefault(load.region, RegionState(load.region))
        state.status = load.status
        state.count = len(load.images)
        state.error = load.error
        state.seconds = load.seconds
        state.snapshots_pending = load.snapshots_pending
        self._rebuild()

    def set_count(self, region: str, count: int) -> None:
        state = self._states.get(region)
        if state is not None and state.count != count:
            state.count = count
            self._rebuild()

    def show_regions(self, regions: Iterable[str], *, toggled: bool = False) -> None:
        """Set the view (empty: all regions) and say so."""
        self._view = frozenset(r for r in regions if r in self._states)
        if self._view == frozenset(self._states):
            self._view = frozenset()
        self._rebuild()
        self.post_message(self.ViewChanged(self._view, toggled=toggled))

    @property
    def busy(self) -> bool:
        return self._resolving or any(
            s.status in (RegionStatus.LOADING, RegionStatus.PENDING) or s.snapshots_pending
            for s in self._states.values()
        )

    # ---- events ------------------------------------------------------------------------

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        region = event.option.id
        self.show_regions(() if region == ALL or region is None else (region,))

    def on_region_list_toggled(self, event: RegionList.Toggled) -> None:
        event.stop()
        if event.region == ALL:
            self.show_regions(())
            return
        current = set(self._view or self._states)
        current.symmetric_difference_update({event.region})
        self.show_regions(current or (event.region,), toggled=True)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._show_info()

    # ---- rendering ---------------------------------------------------------------------

    def _spin(self) -> None:
        self._frame = (self._frame + 1) % len(SPINNER)
        self._rebuild()

    def _rebuild(self) -> None:
        if not self.is_mounted:
            return
        options = self.query_one(RegionList)
        prompts = [self._all_prompt(), *(self._prompt(s) for s in self._states.values())]
        ids = [ALL, *self._states]
        if [o.id for o in options.options] == ids:
            for index, prompt in enumerate(prompts):
                options.replace_option_prompt_at_index(index, prompt)
        else:
            highlighted = options.highlighted_option
            keep = highlighted.id if highlighted else None
            options.set_options(Option(p, id=i) for p, i in zip(prompts, ids, strict=True))
            if keep in ids:
                options.highlighted = ids.index(keep)
            elif options.has_focus:
                options.ensure_highlight()
        loaded = sum(1 for s in self._states.values() if s.status is RegionStatus.LOADED)
        failed = sum(1 for s in self._states.values() if s.status.is_error)
        title = f"Regions {loaded}/{len(self._states)}"
        if failed:
            title += f" · {failed} failed"
        self.border_title = title
        if self._spinner is not None:
            if self.busy:
                self._spinner.resume()
            else:
                self._spinner.pause()
        self._show_info()

    def _all_prompt(self) -> Content:
        mark = ("● " if not self._view else "  ", "bold")
        if self._resolving:
            return Content.assemble(mark, (f"{SPINNER[self._frame]} finding regions…", "italic"))
        total = sum(s.count for s in self._states.values())
        return Content.assemble(mark, "All regions".ljust(14), (f"{total:>6}", "bold"))

    def _prompt(self, state: RegionState) -> Content:
        mark = ("● " if state.region in self._view else "  ", "bold")
        if state.status in (RegionStatus.LOADING, RegionStatus.PENDING):
            status = (f"{SPINNER[self._frame]:>6}", "bold $accent")
        elif state.status.is_error:
            status = (f"{_STATUS_TEXT[state.status]:>6}"[:6], "bold $error")
        elif state.snapshots_pending:  # the count is in; a spinner for the snapshots
            status = (f"{state.count:>5}{SPINNER[self._frame]}", "")
        else:
            status = (f"{state.count:>6}", "")
        return Content.assemble(mark, state.region.ljust(14)[:14], status)

    def _show_info(self) -> None:
        info = self.query_one("#region-info", Static)
        option = self.query_one(RegionList).highlighted_option
        state = self._states.get(option.id or "") if option is not None else None
        info.update(describe_state(state, self._view, len(self._states)))


def describe_state(state: RegionState | None, view: frozenset[str], total: int) -> Content:
    """The highlighted region in full; AWS text goes in as plain strings, never markup."""
    if state is None:
        shown = ", ".join(sorted(view)) if view else f"all {total} regions"
        return Content.assemble(("Showing ", "dim"), shown)
    if state.status in (RegionStatus.LOADING, RegionStatus.PENDING):
        return Content(f"{state.region}: loading…")
    if state.snapshots_pending:
        return Content(f"{state.region}: {state.count} images; listing its snapshots…")
    if state.error is None:
        return Content(f"{state.region}: {state.count} images in {state.seconds:.1f} s")
    error = state.error
    parts: list[str | tuple[str, str]] = [
        (f"{state.region}: {_STATUS_TEXT.get(state.status, 'failed')}\n", "bold $error"),
    ]
    # The fix before AWS's message: a long message would push it out of the box.
    if error.hint:
        parts += [("Fix: ", "bold $success"), inert(error.hint) + "\n"]
    parts += [(inert(error.code) + "\n", "bold"), inert(error.message)]
    return Content.assemble(*parts)
