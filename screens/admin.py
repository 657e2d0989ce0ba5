"""Admin only: the rules in force and the changes coming (load a new rule set with notice),
and the staff accounts (add, disable, change a password).

Opened with ctrl+r or from the command palette; a dispatcher gets the session's one
sentence and nothing opens. Every write goes through the Session's admin operations,
which check the role again.
"""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Label, Static, TabbedContent, TabPane, TextArea

from hall.views import admin as views
from hall.views.admin import RulesInForce, StaffAccount
from screens.base import Cancelled, HallScreen, Refused, flow
from screens.text import clean, clean_block, short_date
from screens.widgets.dialogs import ChoiceDialog, ConfirmDialog
from screens.widgets.forms import Field, FormDialog
from screens.widgets.tables import highlighted_key

TABS = ("rules", "staff")


class AdminScreen(HallScreen):
    """Rules and staff accounts, one tab each."""

    CSS_PATH = "admin.tcss"
    SCREEN_TITLE = "Admin"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("1", "tab('rules')", "Rules", id="admin_rules_tab",
                tooltip="The rules in force and the changes coming"),
        Binding("2", "tab('staff')", "Staff", id="admin_staff_tab", tooltip="Staff accounts"),
        Binding("f", "load_rules", "Load rules file", id="load_rules",
                tooltip="Adopt a new rule set from a TOML file, from a date (with notice, or urgent with a reason)"),
        Binding("plus,ctrl+n", "add_user", "Add account", id="add_user", key_display="+",
                tooltip="Add a staff account (name, role, password twice)"),
        Binding("x", "disable_user", "Disable", id="disable_user", tooltip="Disable the highlighted account"),
        Binding("p", "password", "Password", id="set_password",
                tooltip="Set a new password for the highlighted account"),
    ]
    TAB_ACTIONS = {"load_rules": "rules", "add_user": "staff", "disable_user": "staff", "password": "staff"}

    def __init__(self, tab: str = "rules"):
        super().__init__()
        self.tab = tab if tab in TABS else "rules"
        self.rules_data: RulesInForce | None = None
        self.users: list[StaffAccount] = []

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with TabbedContent(initial=self.tab, id="admin-tabs"):
            with TabPane("Rules", id="rules"):
                yield Static("", id="rules-title")
                with Vertical(id="rules-body"):
                    with Vertical(id="rules-text-box"):
                        yield Label("IN FORCE (read-only)", classes="section-title")
                        yield TextArea("", id="rules-text", read_only=True, show_line_numbers=True,
                                       soft_wrap=True)
                    with VerticalScroll(id="rules-upcoming-box"):
                        yield Label("UPCOMING CHANGES", classes="section-title", id="upcoming-title")
                        yield Static("", id="rules-upcoming")
            with TabPane("Staff accounts", id="staff"):
                yield Label("STAFF ACCOUNTS", classes="section-title", id="staff-title")
                yield DataTable(id="staff-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="admin-message")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#staff-table", DataTable).add_columns("name", "role", "status", "created", "last log-in")
        self.reload()

    def open_with(self, other: "AdminScreen") -> None:
        self.action_tab(other.tab)

    # --- tabs ------------------------------------------------------------------------------

    def action_tab(self, tab: str) -> None:
        self.query_one("#admin-tabs", TabbedContent).active = tab

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.tab = event.pane.id or "rules"
        self.refresh_bindings()
        if self.tab == "staff":
            self.query_one("#staff-table", DataTable).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        wanted = self.TAB_ACTIONS.get(action)
        if wanted is not None and wanted != self.tab:
            return False
        return True

    # --- reading -----------------------------------------------------------------------------

    def reload(self) -> None:
        if self.session is None:
            return
        store = self.hall_app.store
        self.load(views.rules_view, store, done=self._show_rules, group=f"admin-rules-{id(self)}")
        self.load(views.staff, store, done=self._show_staff, group=f"admin-staff-{id(self)}")

    def _show_rules(self, data: RulesInForce) -> None:
        zone = self.hall_app.zone
        first = self.rules_data is None or self.rules_data.id != data.id
        self.rules_data = data
        since = short_date(data.effective_at, zone) if data.effective_at else "the start"
        title = Text.assemble(("Rule set in force", "bold"), f" #{data.id} · since {since}",
                              f" · adopted by {clean(data.created_by)}" if data.created_by else "",
                              f" · notice for changes: {data.notice_days} days")
        self.query_one("#rules-title", Static).update(title)
        if first:
            self.query_one("#rules-text", TextArea).load_text(data.text)
        upcoming = Text()
        for i, change in enumerate(data.upcoming):
            if i:
                upcoming.append("\n\n")
            upcoming.append(f"from {short_date(change.effective_at, zone)}", style="bold")
            upcoming.append(f" · rule set #{change.id} · by {clean(change.created_by)}")
            if change.urgent_reason:
                upcoming.append("\n! urgent: ", style="bold")
                upcoming.append(clean(change.urgent_reason))
            for line in change.changes or ("(no differences from the rules in force)",):
                upcoming.append(f"\n  {clean(line)}")
        if not data.upcoming:
            upcoming.append("No changes adopted. f loads a new rule set from a TOML file.", style="dim")
        self.query_one("#rules-upcoming", Static).update(upcoming)
        self.query_one("#upcoming-title", Label).update(f"UPCOMING CHANGES ({len(data.upcoming)})")

    def _show_staff(self, users: list[StaffAccount]) -> None:
        self.users = users
        zone = self.hall_app.zone
        table = self.query_one("#staff-table", DataTable)
        keep = highlighted_key(table)
        table.clear()
        for u in users:
            status = Text("disabled", style="dim") if u.disabled else Text("active")
            table.add_row(clean(u.name), u.role, status, short_date(u.created, zone),
                          short_date(u.last_login, zone) or "never", key=u.name)
        if keep is not None and keep in table.rows:
            table.move_cursor(row=table.get_row_index(keep))
        active = sum(1 for u in users if not u.disabled)
        self.query_one("#staff-title", Label).update(f"STAFF ACCOUNTS ({active} active of {len(users)})")

    def say(self, message: str) -> None:
        self.query_one("#admin-message", Static).update(Text(self.sentence(message)) if message else "")

    def _saved(self, receipt) -> None:
        self.say(f"{receipt.message} Receipt #{receipt.seq}.")
        self.reload()

    # --- rules ----------------------------------------------------------------------------------

    @flow
    async def action_load_rules(self) -> None:
        """A rules file, from when, urgent or not: checked completely, the changes confirmed, adopted."""
        data = self.rules_data
        days = data.notice_days if data else 0
        earliest = (self.hall_app.store.now() + timedelta(days=days + 1)).astimezone(self.hall_app.zone)
        values = await self.ask(FormDialog("Load a new rule set", [
            Field("path", "Rules file (TOML)", "e.g. rules-2027.toml"),
            Field("effective", "Takes effect (hall time)", "", f"{earliest:%Y-%m-%d} 00:00", kind="moment"),
            Field("urgent", "Urgent: the reason (only for a date inside the notice)", "e.g. court order 2026-31",
                  required=False),
        ], sentence=f"Changes need {days} days' notice unless urgent with a reason. The file is checked "
                    f"completely before anything is written.", dialog_id="rules-dialog"))
        if not values:
            raise Cancelled("Nothing adopted.")
        found = await self.fetch(views.preview_rules_file, self.hall_app.store, values["path"], values["effective"],
                                 values["urgent"])
        changes = found.changes or ("no differences from the rules in force",)
        sentence = found.sentence + "\nWhat changes:\n" + "\n".join(f"  {line}" for line in changes)
        if not await self.ask(ConfirmDialog(Text(clean_block(sentence)), title="Adopt new rules",
                                            confirm_label="Enter to adopt")):
            raise Cancelled("Nothing adopted.")
        self._saved(await self.commit(self.session.set_rules, found.text, found.effective_at, values["urgent"]))

    # --- staff -------------------------------------------------------------------------------------

    def _highlighted_user(self) -> StaffAccount:
        table = self.query_one("#staff-table", DataTable)
        if not table.row_count:
            raise Refused("There is no account to act on.")
        name = highlighted_key(table)
        found = next((u for u in self.users if u.name == name), None)
        if found is None:
            raise Refused("One moment: the accounts are still being read.")
        return found

    async def _new_password(self, title: Text | str, label: str, dialog_id: str, name_field: bool = False) -> dict:
        fields = [Field("name", "User name", "lower-case, e.g. jsmith")] if name_field else []
        values = await self.ask(FormDialog(title, [
            *fields,
            Field("password", label, "", kind="password"),
            Field("again", "The password again", "", kind="password"),
        ], dialog_id=dialog_id))
        if not values:
            raise Cancelled("Nothing saved.")
        if values["password"] != values["again"]:
            raise Refused("The two passwords differ: nothing was saved.")
        return values

    @flow
    async def action_add_user(self) -> None:
        values = await self._new_password("Add a staff account", "Password (at least 8 characters)",
                                          "add-user-dialog", name_field=True)
        name = values["name"]
        role = await self.ask(ChoiceDialog(Text(f"Role for {clean(name)}"), [
            ("dispatcher", "dispatcher: everything operational"),
            ("admin", "admin: also rules, staff accounts, corrections, reinstatements"),
        ], dialog_id="role-dialog"))
        if not role:
            raise Cancelled("Nothing saved.")
        self._saved(await self.commit(self.session.add_user, name, values["password"], role))

    @flow
    async def action_disable_user(self) -> None:
        user = self._highlighted_user()
        if user.disabled:
            raise Refused(f"The account {user.name} is already disabled.")
        if not await self.ask(ConfirmDialog(Text(
                f"Disable the account {clean(user.name)} ({user.role}): it can no longer log in. "
                f"What it recorded stays in the records."), title="Disable account", confirm_label="Enter to disable")):
            raise Cancelled("Nothing changed.")
        self._saved(await self.commit(self.session.disable_user, user.name))

    @flow
    async def action_password(self) -> None:
        user = self._highlighted_user()
        values = await self._new_password(Text(f"New password for {clean(user.name)}"),
                                          "New password (at least 8 characters)", "password-dialog")
        self._saved(await self.commit(self.session.set_password, user.name, values["password"]))
