"""The board shows the notices' outbox once the hall uses notices: waiting, sent today, failing
with the error; a hall that sends none shows nothing of it."""

from __future__ import annotations

from textual.widgets import Static

from dispatch.ranking import offer_refusal
from hall import load
from hall.clock import fixed
from hall.notices.delivery import deliver
from hall.notices.settings import Settings
from hall.operations.notices import set_notices
from hall.operations.offers import record_offer
from hall.store import Store
from tests.conftest import ADMIN
from tests.screens.conftest import FIXED_NOW, MARIA, login, make_app

SIZE = (140, 40)
NOWHERE = Settings(sms_url="http://127.0.0.1:9/Messages.json", sms_from="+15550009999", quiet=None,
                   timeout_seconds=2.0)  # port 9 (discard) is closed: the gateway cannot be reached


def notices_line(screen) -> Static:
    return screen.query_one("#board-notices", Static)


async def test_the_board_shows_the_outbox_and_the_failing_notice(demo_hall):
    store = Store(demo_hall, clock=fixed(FIXED_NOW))
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, *MARIA)
        assert not notices_line(app.screen).has_class("-shown")  # no notices in this hall yet

    with store.reading() as read:
        call_id = read.db.execute("SELECT min(id) FROM calls WHERE status = 'open'").fetchone()[0]
        ranking, _ = load.ranking_through(read.db, load.job_call(read.db, call_id), read.rules, read.now)
        first = next(c for c in ranking.candidates if offer_refusal(ranking, c.card) is None)
        card, name = first.card, first.name
    set_notices(store, card, "sms", actor=ADMIN)
    record_offer(store, call_id, card, "no_answer", actor=ADMIN)
    result = deliver(store, NOWHERE)
    assert result.failed == 1

    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, *MARIA)
        line = notices_line(app.screen)
        assert line.has_class("-shown")
        text = str(line.render())
        assert text.startswith("Notices: 0 waiting · 0 sent today · 1 failing  ! #1 " + card)
        assert f"{name} (sms): cannot reach the text gateway" in text
