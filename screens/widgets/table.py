"""Filling a DataTable from a view: the one place that sets columns, rows and keeps the cursor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.widgets import DataTable


def fill_table(table: DataTable, headers: Sequence[str], rows: Sequence[Sequence[Any]],
               keys: Sequence[str] | None = None) -> None:
    """Replace the rows; columns are rebuilt only when the headers change, the cursor stays put."""
    current = [str(c.label) for c in table.columns.values()]
    cursor = table.cursor_row
    if current != list(headers):
        table.clear(columns=True)
        table.add_columns(*headers)
    else:
        table.clear()
    for i, row in enumerate(rows):
        table.add_row(*row, key=keys[i] if keys else None)
    if rows:
        table.move_cursor(row=min(max(cursor, 0), len(rows) - 1))
    table.refresh(layout=True)
