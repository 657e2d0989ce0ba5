"""The referral rules of a hiring hall, as pure functions over plain data.

Nothing here reads a clock, a file or a database: ``now`` is always a parameter.

Where each rule of referral-rules.md lives:

- ``model``: the frozen data (members, books, registrations, calls, requests of every
  kind, excused absences, hours records, bids, sign-ins, qualifications; what the rules
  return: candidates, rankings, effects).
- ``rules`` (with ``rules_sections`` and ``rules_fields``): the rule set file: defaults,
  validation, TOML round trip, change notices.
- ``calendar``: zone, business days, closing time, re-sign deadlines (window months,
  excused absences).
- ``calls``: short or regular (by days or hours), a call's expected end, calls whose
  declines never count.
- ``reasons`` / ``eligibility``: the reason codes, their sentences, one check per code.
- ``ranking``: list order, positions, honoured requests, short-call rotation, strict offers.
- ``requests``: which requests (name, foreman, recall, steward, jatc) are refused and why.
- ``turndowns`` / ``transitions``: what an outcome, an award refused, a job end, a
  re-sign or a reversal does to a member's registrations.
- ``registration``: one book per classification, qualifications, moves, window re-signs.
- ``hours``: a member's hours for the period (low-hours boards).
- ``release``: the exhausted list's business-hours clock.
- ``apprentices``: the ratio, assignments by the committee, hours by category.
- ``daybook``, ``bidding``, ``selection``: the morning dispatch (sign-ins, posting,
  bids, the selection's awards).
"""
