"""Filling a DataTable from a view: the one place that sets columns, rows and keeps the cursor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable


def _width(cell: Any) -> int:
    if isinstance(cell, Text):
        return cell.cell_len
    return max((cell_len(line) for line in str(cell).splitlines()), default=0)


def fill_table(table: DataTable, headers: Sequence[str], rows: Sequence[Sequence[Any]],
               keys: Sequence[str] | None = None) -> None:
    """Replace the rows, keeping the cursor on the same row number.

    Column widths are measured here (CJK-aware) and given explicitly: the table's own automatic
    widths were sometimes left at the header's width when a refill came right after the first.
    """
    cursor = table.cursor_row
    widths = [max([cell_len(h)] + [_width(r[i]) for r in rows if i < len(r)]) for i, h in enumerate(headers)]
    table.clear(columns=True)
    for header, width in zip(headers, widths):
        # a Text header: a plain string is parsed as markup, which loads Rich's emoji table (0.9 MB)
        table.add_column(Text(header, end=""), width=width)
    for i, row in enumerate(rows):
        # plain text: a cell may hold what someone typed, "[/]" included, never markup to parse
        table.add_row(*(Text(c, end="") if isinstance(c, str) else c for c in row), key=keys[i] if keys else None)
    if rows:
        table.move_cursor(row=min(max(cursor, 0), len(rows) - 1))
    table.refresh(layout=True)
