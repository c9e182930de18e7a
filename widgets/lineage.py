"""Lineage: an image's family across regions (its source and every copy), navigable.

Copies are found from SourceImageId/SourceImageRegion or the ``[Copied ami-… from …]``
description AWS writes (the model does both); Enter on a member posts
:class:`~amitui.widgets.messages.JumpToImage`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from amitui.model import Image, ImageKey
from amitui.text import inert
from amitui.widgets.lists import KeyedOptionList

from .image_table import age_text
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

    def show(self, image: Image | None, family: Sequence[Image], now: datetime) -> None:
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
        if event.option.id:
            region, image_id = event.option.id.split("/", 1)
            self.post_message(JumpToImage(ImageKey(region, image_id)))
