"""Notices (v2): telling members, by email or text, before they lose their place.

- ``outbox``: ``queue`` writes a notice in the same transaction as the event that causes
  it (through ``Tx.insert``: the outbox is replayed, so the log says who was told what),
  for members who asked, once each (``card``, ``kind``, ``ref`` is unique).
- ``messages``: what each kind of notice says.
- ``due``: notices that fall due at a moment (re-sign due soon, the window opening),
  recorded like re-sign removals: by the next write or by ``hall notify run``.
- ``settings``, ``channels``, ``delivery``: ``hall notify run`` sends what is due by SMTP
  or a text gateway, records each attempt, retries failures with backoff, holds texts in
  quiet hours and never sends a notice twice.
- ``replies``: a text reply of STOP, from the gateway's callback, turns texts off.
"""
