"""What the kiosk reads for a member: "you were Nth" counts waiting members only."""

from __future__ import annotations

from hall.store import Store
from hall.views.kiosk import member_view
from tests.hall.conftest import Hall, local


def test_you_were_nth_counts_only_waiting_members(hall: Hall):
    for card, name in (("1000", "Ada Archer"), ("1001", "Ben Baker"), ("1002", "Cy Cole")):
        hall.ok("member", "add", card, "--name", name, "--class", "JW", at="2026-11-02 09:00")
        hall.ok("sign", card, "JW-1", at=f"2026-11-02 10:0{card[-1]}")
    hall.ok("employer", "add", "Bolt Co", at="2026-11-19 08:00")
    short = hall.json("call", "add", "--employer", "Bolt Co", "--class", "JW", "--workers", "1",
                      "--start", "2026-11-20 07:00", "--days", "5", at="2026-11-19 09:00")["id"]
    hall.ok("offer", short, "1000", "accepted", at="2026-11-19 09:05")
    regular = hall.json("call", "add", "--employer", "Bolt Co", "--class", "JW", "--workers", "1",
                        "--start", "2026-11-23 07:00", "--days", "30", at="2026-11-20 08:00")["id"]
    # Ada, on the short call, is listed first with no position; Ben is 1st, Cy 2nd.
    ranked = hall.json("call", "rank", str(regular), at="2026-11-20 08:01")["candidates"]
    assert [(c["card"], c["position"]) for c in ranked] == [("1000", None), ("1001", 1), ("1002", 2)]
    hall.ok("offer", regular, "1001", "declined", at="2026-11-20 08:05")
    hall.ok("offer", regular, "1002", "accepted", at="2026-11-20 08:10")

    store = Store(hall.path, lambda: local("2026-11-20 09:00"))
    _, rules = store.rules()

    def place(card: str) -> int | None:
        with store.read_only() as db:
            view = member_view(db, card, rules, store.now())
        return next(p.place for p in view.past_calls if p.call == regular)

    assert place("1001") == 1
    assert place("1002") == 2
    assert place("1000") is None  # passed over on the short call: no place in line
