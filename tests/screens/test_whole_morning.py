"""(v2) A whole morning with `bidding.enabled` and `daybook.required`, through all three doors: calls
posted from the command line; bids and sign-ins from the CLI (staff, by phone), the app (the job
board's phoned bid, the Counter's sign-in) and the kiosk (members with their PIN); the deadline
passing; the selection read before anything records it, then recorded once with actor system;
an award refused; the opening left phoned down the list; the log replayed clean."""

from __future__ import annotations

from hall.store import Store
from screens.counter import CounterScreen
from screens.jobboard import ResultsScreen
from screens.kiosk import KioskApp
from tests.conftest import SettableClock, unchanged
from tests.hall.test_morning import add_call, morning_hall
from tests.screens.conftest import make_app, type_text, wait_for_workers
from tests.screens.test_jobboard import at_job_board
from tests.screens.test_kiosk import look_up, message
from tests.screens.test_kiosk_morning import KIOSK_PIN, PIN


async def test_a_whole_morning_through_the_cli_the_app_and_the_kiosk(fresh_hall):
    hall = morning_hall(fresh_hall(KIOSK_PIN))
    hall.add_user("maria")
    # Monday: two calls posted from the command line for Tuesday's 07:00 selection.
    acme = add_call(hall, "Acme Electric", 2, "--wage", "$52.10")
    bolt = add_call(hall, "Bolt Co", 1)
    assert {c["id"] for c in hall.json("call", "list", "--posted")["calls"]} == {int(acme), int(bolt)}
    for card in ("101", "102"):
        hall.ok("member", "pin", card, "--pin-stdin", input=PIN + "\n")

    # The CLI (staff, by phone): Cy signs in for Tuesday and bids on Bolt.
    assert "it counts for Tue 24 Nov" in hall.ok("signin", "103", "--via", "phone", at="2026-11-23 16:00").stdout
    hall.ok("bid", "103", bolt, "--via", "phone", at="2026-11-23 16:05")

    # The app: Di phones in a bid on Acme (job board, b) and is signed in at the Counter (i).
    clock = SettableClock("2026-11-23 16:30")
    app = make_app(hall.path, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await at_job_board(app, pilot, ("maria", hall.passwords["maria"]))
        await pilot.press("b")
        await wait_for_workers(app, pilot)
        await type_text(pilot, "104")
        await pilot.press("enter")
        app.screen.query_one("#field-call").value = acme
        await pilot.press("enter", "enter")
        await wait_for_workers(app, pilot)
        await pilot.press("enter")  # by phone
        await wait_for_workers(app, pilot)
        assert f"Di Dunn (104) bid on call #{acme} as choice 1" in str(app.screen.query_one("#jobboard-status").render())
        await pilot.press("escape")
        await pilot.press("c")
        await wait_for_workers(app, pilot)
        counter = app.screen
        assert isinstance(counter, CounterScreen)
        await type_text(pilot, "104")
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        await pilot.press("i")
        await wait_for_workers(app, pilot)
        await pilot.press("2")  # by phone
        await wait_for_workers(app, pilot)
        assert "Signed in" in str(counter.query_one("#counter-receipt").render())

    # The kiosk: Ada and Ben sign in and bid for themselves with their PIN.
    kiosk = KioskApp(Store(hall.path), clock=SettableClock("2026-11-23 19:00"))
    async with kiosk.run_test(size=(110, 40)) as pilot:
        for card, bids in (("101", [bolt, acme]), ("102", [acme])):
            await look_up(kiosk, pilot, card, PIN)
            await pilot.press("f6", "enter")
            await wait_for_workers(kiosk, pilot)
            assert "it counts for Tue 24 Nov" in message(kiosk)
            for call in bids:
                await pilot.press("f4")
                await type_text(pilot, call)
                await pilot.press("enter", "enter")
                await wait_for_workers(kiosk, pilot)
                assert f"bid on call #{call}" in message(kiosk)
    bidders = {(b["card"], b["via"], b["recorded_by"]) for b in hall.json("bids", acme) + hall.json("bids", bolt)}
    assert bidders == {("103", "phone", "tester"), ("104", "phone", "maria"), ("101", "kiosk", "member:101"),
                       ("102", "kiosk", "member:102")}
    signed = {(e["data"]["card"], e["actor"]) for e in hall.audit(action="member.signed_in")}
    assert signed == {("103", "tester"), ("104", "maria"), ("101", "member:101"), ("102", "member:102")}

    # The deadline passes; a bid after the window is refused. At 07:05 every read shows the selection
    # (Ada: Bolt, her choice 1; Ben and Di: Acme's two openings; Cy: Bolt was full), nothing recorded yet.
    assert "closed at Tue 24 Nov 06:30" in hall.fails("bid", "101", acme, "--withdraw", at="2026-11-24 06:31").stderr
    with unchanged(hall.path):
        ranked = hall.json("call", "rank", acme, at="2026-11-24 07:05")
        accepted = {c["card"]: c.get("choice") for c in ranked["candidates"] if c.get("outcome") == "accepted"}
        assert accepted == {"102": 1, "104": 1}
        assert hall.audit(action="selection.award") == []
    # The app opens: its first write records the selection once, actor system.
    clock = SettableClock("2026-11-24 07:06")
    app = make_app(hall.path, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await at_job_board(app, pilot, ("maria", hall.passwords["maria"]))
        await pilot.press("s")
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, ResultsScreen)
        assert "3 awarded · 0 opening(s) left" in str(app.screen.query_one("#results-title").render())
    awards = hall.audit(action="selection.award")
    assert sorted((e["actor"], e["data"]["card"], e["data"]["call"]) for e in awards) == [
        ("system", "101", int(bolt)), ("system", "102", int(acme)), ("system", "104", int(acme))]
    bolt_bidders = next(e for e in awards if e["data"]["call"] == int(bolt))["data"]["bidders"]
    assert [(b["card"], b["awarded"]) for b in bolt_bidders] == [("101", True), ("103", False)]
    assert "was full when reached" in bolt_bidders[1]["text"]

    # Ben refuses the award: a turndown, Acme's opening reopens; it is phoned: Cy is next and accepts.
    hall.ok("referral", acme, "102", "award_declined", at="2026-11-24 07:20")
    [declined] = hall.audit(action="referral.award_declined")
    assert (declined["actor"], declined["data"]["card"], declined["data"]["call_status"]) == ("tester", "102", "open")
    rank = hall.json("call", "rank", acme, at="2026-11-24 07:25")
    waiting = [c["card"] for c in rank["candidates"] if c.get("eligible") and not c.get("outcome")]
    assert waiting[0] == "103"
    assert "accepted" in hall.ok("offer", acme, "103", "accepted", at="2026-11-24 07:30").stdout
    assert hall.json("call", "list", "--posted")["calls"] == []
    assert len(hall.audit(action="selection.award")) == 3  # recorded once, whatever wrote after
    assert len(hall.audit(action="selection.recorded")) == 1
    replay = hall.run("audit", "replay", at="2026-11-24 08:00")
    assert replay.exit_code == 0, replay.output
