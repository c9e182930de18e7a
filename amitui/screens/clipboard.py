"""The clipboard keys (``y`` id, ``ctrl+y`` ARN, ``ctrl+u`` EC2 console URL): the selected
images' texts, one a line, copied through the terminal (OSC 52: works over ssh). What an
image's ARN and console URL are is :mod:`amitui.links`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from amitui.links import console_url, image_arn
from amitui.model import Image

if TYPE_CHECKING:
    from amitui.screens.explorer import ExplorerScreen

#: What :func:`copy_out` copies: the text of an image, and what it is called.
COPIED: dict[str, tuple[Callable[[Image], str], str]] = {
    "id": (lambda image: image.image_id, "image id"),
    "arn": (image_arn, "ARN"),
    "url": (console_url, "EC2 console URL"),
}


def copy_out(screen: ExplorerScreen, what: str) -> None:
    """Copy the selected images' ids (``"id"``), ARNs or console URLs to the clipboard."""
    images = screen.selected_images()
    if not images:
        screen.notify("No image to copy", severity="warning")
        return
    text_of, noun = COPIED[what]
    texts = [text_of(image) for image in images]
    screen.app.copy_to_clipboard("\n".join(texts))
    if len(texts) == 1:
        message = f"Copied {noun}: {texts[0]}"
    else:
        message = f"Copied {len(texts)} {noun}s, one a line"
    screen.notify(message, title="Clipboard", markup=False, timeout=4)
