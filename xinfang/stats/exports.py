"""Excel copies of the statistics page's tables: one sheet per table, the same cells the page shows.

The tables come from ``dashboard.stats_page`` (the page renders the very same objects), so a number in the file is
the number on the page. Counts are numbers, rates are fractions formatted as per cent with one decimal, labels
and worded changes are text. Text goes through the item export's cell helper: characters XML forbids are dropped
and text that starts like a formula is marked as text (a unit or category name typed as 「=…」 never runs).
Nothing here names a person: the page has no names, so neither does its copy.
"""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell as XlCell  # what WriteOnlyCell (a factory) returns
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from xinfang.cases.export import _text as text_cell
from xinfang.stats.dashboard import Cell, Table

PERCENT = "0.0%"
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def workbook(tables: list[Table], *, meta: list[tuple[str, str]]) -> bytes:
    """The tables as an .xlsx (write-only: a county's unit tables stay small in memory), and a sheet 「说明」
    with the period and filters."""
    wb = Workbook(write_only=True)
    used: set[str] = set()
    for table in tables:
        _sheet(wb, table, _sheet_name(table.title, used))
    ws = wb.create_sheet("说明")
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["B"].width = 60
    for label, value in meta:
        ws.append([text_cell(ws, label), text_cell(ws, value)])
    ws.append([])
    ws.append([text_cell(ws, "说明"), text_cell(ws, "比例按百分比显示（保留一位小数）；「—」表示分母为 0。")])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def header_labels(table: Table) -> list[str]:
    """One heading row: a rate's three columns read 「按期办结率·比例」, 「按期办结率·分子」…"""
    return [f"{c.group}·{c.label}" if c.group else c.label for c in table.columns]


def _sheet(wb: Workbook, table: Table, name: str) -> None:
    ws = wb.create_sheet(name)
    ws.freeze_panes = "B2"
    for i, column in enumerate(table.columns, start=1):
        wide = i == 1 or column.label in ("口径", "上期", "去年同期")
        ws.column_dimensions[get_column_letter(i)].width = 40 if column.label == "口径" else 22 if wide else 13
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F2")
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    heading = []
    for label in header_labels(table):
        cell = text_cell(ws, label)
        cell.font, cell.fill, cell.alignment = bold, fill, center
        heading.append(cell)
    ws.append(heading)
    for row in table.rows:
        ws.append([_value(ws, c) for c in row])
    for row in table.footer:
        cells = [v if isinstance(v, XlCell) else WriteOnlyCell(ws, value=v) for v in (_value(ws, c) for c in row)]
        for cell in cells:
            cell.font = bold
        ws.append(cells)
    if table.note:
        ws.append([])
        ws.append([text_cell(ws, table.note)])


def _value(ws, c: Cell):
    if c.kind == "count":
        return c.value
    if c.kind == "pct":
        if c.value is None:
            return text_cell(ws, "—")
        cell = WriteOnlyCell(ws, value=c.value)
        cell.number_format = PERCENT
        return cell
    return text_cell(ws, c.text)


def _sheet_name(title: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the file."""
    base = _SHEET_FORBIDDEN.sub("_", title)[:31] or "表"
    name, n = base, 2
    while name in used:
        suffix = f"({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name
