"""Lineage: where an image came from and where its copies are, navigable.

Two parts: the ancestry (GetImageAncestry: this image ← its source ← … ← the root, across
regions, each base as DescribeImages sees it now, and the staleness signal "built from a base
that is now deprecated or deregistered"), then the family across the loaded regions (its
source and every copy, from SourceImageId/SourceImageRegion or the ``[Copied ami-… from …]``
description AWS writes). Enter on a loaded image posts
:class:`~amitui.widgets.messages.JumpToImage`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from amitui.columns import age_text
from amitui.model import Image, ImageKey
from amitui.text import inert
from amitui.usage import Ancestor, Ancestry
from amitui.widgets.lists import KeyedOptionList

from .messages import JumpToImage


def member_prompt(image: Image, current: Image, now: datetime) -> Text:
    if image.key == current.key:
        marker = ("▶ ", "bold")
    elif image.source_image_id is None:
        marker = ("◆ ", "cyan")  # the original the others were copied from
    else:
        marker = ("  ", "")
    text = Text.assemble(marker)
    text.append(f"{image.region:<15}", style="bold" if image.key == current.key else "")
    text.append(f"{image.image_id:<22}")
    text.append(f"{inert(image.name)[:38]:<39}")
    created = image.creation_date.date().isoformat() if image.creation_date else ""
    text.append(f"{created:<11}{age_text(image.creation_date, now):>5}  ", style="dim")
    text.append(f"{image.state:<10}", style="green" if image.state == "available" else "yellow")
    if image.source_image_id:
        text.append(f"  copy of {image.source_image_region}", style="dim")
    else:
        text.append("  original", style="cyan")
    return text


def ancestor_prompt(ancestor: Ancestor, first: bool, now: datetime) -> Text:
    text = Text("▶ " if first else "← ", style="bold" if first else "dim")
    text.append(f"{ancestor.region:<15}")
    text.append(f"{ancestor.image_id:<22}")
    name = ancestor.name or ancestor.owner_alias
    text.append(f"{inert(name)[:38]:<39}")
    created = ancestor.creation_date.date().isoformat() if ancestor.creation_date else ""
    text.append(f"{created:<11}{age_text(ancestor.creation_date, now):>5}  ", style="dim")
    condition = ancestor.condition or "unknown"
    text.append(condition, style="bold yellow" if ancestor.stale else "green")
    if first:
        text.append("  this image", style="dim")
    return text


def _heading(text: str) -> Option:
    return Option(Text(text, style="bold"), disabled=True)


class LineageView(KeyedOptionList):
    DEFAULT_CSS = "LineageView { height: 1fr; border: none; background: transparent; }"

    #: Each option's image, by option id (the key's text); replaced, never mutated.
    _keys: Mapping[str, ImageKey] = MappingProxyType({})

    def show(
        self,
        image: Image | None,
        family: Sequence[Image],
        now: datetime,
        ancestry: Ancestry | None = None,
        loaded: Mapping[str, ImageKey] | None = None,
    ) -> None:
        """``loaded``: ancestor image id -> its key, for the ancestors the table has."""
        shown = [*family, image] if image is not None else family
        keys = {str(member.key): member.key for member in shown}
        if image is None:
            self._keys = keys
            self.set_options([Option(Text("No image selected", style="dim italic"))])
            return
        options = [_heading("Ancestry: this image ← its source ← … ← the root")]
        if ancestry is None or ancestry.key != image.key:
            options.append(Option(Text("  Asking GetImageAncestry…", style="dim italic")))
        elif ancestry.error:
            options.append(Option(Text(f"  {inert(ancestry.error)}", style="yellow")))
        else:
            for index, ancestor in enumerate(ancestry.chain):
                key = (loaded or {}).get(ancestor.image_id) if index else image.key
                option_id = f"ancestor-{index}"
                if key is not None:
                    keys[option_id] = key
                options.append(Option(ancestor_prompt(ancestor, index == 0, now), id=option_id))
            if ancestry.staleness:
                options.append(Option(Text(f"  ⚠ {ancestry.staleness}", style="bold yellow")))
            elif len(ancestry.chain) > 1:
                options.append(Option(Text("  every base is current", style="dim")))
            else:
                options.append(Option(Text("  no recorded source: it is the root", style="dim")))
        self._keys = keys
        options.append(_heading("Copies in the loaded regions"))
        if len(family) <= 1:
            note = Text("  No copies of this image in the loaded regions", style="dim italic")
            options += [Option(member_prompt(image, image, now), id=str(image.key)), Option(note)]
            self.set_options(options)
            self.highlighted = len(options) - 2
            return
        ordered = sorted(family, key=lambda i: (i.source_image_id is not None, i.region))
        options += [Option(member_prompt(m, image, now), id=str(m.key)) for m in ordered]
        self.set_options(options)
        ids = [option.id for option in options]
        self.highlighted = ids.index(str(image.key)) if str(image.key) in ids else 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        key = self._keys.get(event.option.id or "")
        if key is not None:
            self.post_message(JumpToImage(key))
