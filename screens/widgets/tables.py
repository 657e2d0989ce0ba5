"""Small helpers for the DataTables the screens share."""

from __future__ import annotations

from textual.widgets import DataTable


def highlighted_key(table: DataTable) -> str | None:
    """The key of the row under the cursor, or None when the table is empty or the cursor
    points past its rows (between a `clear()` and the rows that follow it)."""
    if not table.row_count or not table.is_valid_coordinate(table.cursor_coordinate):
        return None
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
