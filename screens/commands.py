"""The command palette (ctrl+p): members by card or name, calls by number or employer, every
screen, and the keys of the screen it was opened on (those the footer has no room for too).

Only offered when someone is logged in. ``search`` runs on the event loop, so the
lookups run in a thread (``asyncio.to_thread``) on a fresh connection.
"""

from __future__ import annotations

import asyncio
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from hall.errors import HallError
from hall.views.palette import lookup
from screens.text import clean

SCREENS = (
    ("Board", "action_board", "Today's calls, books, re-signs due"),
    ("New call", "action_new_call", "Take a job call an employer is phoning in"),
    ("Dispatch", "action_dispatch", "Work down a call's ranked candidates"),
    ("Counter", "action_counter", "A member at the window: re-sign, sign, job end"),
    ("Lists", "action_lists", "The out-of-work lists, a tab per book"),
    ("Member", "action_member", "Find a member by card or name"),
    ("Employers", "action_employers", "Employers and their bars"),
    ("Audit", "action_audit", "The audit log and its verification"),
    ("Job board", "action_job_board", "Posted calls, bids and the time left; the selection's results"),
    ("Reports", "action_reports", "Day book, lists, fairness, member packets: view and export"),
    ("Lock", "action_lock", "Lock the terminal now"),
    ("Rules (admin)", "action_admin_rules", "The rules in force, changes coming, load a new rule set (ctrl+r)"),
    ("Staff accounts (admin)", "action_admin_staff", "Add, disable, change passwords (ctrl+r, then 2)"),
)


class HallCommands(Provider):
    """Members, calls and screens of the hall."""

    def _logged_in(self) -> bool:
        return getattr(self.app, "session", None) is not None

    def _screen_command(self, method: str):
        if method.startswith("action_admin_"):  # the admin screen on one of its tabs
            return partial(self.app.action_admin, method.removeprefix("action_admin_"))
        return getattr(self.app, method)

    def _screen_keys(self) -> list[tuple[str, object, str]]:
        """(title, callback, help) for each key of the screen the palette was opened on."""
        screen = self.screen
        found = []
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if active.node is not screen or not active.enabled or not binding.description or binding.system:
                continue
            title = f"{binding.description} ({self.app.get_key_display(binding)})"
            found.append((title, partial(screen.run_action, binding.action), binding.tooltip or binding.description))
        return found

    async def discover(self) -> Hits:
        if not self._logged_in():
            return
        for name, method, help_text in SCREENS:
            yield DiscoveryHit(name, self._screen_command(method), help=help_text)
        for title, callback, help_text in self._screen_keys():
            yield DiscoveryHit(title, callback, help=f"This screen: {help_text}")

    async def search(self, query: str) -> Hits:
        if not self._logged_in():
            return
        matcher = self.matcher(query)
        for name, method, help_text in SCREENS:
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), self._screen_command(method), text=name, help=help_text)
        for title, callback, help_text in self._screen_keys():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=f"This screen: {help_text}")
        text = query.strip()
        if not text:
            return
        try:
            found = await asyncio.to_thread(lookup, self.app.store, text)
        except HallError as error:  # the palette says so and keeps the screens on offer
            self.app.notify(f"Could not look that up: {error}", severity="warning")
            return
        for card, name in found.members:
            label = f"{clean(card)}  {clean(name)}"
            score = 1.0 if card == text else max(matcher.match(label), 0.5)
            yield Hit(score, label, partial(self.app.action_member, card), text=label, help="Open this member")
        for c in found.calls:
            label = f"Call #{c.id}  {clean(c.employer)}  {c.classification} ×{c.workers}  ({c.status})"
            score = 0.95 if text.lstrip("#") == str(c.id) else max(matcher.match(label), 0.4)
            yield Hit(score, label, partial(self.app.action_dispatch, c.id), text=label, help="Dispatch this call")
