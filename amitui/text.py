"""Making untrusted text (AMI names, descriptions, tags, AWS messages) inert for display.

Anyone who can share an image with you chooses its name. Markup is neutralised by
building Rich ``Text`` objects (never parsing markup); this module removes the other
danger: control characters and terminal escape sequences, shown as visible escapes.
"""

from __future__ import annotations

import re
from datetime import datetime

from amitui.model import cooldown_until

# C0 controls (except none: even tab/newline would break table cells), DEL, C1 controls, and
# the Unicode bidi controls (LRM/RLM, ALM, embeddings/overrides, isolates): a right-to-left
# override makes "gpj.exe" display as "exe.jpg" ("Trojan Source", CVE-2021-42574).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: object) -> str:
    """``text`` with every control character replaced by a visible ``\\xNN`` (or, for bidi
    controls, ``\\uNNNN``) escape."""
    return _CONTROL.sub(_visible, str(text))


def counted(count: int, word: str, plural: str = "") -> str:
    """``1 image``, ``3 images``: the count and the word in agreement (never ``image(s)``)."""
    return f"{count} {word if count == 1 else plural or word + 's'}"


def countdown(until: datetime, now: datetime) -> str:
    """How long until ``until``: ``23h 59m``, ``2d 4h``, ``5m`` (``0m`` once it is past)."""
    minutes = max(0, int((until - now).total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"


def protection_text(protection: str | None, now: datetime) -> str:
    """DescribeImages' ``DeregistrationProtection``, with the cooldown as a countdown."""
    value = protection or "disabled"
    until = cooldown_until(value)
    if until is None:
        return value
    if until <= now:
        return f"disabled (the cooldown ended {until:%Y-%m-%d %H:%M} UTC)"
    return f"disabled, cooldown until {until:%Y-%m-%d %H:%M} UTC ({countdown(until, now)} left)"
