"""Log-in, the first admin, lockout after failed log-ins, the idle lock, roles, and who a write is by."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from textual.widgets import Input, Static

from hall.errors import HallError
from hall.identity import Actor
from hall.operations import accounts
from hall.session import NotAllowed, Session
from hall.store import Store
from screens.board import BoardScreen
from screens.login import FirstAdminScreen, LockScreen, LoginScreen
from tests.screens.conftest import (
    DWAYNE,
    FIXED_NOW,
    MARIA,
    audit_actions,
    audit_head,
    login,
    make_app,
    type_text,
    wait_for_workers,
)
from tests.conftest import ACTOR, ADMIN as ADMIN_ACTOR, new_hall

SIZE = (120, 36)


def message(app) -> str:
    return str(app.screen.query_one("#login-message", Static).render())


# --- first run -------------------------------------------------------------------------------


async def test_first_run_asks_for_the_admin_account_then_opens_the_board(empty_hall):
    app = make_app(empty_hall)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, FirstAdminScreen)
        # Two different passwords: refused, nothing created.
        await type_text(pilot, "ada")
        await pilot.press("enter")
        await type_text(pilot, "first-secret")
        await pilot.press("enter")
        await type_text(pilot, "other-secret")
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, FirstAdminScreen)
        assert "differ" in message(app)
        assert not accounts.has_users(Store(empty_hall))
        # The cursor is back on the first password, both cleared.
        assert app.focused.id == "admin-password"
        await type_text(pilot, "first-secret")
        await pilot.press("enter")
        await type_text(pilot, "first-secret")
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, BoardScreen)
        assert app.session.user == Actor.staff("ada", "admin")

    actions = [(e["actor"], e["action"], e["data"].get("role")) for e in audit_actions(empty_hall)[-2:]]
    assert actions == [("ada", "user.added", "admin"), ("ada", "user.login", None)]
    assert accounts.list_users(Store(empty_hall))[0]["role"] == "admin"


async def test_a_short_first_admin_password_is_refused_with_a_sentence(empty_hall):
    app = make_app(empty_hall)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for text in ("ada", "short", "short"):
            await type_text(pilot, text)
            await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, FirstAdminScreen)
        assert "at least 8 characters" in message(app)
    assert not accounts.has_users(Store(empty_hall))


# --- log in ----------------------------------------------------------------------------------


async def test_log_in_opens_the_board_and_is_audited(demo_hall):
    before = audit_head(demo_hall)
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_workers(app, pilot)  # the hall is read in a worker first
        assert isinstance(app.screen, LoginScreen)
        await login(pilot, app, *MARIA)
        assert isinstance(app.screen, BoardScreen)
        assert app.session.user == Actor.staff("maria", "dispatcher")
        # Only the board is on the stack above the default screen: esc cannot go back to the log-in.
        assert not any(isinstance(s, LoginScreen) for s in app.screen_stack)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
    new = audit_actions(demo_hall, after_seq=before)
    assert [(e["actor"], e["action"]) for e in new][:1] == [("maria", "user.login")]
    assert new[0]["at"] == "2026-11-26T13:30:00Z"


async def test_names_are_not_case_sensitive(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, "Maria", MARIA[1])
        assert app.session.user.name == "maria"


async def test_a_wrong_password_says_so_and_is_audited(demo_hall):
    before = audit_head(demo_hall)
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, "maria", "not-her-password")
        assert isinstance(app.screen, LoginScreen)
        assert app.session is None
        assert message(app) == "Wrong name or password."
        password = app.screen.query_one("#login-password", Input)
        assert password.value == "" and app.focused is password
        # Unknown names get the same answer (no hint which half was wrong).
        await login(pilot, app, "nobody", "whatever-it-is")
        assert message(app) == "Wrong name or password."
    # The name typed is recorded only when it is an account's (people type passwords into name fields).
    new = audit_actions(demo_hall, after_seq=before)
    assert [(e["actor"], e["action"], e["data"]) for e in new] == [
        ("maria", "user.login_failed", {"user": "maria", "why": "wrong password",
                                        "writes": [["update", "users", "maria", {"failed_logins": 1}]]}),
        ("unknown", "user.login_failed", {"why": "unknown name"})]
    assert "nobody" not in str(new) and "whatever-it-is" not in str(new)


async def test_enter_on_an_empty_password_is_not_an_attempt(demo_hall):
    before = audit_head(demo_hall)
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "maria")
        await pilot.press("enter", "enter")
        await wait_for_workers(app, pilot)
        assert app.focused.id == "login-password"
        assert message(app) == ""
        await type_text(pilot, MARIA[1])
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, BoardScreen)
    assert [e["action"] for e in audit_actions(demo_hall, after_seq=before)] == ["user.login"]


async def test_five_failures_in_a_row_lock_the_name_for_a_minute(demo_hall, clock):
    before = audit_head(demo_hall)
    app = make_app(demo_hall, clock)
    async with app.run_test(size=SIZE) as pilot:
        for n in range(5):
            await login(pilot, app, "maria", f"wrong-{n}-guess")
            assert message(app) == "Wrong name or password."
        # The sixth try, with the right password, is refused while the name is locked.
        clock.advance(seconds=30)
        await login(pilot, app, *MARIA)
        assert isinstance(app.screen, LoginScreen)
        assert "Too many failed log-ins for maria" in message(app)
        assert "31 seconds" in message(app)
        # Another name is not locked.
        await login(pilot, app, *DWAYNE)
        assert app.session.user.name == "dwayne"
    new = [e["action"] for e in audit_actions(demo_hall, after_seq=before)]
    assert new == ["user.login_failed"] * 5 + ["user.login_refused", "user.login"]

    # After the lockout, the right password works again.
    clock.advance(seconds=31)
    app = make_app(demo_hall, clock)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, *MARIA)
        assert isinstance(app.screen, BoardScreen)
        assert app.session.user.name == "maria"


def test_a_success_resets_the_count_of_failures(demo_hall, clock):
    store = Store(demo_hall, clock=clock)
    for _ in range(2):
        for n in range(4):
            with pytest.raises(HallError, match="Wrong name or password"):
                accounts.login(store, "maria", f"wrong-{n}-guess")
        assert accounts.login(store, *MARIA).name == "maria"


async def test_lockout_follows_the_rules(tmp_path, clock):
    """failed_logins and lockout_seconds come from the rule set in force."""
    path = tmp_path / "strict.db"
    rules = ('[hall]\nname = "Strict Local"\ntimezone = "America/Chicago"\n'
             "[security]\nfailed_logins = 2\nlockout_seconds = 10\n")
    new_hall(path, rules, at=FIXED_NOW - timedelta(days=1))
    accounts.add_user(Store(path), "ada", "ada-secret", "admin", actor=ACTOR)
    app = make_app(path, clock)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, "ada", "wrong-one")
        await login(pilot, app, "ada", "wrong-two")
        await login(pilot, app, "ada", "ada-secret")
        assert "try again in 11 seconds" in message(app)
        clock.advance(seconds=11)
        await login(pilot, app, "ada", "ada-secret")
        assert isinstance(app.screen, BoardScreen)


async def test_a_disabled_account_cannot_log_in(demo_hall):
    accounts.disable_user(Store(demo_hall), "dwayne", actor=ADMIN_ACTOR)
    before = audit_head(demo_hall)
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, *DWAYNE)
        assert isinstance(app.screen, LoginScreen)
        assert app.session is None
        assert message(app) == "The account dwayne is disabled."
    (entry,) = audit_actions(demo_hall, after_seq=before)
    assert entry["action"] == "user.login_failed" and entry["data"]["why"] == "disabled"


# --- the lock ------------------------------------------------------------------------------


def idle_for(app, minutes: float) -> None:
    app.last_activity = time.monotonic() - minutes * 60


async def test_idle_lock_after_the_rules_minutes_and_the_same_password_unlocks(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, *MARIA)
        assert app.rules.security.idle_lock_minutes == 5
        idle_for(app, 4.9)
        app._check_idle()
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        idle_for(app, 5.1)
        app._check_idle()
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        # A wrong password keeps it locked.
        await type_text(pilot, "not-the-one")
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, LockScreen)
        assert message(app) == "Wrong name or password."
        # The same user's password unlocks, back where she was.
        await type_text(pilot, MARIA[1])
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, BoardScreen)
        assert app.session.user.name == "maria"
        # A key press counts as activity: the idle clock starts again.
        assert time.monotonic() - app.last_activity < 60


async def test_key_presses_keep_the_terminal_unlocked(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, *MARIA)
        idle_for(app, 5.1)
        await pilot.press("down")
        app._check_idle()
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)


async def test_ctrl_l_locks_now(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, *MARIA)
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        lock_user = str(app.screen.query_one("#lock-user").render())
        assert "maria" in lock_user
        # Navigation keys are ignored while locked (they only type into the password).
        app.action_lists()
        app.action_board()
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)


async def test_another_user_logs_in_instead_and_the_first_is_logged_out(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, *MARIA)
        before = audit_head(demo_hall)
        await pilot.press("ctrl+l")
        await pilot.pause()
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert app.focused.id == "lock-name"
        await type_text(pilot, "dwayne")
        await pilot.press("enter")
        await type_text(pilot, DWAYNE[1])
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, BoardScreen)
        assert app.session.user == Actor.staff("dwayne", "dispatcher")
        assert not any(isinstance(s, LockScreen) for s in app.screen_stack)
    new = audit_actions(demo_hall, after_seq=before)
    first = [(e["actor"], e["action"], e["data"].get("why")) for e in new[:2]]
    assert first == [("dwayne", "user.login", None), ("maria", "user.logout", "replaced by dwayne")]
    assert new[2:] == []


async def test_quit_logs_out(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, *MARIA)
        before = audit_head(demo_hall)
        await pilot.press("ctrl+q")
        await pilot.pause()
    new = audit_actions(demo_hall, after_seq=before)
    assert [(e["actor"], e["action"], e["data"]["why"]) for e in new] == [("maria", "user.logout", "logout")]


# --- who writes, and what a role may do --------------------------------------------------


async def test_a_write_from_the_app_records_the_logged_in_user(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, *DWAYNE)
        before = audit_head(demo_hall)
        receipts = []
        app.run_write(app.session.sign, "1008", "JW-1", done=receipts.append)
        await wait_for_workers(app, pilot)
        assert receipts and receipts[0].seq > before
    (entry,) = [e for e in audit_actions(demo_hall, after_seq=before) if e["data"].get("card") == "1008"]
    assert entry["actor"] == "dwayne"
    assert entry["at"] == "2026-11-26T13:30:00Z"


async def test_a_refused_write_is_one_notification_and_writes_nothing(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, *MARIA)
        before = audit_head(demo_hall)
        failures = []
        app.run_write(app.session.add_user, "eve", "eve-secret", "admin", failed=failures.append)
        await wait_for_workers(app, pilot)
        assert failures == ["Only an admin can add staff accounts."]
        assert [n.message for n in app._notifications] == failures
        assert isinstance(app.screen, BoardScreen)
    # Its only write: who tried what.
    (refused,) = audit_actions(demo_hall, after_seq=before)
    assert (refused["actor"], refused["action"], refused["data"]["operation"]) == (
        "maria", "access.refused", "accounts.add_user")
    assert "eve" not in [u["name"] for u in accounts.list_users(Store(demo_hall))]


def test_only_an_admin_changes_rules_accounts_and_reinstates(demo_hall):
    store = Store(demo_hall, clock=lambda: FIXED_NOW)
    dispatcher = Session(store, accounts.login(store, *MARIA))
    before = audit_head(demo_hall)
    with pytest.raises(NotAllowed):
        dispatcher.reinstate("1042", "appeal granted")
    with pytest.raises(NotAllowed):
        dispatcher.set_rules('[hall]\nname = "X"\n', "2026-12-01")
    with pytest.raises(NotAllowed):
        dispatcher.add_user("eve", "eve-secret", "dispatcher")
    with pytest.raises(NotAllowed):
        dispatcher.disable_user("dwayne")
    with pytest.raises(NotAllowed):
        dispatcher.set_password("dwayne", "new-secret-1")
    assert [e["action"] for e in audit_actions(demo_hall, after_seq=before)] == ["access.refused"] * 5
    # Her own password she may change.
    dispatcher.set_password("maria", "new-secret-1")

    admin = Session(store, accounts.login(store, "admin", "admin999"))
    admin.add_user("eve", "eve-secret", "dispatcher")
    entry = audit_actions(demo_hall, action="user.added")[-1]
    assert (entry["actor"], entry["data"]["user"]) == ("admin", "eve")
