"""Lineage: an image's family across regions (its source and every copy), navigable.

Copies are found from SourceImageId/SourceImageRegion or the ``[Copied ami-… from …]``
description AWS writes (the model does both); Enter on a member posts
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


class LineageView(KeyedOptionList):
    DEFAULT_CSS = "LineageView { height: 1fr; border: none; background: transparent; }"

    #: Each option's image, by option id (the key's text); replaced, never mutated.
    _keys: Mapping[str, ImageKey] = MappingProxyType({})

    def show(self, image: Image | None, family: Sequence[Image], now: datetime) -> None:
        shown = [*family, image] if image is not None else family
        self._keys = {str(member.key): member.key for member in shown}
        if image is None:
            self.set_options([Option(Text("No image selected", style="dim italic"))])
            return
        if len(family) <= 1:
            note = Text("No copies of this image in the loaded regions", style="dim italic")
            self.set_options([Option(member_prompt(image, image, now), id=str(image.key)), note])
            return
        ordered = sorted(family, key=lambda i: (i.source_image_id is not None, i.region))
        self.set_options(
            [Option(member_prompt(member, image, now), id=str(member.key)) for member in ordered]
        )
        ids = [str(member.key) for member in ordered]
        self.highlighted = ids.index(str(image.key)) if str(image.key) in ids else 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        key = self._keys.get(event.option.id or "")
        if key is not None:
            self.post_message(JumpToImage(key))
