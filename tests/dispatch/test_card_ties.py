"""Ties and card order: "Same registered_at to the second: cards compare as numbers when both
are all digits, otherwise as text." Applicant IDs such as "A10" sort after "9" as text, and
"9" comes before "10" (both all digits: as numbers).

A card that starts with a digit but is not all digits ("10A") makes the written rule cyclic
("9" < "10" < "10A" < "9"), and a ranking must not depend on the order of its input: such a
card is placed after the all-digit cards (see dispatch.ranking.card_key)."""

from dispatch.ranking import book_order, rank
from tests.dispatch.helpers import RULES, call, context, local, member, reg

AT = local(2026, 11, 1, 8)


def test_mixed_cards_at_the_same_second_compare_as_text():
    regs = [reg("A10", "JW-1", AT, id=1), reg("9", "JW-1", AT, id=2), reg("-7", "JW-1", AT, id=3)]
    order = [r.card for r in book_order(regs, RULES, RULES.book("JW-1"))]
    assert order == ["-7", "9", "A10"] == sorted(["A10", "9", "-7"])
    ranking = rank(call(), regs, context([member("9"), member("A10"), member("-7")]))
    assert [c.card for c in ranking.candidates] == ["-7", "9", "A10"]
    assert [c.position for c in ranking.candidates] == [1, 2, 3]


def test_a_cyclic_tie_still_ranks_the_same_whatever_the_input_order():
    cards = ["9", "10", "10A"]
    orders = set()
    for shift in range(3):
        regs = [reg(c, "JW-1", AT, id=i + 1) for i, c in enumerate(cards[shift:] + cards[:shift])]
        orders.add(tuple(r.card for r in book_order(regs, RULES, RULES.book("JW-1"))))
    assert orders == {("9", "10", "10A")}


def test_all_digit_cards_at_the_same_second_compare_as_numbers():
    regs = [reg("10", "JW-1", AT, id=1), reg("9", "JW-1", AT, id=2)]
    assert [r.card for r in book_order(regs, RULES, RULES.book("JW-1"))] == ["9", "10"]
    ranking = rank(call(), regs, context([member("9"), member("10")]))
    assert [c.card for c in ranking.candidates] == ["9", "10"]


def test_text_cards_at_the_same_second_compare_as_text():
    regs = [reg("A9", "JW-1", AT, id=1), reg("A10", "JW-1", AT, id=2), reg("1-5", "JW-1", AT, id=3)]
    assert [r.card for r in book_order(regs, RULES, RULES.book("JW-1"))] == ["1-5", "A10", "A9"]
