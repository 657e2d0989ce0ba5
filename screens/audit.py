"""The audit log: newest first, a page at a time, filtered by card, call, actor and action;
the highlighted entry in full (with the rows it wrote); ``v`` verifies the hash chain, then
replays the log to check the records, in a worker with a progress bar."""

from __future__ import annotations

from datetime import datetime

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Input, Label, ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from hall.changes import write_text
from hall.views import audit as audit_view
from hall.views.audit import AuditPage
from screens.base import HallScreen
from screens.text import clean, fit, short_date
from screens.widgets.tables import highlighted_key

MORE_WHEN_WITHIN = 20  # rows from the bottom: load the next page
FILTERS = ("card", "call", "actor", "action")
SIDE_BY_SIDE = 150  # narrower: the entry in full goes below the list
WRITES_SHOWN = 40  # an import writes thousands of rows: the first ones, and how many more
WITH_ACTOR = 100  # narrower: the actor column gives way (the entry below names it)


def _moment(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None


def summary(entry: dict) -> str:
    """One line about an entry's data: the member, the call, the outcome or book."""
    data = entry.get("data") or {}
    parts = []
    if data.get("card"):
        parts.append(f"card {data['card']}")
    if data.get("call") is not None:
        parts.append(f"call #{data['call']}")
    for key in ("outcome", "book", "reason", "employer_name", "employer", "name"):
        value = data.get(key)
        if value and isinstance(value, (str, int)):
            parts.append(str(value))
            break
    if isinstance(data.get("books"), list) and data["books"]:
        parts.append(", ".join(map(str, data["books"])))
    return " · ".join(parts)


def _value(value) -> str:
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def entry_detail(entry: dict, zone) -> Group:
    """The entry as key: value lines, the ranking snapshot of an offer as a small table."""
    parts: list = []
    head = Table.grid(padding=(0, 1))
    head.add_column(style="bold", no_wrap=True)
    head.add_column(overflow="fold")
    moment = _moment(entry["at"])
    head.add_row("entry", f"#{entry['seq']}")
    head.add_row("at", f"{short_date(moment, zone)}  ({entry['at']})" if moment else clean(entry["at"]))
    head.add_row("actor", clean(entry["actor"]))
    head.add_row("action", clean(entry["action"]))
    head.add_row("subject", clean(entry["subject"]))
    head.add_row("rule set", _value(entry.get("ruleset")))
    parts.append(head)
    data = dict(entry.get("data") or {})
    snapshot = data.pop("snapshot", None)
    registrations = data.pop("registrations", None)
    writes = data.pop("writes", None)
    body = Table.grid(padding=(0, 2))
    body.add_column(style="bold", no_wrap=True)
    body.add_column(overflow="fold")
    for key in sorted(data):
        body.add_row(clean(key), clean(_value(data[key])))
    if data:
        parts.append(Text(""))
        parts.append(Text("data", style="bold underline"))
        parts.append(body)
    if isinstance(registrations, list) and registrations:
        parts.append(Text(""))
        parts.append(Text("registrations after", style="bold underline"))
        regs = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
        for column in ("id", "status", "turndowns", "registered_at"):
            regs.add_column(column, overflow="fold")
        for r in registrations:
            regs.add_row(*(clean(_value(r.get(c))) for c in ("id", "status", "turndowns", "registered_at")))
        parts.append(regs)
    if isinstance(writes, list) and writes:
        parts.append(Text(""))
        parts.append(Text(f"rows written ({len(writes):,})", style="bold underline"))
        for write in writes[:WRITES_SHOWN]:
            try:
                parts.append(Text(clean(write_text(write)), style="dim"))
            except (IndexError, KeyError, TypeError, AttributeError):
                parts.append(Text(clean(_value(write)), style="dim"))
        if len(writes) > WRITES_SHOWN:
            parts.append(Text(f"… and {len(writes) - WRITES_SHOWN:,} more", style="dim"))
    if isinstance(snapshot, list) and snapshot:
        parts.append(Text(""))
        parts.append(Text("ranking when offered", style="bold underline"))
        for i, row in enumerate(snapshot, start=1):
            if row.get("reasons"):
                standing = "passed over: " + "; ".join(clean(r.get("text", r.get("code", ""))) for r in row["reasons"])
            elif row.get("outcome"):
                standing = clean(row["outcome"])
            else:
                standing = "eligible"
            if row.get("name_request"):
                standing = "name request · " + standing
            line = Text(f"{i:>3} ", style="dim")
            line.append(f"{clean(row.get('card')):<6}", style="bold")
            line.append(f"{fit(clean(row.get('name')), 20):<21}")
            line.append(f"{clean(row.get('book'))}·{_value(row.get('position')) or '—'}")
            parts.append(line)
            parts.append(Text(f"      {standing}", style="dim" if row.get("reasons") else ""))
    return Group(*parts)


class AuditScreen(HallScreen):
    """The audit log and its verification."""

    CSS_PATH = "audit.tcss"
    SCREEN_TITLE = "Audit"
    HORIZONTAL_BREAKPOINTS = [(0, "-stacked"), (SIDE_BY_SIDE, "-side")]
    BINDINGS = [
        Binding("v", "verify", "Verify", id="audit_verify",
                tooltip="Recompute the whole hash chain, then rebuild the records from the log"),
        Binding("slash", "filter", "Filter", id="audit_filter", tooltip="Filter by card, call, actor or action"),
        Binding("escape", "back", "Back", id="back", tooltip="Stop verifying, or go back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[int, dict] = {}
        self.oldest: int | None = None
        self.more = False
        self.loading_more = False
        self.verifier: Worker | None = None
        self._side: bool | None = None
        self._actor: bool | None = None
        self._about = 0

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Horizontal(id="audit-filters"):
            yield Label("Filter", classes="filter-label")
            yield Input(placeholder="card", id="filter-card", max_length=20)
            yield Input(placeholder="call #", id="filter-call", max_length=10)
            yield Input(placeholder="actor", id="filter-actor", max_length=40)
            yield Input(placeholder="action", id="filter-action", max_length=60,
                        tooltip="An action (offer.recorded) or its subject (offer)")
        with Horizontal(id="audit-body"):
            with Vertical(id="audit-list"):
                yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="audit-count")
            with VerticalScroll(id="audit-detail"):
                yield Static("", id="audit-entry")
        with Horizontal(id="audit-verify"):
            yield Static("Press v to verify the hash chain and replay the log.", id="verify-status")
            yield ProgressBar(id="verify-progress", show_eta=False)
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self._set_columns(self.size.width or SIDE_BY_SIDE)
        self.query_one("#verify-progress", ProgressBar).display = False
        self.query_one("#audit-table", DataTable).focus()
        self.reload()

    def on_resize(self, event) -> None:
        table = self.query_one("#audit-table", DataTable)
        keep = highlighted_key(table)
        if self._set_columns(event.size.width) and self.entries:
            self._refill(keep)

    def _set_columns(self, width: int) -> bool:
        """The list's columns for the width: "about" takes what is left (side by side, the list has
        55% of the width; stacked, all of it less the actor)."""
        side = width >= SIDE_BY_SIDE
        fixed = {"seq": 7, "at": 16, "actor": 8, "action": 22} if width >= WITH_ACTOR else \
            {"seq": 7, "at": 12, "action": 22}
        room = (width * 55 // 100 if side else width) - 2 - 2  # padding, scrollbar
        about = max(room - sum(w + 2 for w in fixed.values()) - 2, 12)
        if (side, about, "actor" in fixed) == (self._side, self._about, self._actor):
            return False
        self._side, self._about, self._actor = side, about, "actor" in fixed
        table = self.query_one("#audit-table", DataTable)
        table.clear(columns=True)
        for key, size in fixed.items():
            table.add_column({"seq": "entry"}.get(key, key), key=key, width=size)
        table.add_column("about", key="about", width=about)
        return True

    def _cells(self, entry: dict) -> list:
        zone = self.hall_app.zone
        moment = _moment(entry["at"])
        at = short_date(moment, zone) if self._actor else (f"{moment.astimezone(zone):%d %b %H:%M}" if moment else "")
        cells = [f"#{entry['seq']}", at]
        if self._actor:
            cells.append(fit(clean(entry["actor"]), 8))
        return [*cells, fit(clean(entry["action"]), 22), fit(clean(summary(entry)), self._about)]

    def _refill(self, keep: str | None) -> None:
        table = self.query_one("#audit-table", DataTable)
        table.clear()
        for seq in sorted(self.entries, reverse=True):
            table.add_row(*self._cells(self.entries[seq]), key=str(seq))
        if keep is not None and keep in table.rows:
            table.move_cursor(row=table.get_row_index(keep))

    # --- reading ------------------------------------------------------------------

    def filters(self) -> dict:
        return {name: self.query_one(f"#filter-{name}", Input).value for name in FILTERS}

    def reload(self) -> None:
        if self.session is None:
            return
        self.load(audit_view.page, self.hall_app.store, **self.filters(), done=self._show_first)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id and event.input.id.startswith("filter-"):
            self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#audit-table", DataTable).focus()

    def _show_first(self, page: AuditPage) -> None:
        table = self.query_one("#audit-table", DataTable)
        keep = None
        if table.row_count:
            keep = highlighted_key(table)
        table.clear()
        self.entries.clear()
        self.oldest = None
        self._add(page)
        if keep is not None and keep in table.rows:
            table.move_cursor(row=table.get_row_index(keep))
        self._show_detail()

    def _add(self, page: AuditPage) -> None:
        table = self.query_one("#audit-table", DataTable)
        for entry in page.entries:
            seq = entry["seq"]
            if seq in self.entries:
                continue
            self.entries[seq] = entry
            table.add_row(*self._cells(entry), key=str(seq))
            self.oldest = seq
        self.more = page.more
        self.loading_more = False
        count = self.query_one("#audit-count", Static)
        if page.problem:
            count.update(Text(clean(page.problem)))
        elif not self.entries:
            count.update("No entries match.")
        else:
            newest = max(self.entries)
            tail = " · more below" if self.more else " · the oldest matching entry is the last"
            count.update(f"{len(self.entries):,} shown, #{newest} to #{self.oldest}{tail}")

    def _load_more(self) -> None:
        if not self.more or self.loading_more or self.oldest is None:
            return
        self.loading_more = True
        self.load(audit_view.page, self.hall_app.store, **self.filters(), before_seq=self.oldest,
                  done=self._add, group=f"audit-more-{id(self)}")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()
        table = event.data_table
        if table.row_count - event.cursor_row <= MORE_WHEN_WITHIN:
            self._load_more()

    def _show_detail(self) -> None:
        table = self.query_one("#audit-table", DataTable)
        widget = self.query_one("#audit-entry", Static)
        key = highlighted_key(table)
        if key is None:
            widget.update("")
            return
        entry = self.entries.get(int(key))
        widget.update(entry_detail(entry, self.hall_app.zone) if entry else "")

    def action_filter(self) -> None:
        self.query_one("#filter-card", Input).focus()

    # --- verifying -----------------------------------------------------------------

    @property
    def verifying(self) -> bool:
        return self.verifier is not None and self.verifier.state in (WorkerState.PENDING, WorkerState.RUNNING)

    def action_verify(self) -> None:
        if self.verifying:
            return
        bar = self.query_one("#verify-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        status = self.query_one("#verify-status", Static)
        status.set_classes("")
        status.update("Verifying the chain… (esc stops)")
        store = self.hall_app.store
        app = self.app

        def job():
            worker = get_current_worker()

            def progress(done: int, total: int) -> None:
                if not worker.is_cancelled:
                    app.call_from_thread(self._progress, done, total)

            def stage(name: str) -> None:
                if not worker.is_cancelled:
                    app.call_from_thread(self._stage, name)

            return audit_view.verify(store, progress=progress, cancelled=lambda: worker.is_cancelled, stage=stage)

        self.verifier = self.run_worker(job, thread=True, group="audit-verify", exclusive=True,
                                        exit_on_error=False)

    def _stage(self, name: str) -> None:
        text = {"chain": "Verifying the chain… (esc stops)",
                "replay": "Chain verified; replaying the log to check the records… (esc stops)"}[name]
        self.query_one("#verify-status", Static).update(text)
        self.query_one("#verify-progress", ProgressBar).update(total=None, progress=0)

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#verify-progress", ProgressBar).update(total=max(total, 1), progress=done)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self.verifier:
            return
        status = self.query_one("#verify-status", Static)
        bar = self.query_one("#verify-progress", ProgressBar)
        if event.state == WorkerState.SUCCESS:
            bar.display = False
            self._verified(event.worker.result)
        elif event.state == WorkerState.CANCELLED:
            bar.display = False
            status.update("Verification stopped; nothing was changed.")
        elif event.state == WorkerState.ERROR:
            bar.display = False
            status.set_classes("error")
            status.update(Text(f"! Could not verify: {event.worker.error}"))

    def _verified(self, result: audit_view.Verification | None) -> None:
        status = self.query_one("#verify-status", Static)
        if result is None:
            status.update("Verification stopped; nothing was changed.")
            return
        chain, replayed = result.chain, result.replay
        if not chain.ok:
            status.set_classes("error")
            status.update(Text(f"! Chain broken at entry {chain.bad_seq}: {chain.problem} "
                               f"({chain.checked:,} entries before it are sound)"))
            self._go_to(chain.bad_seq)
            return
        seq, digest = chain.head or (0, "")
        verified = f"Chain verified: {chain.checked:,} entries · head {seq}:{digest[:4]}…{digest[-4:]}"
        since = f" after the snapshot at entry {replayed.snapshot}" if replayed.snapshot else ""
        if replayed.ok:
            status.set_classes("ok")
            status.update(f"{verified} · the records match the log ({replayed.entries:,} entries replayed{since})")
            return
        status.set_classes("error")
        status.update(Text(f"! The records differ from the log: {clean(replayed.summary)} ({verified.lower()})"))
        self._go_to(replayed.difference.entry)

    def _go_to(self, seq: int | None) -> None:
        """Put the cursor on the entry a verification named; one not loaded yet (far down a long log)
        is shown in full beside the list until the cursor moves."""
        if seq is None:
            return
        table = self.query_one("#audit-table", DataTable)
        if str(seq) in table.rows:
            table.move_cursor(row=table.get_row_index(str(seq)))
        else:
            self.load(audit_view.entry, self.hall_app.store, seq, done=self._show_named)

    def _show_named(self, entry: dict | None) -> None:
        if entry is not None:
            self.query_one("#audit-entry", Static).update(entry_detail(entry, self.hall_app.zone))

    def action_back(self) -> None:
        if self.verifying:
            self.verifier.cancel()
            return
        super().action_back()
