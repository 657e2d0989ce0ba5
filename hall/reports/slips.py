"""Referral slips: a plain-text slip for each member referred to a call, to hand over or print."""

from __future__ import annotations

from pathlib import Path

from dispatch import calendar
from dispatch.calls import expected_end
from hall import load
from hall.errors import HallError
from hall.queries.calls import call_info


def write_slips(store, call_id: int, folder: str | Path = "slips") -> list[Path]:
    """A plain-text referral slip for each accepted referral of the call, one file each
    (``call-41-card-104.txt``) in ``folder`` (created if missing). Returns the paths."""
    with store.reading() as read:
        db, rules = read.db, read.rules
        job = load.job_call(db, int(call_id))
        info = call_info(db, job.id)
        requests = {r.card: r.reason for r in job.name_requests}
        referrals = db.execute(
            "SELECT r.card, m.name, r.basis, r.at, r.recorded_by, r.audit_seq, r.short_call"
            " FROM referrals r JOIN members m ON m.card = r.card"
            " WHERE r.call_id = ? AND r.status != 'reversed' ORDER BY r.id", [job.id]
        ).fetchall()
    if not referrals:
        raise HallError(f"Call #{job.id} has no accepted referrals yet: there is no slip to write.")
    zone = rules.zone
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise HallError(f"Cannot create the slips folder {folder}: {error.strerror or error}.") from None
    paths = []
    for card, name, basis, at, by, seq, short in referrals:
        if basis == "name_request":
            basis_text = f"name request: {requests.get(card, '')}".rstrip(": ")
        else:
            basis_text = basis.replace("_", " ")
        lines = [
            f"{rules.hall.name} · REFERRAL SLIP",
            "",
            f"Call          #{job.id}",
            f"Member        {name}",
            f"Card          {card}",
            f"Employer      {job.employer}",
            f"Site          {job.site or info.get('site') or '—'}",
            f"Report        {calendar.local(job.start, rules):%a %d %b %Y %H:%M} ({zone.key})",
            f"Class         {job.classification}, {job.duration_days} working days"
            + (f" (short call until {expected_end(job, rules):%a %d %b %Y})" if short else ""),
            f"Basis         {basis_text}",
            f"Referred      {calendar.local(load.parse_time(at), rules):%a %d %b %Y %H:%M}",
            f"Dispatcher    {by}",
            f"Receipt       audit #{seq}",
            "",
        ]
        path = folder / f"call-{job.id}-card-{card}.txt"
        try:
            path.write_text("\n".join(lines), encoding="utf-8")
        except OSError as error:
            raise HallError(f"Cannot write {path}: {error.strerror or error}.") from None
        paths.append(path)
    return paths
