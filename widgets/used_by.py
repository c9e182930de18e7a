"""The Used-by tab: everything that uses the image, grouped (instances by state, launch
template versions, Auto Scaling, SSM parameters and Image Builder recipes, other accounts),
and who may launch it. The data is :class:`~amitui.usage.UsedBy`, read by the engine with
the cleanup's own in-use lookups.

Enter on an entry that is an image posts :class:`~amitui.widgets.messages.JumpToImage`;
on anything else it says what that is and where (amitui lists images only).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from amitui.model import Image, ImageKey
from amitui.text import inert
from amitui.usage import GROUPS, LAUNCH_PERMISSIONS, UsedBy, UseEntry
from amitui.widgets.lists import KeyedOptionList

from .messages import JumpToImage, UsageReportWanted


def _heading(group: str, count: int) -> Text:
    counted = "" if group == LAUNCH_PERMISSIONS else f" ({count})"
    return Text(f"{group}{counted}", style="bold")


class UsedByView(KeyedOptionList):
    DEFAULT_CSS = "UsedByView { height: 1fr; border: none; background: transparent; }"

    #: Each entry by option id; replaced, never mutated.
    _entries: Mapping[str, UseEntry] = MappingProxyType({})
    #: The image shown (None while loading or with none selected).
    _key: ImageKey | None = None

    def show_loading(self, image: Image | None) -> None:
        self._entries = {}
        self._key = None
        text = "No image selected" if image is None else f"Asking what uses {image.image_id}…"
        self.set_options([Option(Text(text, style="dim italic"), disabled=True)])

    def show(self, used: UsedBy) -> None:
        self._key = used.key
        options: list[Option] = []
        entries: dict[str, UseEntry] = {}
        total = used.count
        summary = "Nothing uses it" if not total else f"{total} use{'s' if total != 1 else ''}"
        if used.errors:
            summary += " · some lookups failed: it may be used by more"
        options.append(Option(Text(summary, style="bold" if total else "green"), disabled=True))
        for error in used.errors:
            options.append(Option(Text(f"  ! {inert(error)}", style="yellow"), disabled=True))
        for note in used.notes:
            options.append(Option(Text(f"  {inert(note)}", style="dim"), disabled=True))
        for group in GROUPS:
            found = used.group(group)
            if not found:
                continue
            options.append(Option(_heading(group, len(found)), disabled=True))
            for entry in found:
                option_id = f"use-{len(entries)}"
                entries[option_id] = entry
                options.append(Option(Text(f"  {inert(entry.text)}"), id=option_id))
        self._entries = entries
        self.set_options(options)

    @property
    def entries(self) -> tuple[UseEntry, ...]:
        return tuple(self._entries.values())

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        entry = self._entries.get(event.option.id or "")
        if entry is None:
            return
        if entry.image is not None:
            self.post_message(JumpToImage(entry.image))
        elif entry.report_accounts and self._key is not None:
            self.post_message(UsageReportWanted(self._key, entry.report_accounts))
            self.notify(entry.about, title="Used by", markup=False, timeout=6)
        else:
            self.notify(entry.about or entry.text, title="Used by", markup=False, timeout=6)
