"""Log-in, the first admin account, and the lock screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from hall import session as sessions
from hall.operations import accounts
from hall.session import Session
from screens.text import clean
from screens.widgets.footer import HallFooter
from screens.widgets.header import HallHeader


class AccountScreen(Screen):
    """The frame the log-in, first-admin and lock screens share: the hall's name, the
    screen's own fields, and a line for what went wrong."""

    CSS_PATH = "login.tcss"

    def compose(self) -> ComposeResult:
        yield HallHeader()
        with Vertical(id="login-box"):
            yield Static(clean(self.app.hall_name), id="login-hall")
            yield from self.compose_fields()
            yield Static("", id="login-message")
        yield HallFooter()

    def compose_fields(self) -> ComposeResult:
        """The screen's own labels and inputs."""
        yield from ()


class LoginScreen(AccountScreen):
    """Name and password; Enter logs in."""

    BINDINGS = [
        Binding("ctrl+q", "app.quit", "Quit", id="quit", tooltip="Quit the app"),
    ]

    def compose_fields(self) -> ComposeResult:
        yield Label("Log in")
        yield Input(placeholder="name", id="login-name")
        yield Input(placeholder="password", password=True, id="login-password")

    def on_mount(self) -> None:
        self.query_one("#login-name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "login-name":
            self.query_one("#login-password", Input).focus()
            return
        name = self.query_one("#login-name", Input).value
        password = self.query_one("#login-password", Input).value
        if not name.strip():
            self.query_one("#login-name", Input).focus()
            return
        if not password:  # Enter on an empty password is not an attempt (and not a failure to count)
            self.query_one("#login-password", Input).focus()
            return
        self.query_one("#login-message", Static).update("Checking…")
        self.app.run_write(sessions.log_in, self.app.store, name, password,
                           done=self.app.logged_in, failed=self._failed)

    def _failed(self, message: str) -> None:
        password = self.query_one("#login-password", Input)
        password.value = ""
        password.focus()
        self.query_one("#login-message", Static).update(clean(message))


class FirstAdminScreen(AccountScreen):
    """A new hall has no accounts: create the first admin."""

    BINDINGS = LoginScreen.BINDINGS

    def compose_fields(self) -> ComposeResult:
        yield Label("This hall has no staff accounts yet. Create the first admin account:")
        yield Input(placeholder="admin name (e.g. your first name)", id="admin-name")
        yield Input(placeholder=f"password (at least {accounts.MIN_PASSWORD} characters)", password=True,
                    id="admin-password")
        yield Input(placeholder="the same password again", password=True, id="admin-password2")

    def on_mount(self) -> None:
        self.query_one("#admin-name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        order = ["admin-name", "admin-password", "admin-password2"]
        if event.input.id != order[-1]:
            self.query_one(f"#{order[order.index(event.input.id) + 1]}", Input).focus()
            return
        name = self.query_one("#admin-name", Input).value
        first = self.query_one("#admin-password", Input).value
        second = self.query_one("#admin-password2", Input).value
        message = self.query_one("#login-message", Static)
        if first != second:
            message.update("The two passwords differ: type them again.")
            self.query_one("#admin-password", Input).value = ""
            self.query_one("#admin-password2", Input).value = ""
            self.query_one("#admin-password", Input).focus()
            return
        self.app.run_write(sessions.first_admin, self.app.store, name, first, done=self.app.logged_in,
                           failed=lambda m: message.update(clean(m)))


class LockScreen(AccountScreen):
    """The terminal is locked: the same user's password unlocks; another user may log in instead."""

    BINDINGS = [
        Binding("ctrl+o", "other_user", "Other user", id="other_user",
                tooltip="Log in as someone else (logs out the locked user)"),
    ]

    def compose_fields(self) -> ComposeResult:
        user = self.app.session.user.name if self.app.session else ""
        yield Label(f"Locked · {clean(user)}", id="lock-user")
        yield Input(placeholder="name", id="lock-name", value=user, disabled=True)
        yield Input(placeholder="password", password=True, id="lock-password")

    def on_mount(self) -> None:
        self.query_one("#lock-password", Input).focus()

    def action_other_user(self) -> None:
        name = self.query_one("#lock-name", Input)
        name.disabled = False
        name.value = ""
        name.focus()
        self.query_one("#lock-user", Label).update("Log in as another user (the locked user is logged out)")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "lock-name":
            self.query_one("#lock-password", Input).focus()
            return
        name = self.query_one("#lock-name", Input).value.strip().lower()
        password = self.query_one("#lock-password", Input).value
        if not name:
            self.query_one("#lock-name", Input).focus()
            return
        if not password:
            self.query_one("#lock-password", Input).focus()
            return
        previous = self.app.session
        store = self.app.store

        def unlock() -> Session:
            opened = sessions.log_in(store, name, password)
            if previous is not None and opened.user.name != previous.user.name:
                previous.logout(why=f"replaced by {opened.user.name}")
            return opened

        self.app.run_write(unlock, done=self._unlocked, failed=self._failed)

    def _unlocked(self, opened: Session) -> None:
        previous = self.app.session
        if previous is not None and previous.user.name == opened.user.name:
            self.app.unlocked()
        else:
            self.app.logged_in(opened)

    def _failed(self, message: str) -> None:
        password = self.query_one("#lock-password", Input)
        password.value = ""
        password.focus()
        self.query_one("#login-message", Static).update(clean(message))
