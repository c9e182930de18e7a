"""The footer: Textual's, with its keys changed in place when the focus moves.

Textual's footer rebuilds itself whenever the focus moves (one refresh after the focus
moved, it removes every key and mounts new ones, each styled again): ~50 ms of CPU, the
largest part of leaving the filter bar with Escape (benchmarks/README.md, "A million
images"). Here the keys already mounted take the new bindings, and those left over are
hidden until a focus that has more keys shows them again; only more keys than are mounted,
key groups or a key's enabled state changing are left to Textual's rebuild."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer

from ._textual_private import FooterKey

if TYPE_CHECKING:
    from textual.screen import Screen

#: What one key of the footer shows: (key, its display, description, action, enabled,
#: tooltip).
Shown = tuple[str, str, str, str, bool, str]


class KeysFooter(Footer):
    def shown_keys(self) -> list[Shown] | None:
        """The keys Textual's footer would show now, in order; None where it would group
        keys or add the palette's key in a way this footer does not update in place."""
        seen: set[str] = set()
        keys: list[Shown] = []
        for _node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue  # the footer shows one key per action
            if binding.group is not None:
                return None
            seen.add(binding.action)
            display = self.app.get_key_display(binding)
            keys.append((binding.key, display, binding.description, binding.action, enabled,
                         tooltip))  # fmt: skip
        return keys

    def bindings_changed(self, screen: Screen[object]) -> None:
        in_place = screen is self.screen and self.is_attached and screen.app.app_focus
        if not (in_place and self._update_in_place()):
            super().bindings_changed(screen)

    def _update_in_place(self) -> bool:
        """Give the mounted keys their new bindings, hiding those left over; False when
        that cannot be done (more keys than are mounted, groups, an enabled state)."""
        keys = [child for child in self.children if isinstance(child, FooterKey)]
        if len(keys) != len(self.children):
            return False  # key groups: Textual's rebuild
        keys = [key for key in keys if not key.has_class("-command-palette")]
        shown = self.shown_keys()
        if shown is None or not shown or len(shown) > len(keys):
            return False
        if any(
            key.has_class("-disabled") == enabled
            for key, (*_, enabled, _tooltip) in zip(keys, shown, strict=False)
        ):
            return False  # FooterKey keeps its enabled state privately: rebuilt
        for index, key in enumerate(keys):
            if index >= len(shown):
                if key.display:  # assigning display, even unchanged, lays out the screen
                    key.display = False
                continue
            name, display, description, action, _enabled, tooltip = shown[index]
            if not key.display:
                key.display = True
            if (key.key, key.key_display, key.description, key.action) == (
                name,
                display,
                description,
                action,
            ):
                continue
            resized = (len(key.key_display), len(key.description)) != (
                len(display),
                len(description),
            )
            key.key, key.key_display, key.description, key.action = (
                name,
                display,
                description,
                action,
            )
            key.tooltip = tooltip or None
            key.refresh(layout=resized)
        return True
