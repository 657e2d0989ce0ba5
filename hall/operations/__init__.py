"""Operations: each one BEGIN IMMEDIATE transaction that validates, writes and audits.

An operation opens ``store.write(actor)``, checks everything first (a refusal raises
``HallError`` and writes nothing), writes with ``tx.insert``/``tx.update``/``tx.delete``
and ends with ``tx.record(action, subject, data)``: the entry holds every row it wrote
(see ``hall.changes`` and the README's "How an operation writes").
"""
