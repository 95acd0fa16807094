"""Excel 台账 of a filtered item list.

The caller passes the queryset of ``search.search_cases`` (already limited to the user's items). Identity
columns show 「（依法保密）」 where the secrecy rule hides them, and the export is recorded once in
``PersonalDataAccess`` through ``cases.disclosure`` (decisions §5), with its criteria and the number of rows
that show a petitioner's name and phone: an export is a disclosure like opening the item.
"""

from __future__ import annotations

import io
import re

from django.db.models import Prefetch, QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from xinfang.cases import disclosure
from xinfang.cases.models import Case, Petitioner
from xinfang.cases.search import count_capped
from xinfang.cases.states import OPEN_STATES
from xinfang.core import clock
from xinfang.orgs.models import User

EXPORT_LIMIT = 50_000
EXPORT_PURPOSE = "导出台账"
MASKED = "（依法保密）"
DATE_FORMAT = "yyyy-mm-dd"
_CHUNK = 2000

# (header, column width in characters); widths fit a typical value so the sheet reads without resizing.
COLUMNS = [
    ("编号", 18),
    ("收到日期", 12),
    ("信访形式", 9),
    ("标题", 40),
    ("主要信访人", 12),
    ("联系电话", 15),
    ("人数", 6),
    ("集体访", 7),
    ("重件", 6),
    ("越级", 6),
    ("诉求类型", 10),
    ("内容分类", 26),
    ("问题属地", 14),
    ("责任单位", 16),
    ("当前办理单位", 16),
    ("状态", 18),
    ("当前期限", 16),
    ("截止日", 12),
    ("是否超期", 9),
]
DATE_COLUMNS = {"收到日期", "截止日"}

# Text a spreadsheet would take for a formula when someone edits the cell (=HYPERLINK(…) pasted into a title);
# leading spaces and tabs do not stop Excel from doing so.
_FORMULA_START = re.compile(r"^[\s]*[=+\-@]")


class ExportTooLarge(Exception):
    def __init__(self, count: int) -> None:
        super().__init__(
            f"筛选结果超过 {EXPORT_LIMIT} 件，无法一次导出。请增加筛选条件（如收到日期范围、状态或单位）后再导出。"
        )
        self.count = count


def export_xlsx(user: User, queryset: QuerySet[Case], *, detail: str = "") -> bytes:
    """The rows of ``queryset`` as an .xlsx 台账; raises ``ExportTooLarge`` beyond ``EXPORT_LIMIT`` rows."""
    counted = count_capped(queryset, EXPORT_LIMIT)
    if counted.more:
        raise ExportTooLarge(counted.value)

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("信访件台账")
    ws.freeze_panes = "A2"
    for i, (_, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE6F2")
    center = Alignment(horizontal="center", vertical="center")
    header = []
    for title, _ in COLUMNS:
        cell = WriteOnlyCell(ws, value=title)
        cell.font, cell.fill, cell.alignment = bold, fill, center
        header.append(cell)
    ws.append(header)

    today = clock.today()
    disclosed = 0
    rows = 0
    qs = queryset.select_related(
        "current_unit", "responsible_unit", "problem_place", "accused_unit", "category__parent__parent"
    ).prefetch_related(
        # Only the main petitioner is exported; prefetching just that row keeps 50 000 rows to one query
        # per chunk.
        Prefetch("petitioners", queryset=Petitioner.objects.filter(is_main=True).order_by("pk"))
    )
    for case in qs.iterator(chunk_size=_CHUNK):
        name, phone = disclosure.main_contact(user, case)
        if name and name != MASKED:
            disclosed += 1
        is_open = case.status in OPEN_STATES
        values = [
            case.number,
            _date(ws, case.received_on),
            case.get_channel_display(),
            case.title,
            name,
            phone,
            case.people_count,
            "是" if case.is_group else "",
            "是" if case.is_repeat else "",
            "是" if case.is_skip_level else "",
            case.get_claim_type_display(),
            case.category.full_name if case.category else "",
            _name(case.problem_place),
            _name(case.responsible_unit),
            _name(case.current_unit),
            case.get_status_display(),
            " ".join(filter(None, (case.due_rule_label, case.due_provisional_note))) if case.due_on else "",
            _date(ws, case.due_on),
            ("是" if case.due_on < today else "否") if is_open and case.due_on else "",
        ]
        ws.append([_text(ws, v) if isinstance(v, str) else v for v in values])
        rows += 1
    disclosure.log_bulk(user, EXPORT_PURPOSE, count=disclosed, detail=detail)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{rows + 1}"

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _date(ws, value):
    if value is None:
        return None
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = DATE_FORMAT
    return cell


def _text(ws, value: str) -> WriteOnlyCell:
    """A text cell that stays text: characters XML forbids (``\x01``, ``\x0b`` from text pasted out of Word)
    would make the whole file unwritable, and text that starts like a formula must never run as one."""
    clean = ILLEGAL_CHARACTERS_RE.sub("", value.replace("\x0b", "\n").replace("\x0c", "\n"))
    cell = WriteOnlyCell(ws, value=clean)
    cell.data_type = "s"  # openpyxl makes any text starting with "=" a formula cell
    if _FORMULA_START.match(clean):
        cell.quotePrefix = True  # Excel's leading apostrophe: still text after the cell is edited
    return cell


def _name(unit) -> str:
    return unit.name if unit is not None else ""
