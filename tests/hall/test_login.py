"""The pinned command line of issue 12: init --admin, login/logout, user add/token/revoke, HALL_TOKEN,
"Log in first", and the same refusal, recorded, at every door (the app, the command line, the kiosk)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from hall.identity import Actor, NotAllowed
from hall.operations import members, selfservice
from hall.operations import rules as rules_ops
from hall.session import Session, log_in
from hall.store import Store
from tests.conftest import ACTOR, ADMIN_NAME, PASSWORD, RULES_TEXT, Hall, SettableClock, local, unchanged

LOG_IN_FIRST = "Log in first: hall login NAME.\n"


def login(cli: Hall, name: str = ADMIN_NAME, password: str = PASSWORD, **kw):
    return cli.invoke("login", name, "--password-stdin", input=password + "\n", **kw)


def test_init_makes_the_first_admin_on_a_new_file_only(tmp_path):
    cli = Hall(tmp_path / "new.db")
    made = cli.invoke("init", "--admin", "boss", "--password-stdin", input="boss-password\n")
    assert made.exit_code == 0 and "hall login boss" in made.stdout
    assert cli.invoke("init", "--admin", "boss", "--password-stdin", input="boss-password\n").exit_code == 1
    assert login(cli, "boss", "boss-password").exit_code == 0
    assert cli.invoke("user", "list", "--json").exit_code == 0


def test_without_a_log_in_every_records_command_says_log_in_first(hall: Hall):
    for command in (["list", "JW-1"], ["member", "show", "1042"], ["audit", "log"], ["user", "list"],
                    ["sign", "1042", "JW-1"], ["migrate"]):
        result = hall.invoke(*command)
        assert (result.exit_code, result.stderr) == (1, "Error: " + LOG_IN_FIRST), command
    for command in (["check"], ["audit", "verify"], ["audit", "head"], ["--version"], ["--help"]):
        assert hall.invoke(*command).exit_code == 0, command


def test_as_and_hall_actor_are_gone(hall: Hall):
    gone = hall.invoke("--as", "maria", "list", "JW-1")
    assert gone.exit_code == 2 and "No such option '--as'" in gone.stderr
    ignored = hall.invoke("list", "JW-1", env={"HALL_ACTOR": ADMIN_NAME})
    assert (ignored.exit_code, ignored.stderr) == (1, "Error: " + LOG_IN_FIRST)


def test_a_session_lives_in_a_0600_file_and_ends_with_logout(hall: Hall):
    assert login(hall).exit_code == 0
    folder = hall.state_dir
    (state,) = folder.iterdir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE(state.stat().st_mode) == 0o600
    secret = json.loads(state.read_text())["secret"]
    conn_text = hall.path.read_bytes()
    assert secret.encode() not in conn_text  # only its hash is in the database
    assert hall.invoke("list", "JW-1").exit_code == 0
    assert "logged out" in hall.invoke("logout").stdout
    assert not list(folder.iterdir())
    assert hall.invoke("list", "JW-1").stderr == "Error: " + LOG_IN_FIRST
    actions = [e["action"] for e in hall.audit()][-2:]
    assert actions == ["user.login", "user.logout"]


def test_a_session_ends_after_the_idle_minutes_and_reading_writes_nothing(hall: Hall):
    assert login(hall, at="2026-11-20 08:00").exit_code == 0
    with unchanged(hall.path):  # a command that only reads leaves the database as it was
        assert hall.invoke("list", "JW-1", at="2026-11-20 08:14").exit_code == 0
        assert hall.invoke("list", "JW-1", at="2026-11-20 08:28").exit_code == 0  # 14 minutes since last use
    ended = hall.invoke("list", "JW-1", at="2026-11-20 08:44")
    assert ended.exit_code == 1
    assert ended.stderr.startswith(f"Error: Log in first: hall login {ADMIN_NAME} (the session ended after 15 minutes")


def test_a_wrong_password_or_unknown_name_is_refused_and_recorded_without_the_text(hall: Hall):
    assert login(hall, ADMIN_NAME, "not-the-password").exit_code == 1
    unknown = login(hall, "hunter2-oops", "whatever")
    assert (unknown.exit_code, unknown.stderr) == (1, "Error: Wrong name or password.\n")
    entries = hall.audit(action="user.login_failed")
    assert entries[-1]["actor"] == "unknown" and entries[-1]["data"] == {"why": "unknown name"}
    assert "hunter2" not in json.dumps(hall.audit())


def test_user_add_token_and_revoke_as_pinned(hall: Hall):
    admin = hall.token(ADMIN_NAME)
    added = hall.invoke("user", "add", "jo", "--role", "jatc", "--password-stdin", input="jo-password\n", token=admin)
    assert added.exit_code == 0
    made = hall.invoke("user", "token", "jo", "--days", "7", "--json", token=admin)
    document = json.loads(made.stdout)
    assert set(document) == {"name", "token", "expires"} and document["name"] == "jo"
    assert document["token"] not in hall.path.read_bytes().decode("latin-1")  # stored only as a hash
    assert hall.invoke("user", "token", "jo", "--days", "3651", token=admin).exit_code == 1
    # JATC staff have no screen yet: they read nothing, but manage their own tokens
    jo = document["token"]
    refused = hall.invoke("list", "JW-1", token=jo)
    assert (refused.exit_code, refused.stderr) == (1, "Error: Only an admin or a dispatcher can read the hall's records.\n")
    assert hall.invoke("user", "token", "jo", "--json", token=jo).exit_code == 0
    assert hall.invoke("user", "token", ADMIN_NAME, token=jo).exit_code == 1
    revoked = hall.invoke("user", "revoke", "jo", token=admin)
    assert revoked.exit_code == 0 and "Revoked 2 tokens" in revoked.stdout
    assert "revoked" in hall.invoke("user", "token", "jo", token=jo).stderr


def test_hall_token_wins_over_a_session_and_empty_means_none(hall: Hall):
    hall.add_user("maria")
    maria = hall.token("maria")
    assert login(hall).exit_code == 0  # the admin's session
    as_maria = hall.invoke("rules", "set", "/dev/null", "--effective", "2027-01-01", token=maria)
    assert as_maria.stderr == "Error: Only an admin can change the rules.\n"
    assert hall.audit(action="access.refused")[-1]["actor"] == "maria"
    assert hall.invoke("user", "list", token="").exit_code == 0  # empty: the session


# --- the same refusal at every door --------------------------------------------------------------


def test_the_same_refusal_is_recorded_at_every_door(hall: Hall):
    """A dispatcher at the command line, a dispatcher in the app and a member at the kiosk all try
    to change the rules: the same sentence, one ``access.refused`` each, and nothing else written."""
    hall.add_user("maria")
    store = Store(hall.path, clock=SettableClock("2026-11-20 08:00"))
    members.add_member(store, "1042", "Ada Lovelace", actor=ACTOR, classes=["JW"])
    members.set_pin(store, "1042", "4821", actor=ACTOR)
    sentence = "Only an admin can change the rules."
    before = hall.audit()[-1]["seq"]

    cli = hall.run("rules", "set", "/dev/null", "--effective", "2027-01-01", actor="maria")
    assert (cli.exit_code, cli.stderr) == (1, f"Error: {sentence}\n")

    session = log_in(store, "maria", hall.passwords["maria"])
    with pytest.raises(NotAllowed) as app:
        session.set_rules(RULES_TEXT, "2027-01-01 00:00")
    with pytest.raises(NotAllowed) as asked:  # the app asks before it opens the rules screen
        session.require("set_rules")

    member = selfservice.identify(store, "1042", "4821")  # the kiosk's door
    with pytest.raises(NotAllowed) as kiosk:
        rules_ops.set_rules(store, RULES_TEXT, local("2027-01-01 00:00"), actor=member)

    assert str(app.value) == str(asked.value) == str(kiosk.value) == sentence
    new = [e for e in hall.audit() if e["seq"] > before]
    refused = [(e["actor"], e["data"]["operation"]) for e in new if e["action"] == "access.refused"]
    assert refused == [("maria", "rules.set_rules")] * 3 + [("member:1042", "rules.set_rules")]
    assert {e["action"] for e in new} - {"access.refused"} <= {"user.login", "user.token_made"}


def test_a_role_carried_in_is_never_trusted(hall: Hall):
    hall.add_user("maria")
    store = Store(hall.path)
    forged = Actor.staff("maria", "admin")  # says admin; the account is a dispatcher
    with pytest.raises(NotAllowed, match="Only an admin"):
        rules_ops.set_rules(store, RULES_TEXT, local("2027-01-01 00:00"), actor=forged)
    with pytest.raises(TypeError):
        members.add_member(store, "1042", "Ada", actor="tester", classes=["JW"])  # never a free-text name
    assert isinstance(Session(store, forged).user, Actor)


def test_the_state_folder_is_private(hall: Hall, tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o777)
    os.chmod(folder, 0o777)
    assert login(hall, env={"HALL_STATE_DIR": str(folder)}).exit_code == 0
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    link = tmp_path / "link"
    link.symlink_to(folder)
    refused = login(hall, env={"HALL_STATE_DIR": str(link)})
    assert refused.exit_code == 1 and "not a folder" in refused.stderr
