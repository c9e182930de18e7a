"""Making untrusted text (AMI names, descriptions, tags, AWS messages) inert for display.

Anyone who can share an image with you chooses its name. Markup is neutralised by
building Rich ``Text`` objects (never parsing markup); this module removes the other
danger: control characters and terminal escape sequences, shown as visible escapes.
"""

from __future__ import annotations

import re

# C0 controls (except none: even tab/newline would break table cells), DEL, and C1 controls.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _visible(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def inert(text: object) -> str:
    """``text`` with every control character replaced by a visible ``\\xNN`` escape."""
    return _CONTROL.sub(_visible, str(text))
