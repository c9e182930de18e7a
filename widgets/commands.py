"""The command palette provider: regions, owner scopes and actions.

The App supplies the entries (it knows the regions and which actions exist); this module only
matches and offers them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider


@dataclass(frozen=True, slots=True)
class PaletteEntry:
    text: str
    help: str
    run: Callable[[], object]


@runtime_checkable
class PaletteSource(Protocol):
    def palette_entries(self) -> Iterable[PaletteEntry]: ...


class AmituiCommands(Provider):
    def _entries(self) -> list[PaletteEntry]:
        app = self.app
        return list(app.palette_entries()) if isinstance(app, PaletteSource) else []

    async def discover(self) -> Hits:
        for entry in self._entries():
            yield DiscoveryHit(entry.text, partial(entry.run), help=entry.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self._entries():
            score = matcher.match(entry.text)
            if score > 0:
                yield Hit(score, matcher.highlight(entry.text), partial(entry.run), help=entry.help)
