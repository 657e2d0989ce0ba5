"""The footer: the screen's keys that fit the width, then the palette key, nothing overlapping.

Textual's footer lays out every key and docks the palette key over the right end, so on a
narrow terminal the keys run under it ("Memb^p palette"). This one shows keys in their order
(the screen's own first, then the app's) while they fit beside the palette key, and leaves
the rest to the palette (ctrl+p) and the keys panel. It rebuilds only when the keys it
would show change (Textual rebuilds the footer on every focus change).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer

GAP = 1  # the space after each key in the compact footer


def key_width(key_display: str, description: str) -> int:
    """Cells one key takes in the compact footer: 'n New call' and the gap after it."""
    return len(key_display) + (1 + len(description) if description else 0) + GAP


class HallFooter(Footer):
    """A compact footer whose keys never run under the palette key."""

    _shown: tuple | None = None
    _pending = False

    def __init__(self, **kw) -> None:
        super().__init__(compact=True, **kw)

    def _palette(self) -> tuple | None:
        if not (self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE):
            return None
        found = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        return found

    def fitted(self) -> list[tuple]:
        """(binding, enabled, tooltip) of the keys that fit, in order."""
        width = self.size.width or self.app.size.width
        palette = self._palette()
        if palette is not None:
            _, binding, _, _ = palette
            width -= key_width(self.app.get_key_display(binding), binding.description) + 2  # its border
        shown, seen = [], set()
        # esc (back, cancel, clear) is known everywhere: it comes last, after the screen's own keys
        keys = sorted(self.screen.active_bindings.values(), key=lambda active: active.binding.key == "escape")
        for _, binding, enabled, tooltip in keys:
            if not binding.show or binding.action in seen or binding.key == self.app.COMMAND_PALETTE_BINDING:
                continue
            seen.add(binding.action)
            need = key_width(self.app.get_key_display(binding), binding.description)
            if need > width:
                break  # keys keep their order: a later, shorter key does not jump the queue
            width -= need
            shown.append((binding, enabled, tooltip))
        return shown

    def compose(self) -> ComposeResult:
        order = [binding.action for binding, _, _ in self.fitted()]
        made = {}
        palette = []
        for widget in super().compose():  # Textual's keys: those that fit, in the order they fit in
            if widget.has_class("-command-palette"):
                palette.append(widget)
            elif getattr(widget, "action", None) in order:
                made[widget.action] = widget
        yield from (made[action] for action in order if action in made)
        yield from palette

    def _keys(self) -> tuple:
        return tuple((b.key, b.description, enabled) for b, enabled, _ in self.fitted())

    def bindings_changed(self, screen) -> None:
        self._bindings_ready = True
        if not (self.is_attached and screen is self.screen and screen.app.app_focus):
            return
        if not self._pending:  # one rebuild after this refresh, with the bindings as they are then
            self._pending = True
            self.call_after_refresh(self._rebuild)

    def on_resize(self) -> None:
        if self._bindings_ready and not self._pending:
            self._pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._pending = False
        if not self.is_attached:  # the screen went away meanwhile
            return
        keys = self._keys()
        if keys != self._shown:
            self._shown = keys
            await self.recompose()
