"""The 矛盾纠纷排查台账 as an Excel sheet, in the layout counties already keep by hand.

Export writes the entries a user sees; import reads the same layout back. An import is all or nothing: every row is
checked first and every problem is reported with its row number (「第5行：……」); if any row is wrong, nothing is
written, so a half-loaded 台账 never has to be cleaned up by hand.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from django.db import transaction
from django.db.models import Q, QuerySet
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from xinfang.core import clock
from xinfang.core.errors import ValidationFailed
from xinfang.orgs.models import Unit, UnitKind, User
from xinfang.prevention import selectors
from xinfang.prevention.models import DisputeEntry, DisputeType, Resolution, RiskLevel
from xinfang.prevention.services import EntryInput, build_entry, entry_errors

SHEET_TITLE = "矛盾纠纷排查台账"
# (header, width in characters)
COLUMNS = [
    ("序号", 6),
    ("排查日期", 12),
    ("乡镇（街道）", 14),
    ("村（社区）", 14),
    ("纠纷类型", 10),
    ("当事人", 18),
    ("简要情况", 44),
    ("风险等级", 9),
    ("责任单位", 16),
    ("责任领导", 10),
    ("化解措施", 36),
    ("化解状态", 10),
    ("报送人", 10),
]
HEADERS = [title for title, _ in COLUMNS]
MAX_ROWS = 5000
DATE_FORMAT = "yyyy-mm-dd"
_FORMULA_START = re.compile(r"^[\s]*[=+\-@]")


class ImportRejected(ValidationFailed):
    """The file has errors; ``errors`` lists each one with its row. Nothing was imported."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"导入失败，共 {len(errors)} 处错误，未导入任何记录：" + "；".join(errors[:20]))
        self.errors = errors


# --- export ------------------------------------------------------------------------------------------------------


def export_entries(queryset: QuerySet[DisputeEntry]) -> bytes:
    """The entries of ``queryset`` (already scoped by the caller) in date order as an .xlsx 台账."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_TITLE)
    ws.freeze_panes = "A2"
    for i, (_, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F2")
    center = Alignment(horizontal="center", vertical="center")
    header = []
    for title in HEADERS:
        cell = WriteOnlyCell(ws, value=title)
        cell.font, cell.fill, cell.alignment = bold, fill, center
        header.append(cell)
    ws.append(header)
    rows = 0
    qs = queryset.select_related("place", "township", "responsible_unit").order_by("reported_on", "pk")
    for n, entry in enumerate(qs.iterator(chunk_size=2000), start=1):
        date = WriteOnlyCell(ws, value=entry.reported_on)
        date.number_format = DATE_FORMAT
        values = [
            n,
            date,
            entry.township.name,
            entry.place.name if entry.place.kind == UnitKind.VILLAGE else "",
            entry.get_dispute_type_display(),
            entry.parties,
            entry.summary,
            entry.get_risk_level_display(),
            entry.responsible_unit.name if entry.responsible_unit else "",
            entry.responsible_leader,
            entry.measures,
            entry.get_resolution_display(),
            entry.reporter_name,
        ]
        ws.append([_text(ws, v) if isinstance(v, str) else v for v in values])
        rows += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{rows + 1}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _text(ws, value: str) -> WriteOnlyCell:
    # Text from a form must stay text: characters XML forbids would make the file unwritable, and a value that
    # starts like a formula must never run as one when the sheet is opened.
    clean = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(ws, value=clean)
    cell.data_type = "s"
    if _FORMULA_START.match(clean):
        cell.quotePrefix = True
    return cell


# --- import ------------------------------------------------------------------------------------------------------

_DATE_TEXT = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    m = _DATE_TEXT.match(_cell_text(value))
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _by_label(text: str, choices) -> str:
    """The stored code for a Chinese label; unknown text is passed on so the error quotes what was written."""
    for value, label in choices.choices:
        if text in (label, value):
            return value
    return text


class _Units:
    """Name lookups within the import scope, loaded once per file."""

    def __init__(self, scope: Unit) -> None:
        below = list(Unit.objects.filter(path__startswith=scope.path, is_active=True))
        self.townships = [u for u in below if u.kind == UnitKind.TOWNSHIP]
        self.villages = [u for u in below if u.kind == UnitKind.VILLAGE]
        self.all = list(Unit.objects.filter(is_active=True))

    @staticmethod
    def _named(units: list[Unit], name: str) -> list[Unit]:
        return [u for u in units if name in (u.name, u.short_name)]

    def township(self, name: str) -> list[Unit]:
        return self._named(self.townships, name)

    def village(self, township: Unit, name: str) -> list[Unit]:
        return self._named([v for v in self.villages if v.is_within(township)], name)

    def any(self, name: str) -> list[Unit]:
        return self._named(self.all, name)


def read_rows(content: bytes) -> list[tuple[int, list]]:
    """(spreadsheet row number, values) of every non-empty data row; checks the header."""
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValidationFailed("文件无法读取：请上传 Excel（.xlsx）格式的排查台账") from exc
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = [_cell_text(v) for v in next(rows, ())]
        while header and header[-1] == "":
            header.pop()
        if header != HEADERS:
            raise ValidationFailed(f"第1行（表头）应依次为：{'、'.join(HEADERS)}。请使用导出的台账格式")
        found: list[tuple[int, list]] = []
        for number, values in enumerate(rows, start=2):
            cells = list(values)[: len(HEADERS)]
            cells += [None] * (len(HEADERS) - len(cells))
            if all(_cell_text(v) == "" for v in cells):
                continue
            found.append((number, cells))
            if len(found) > MAX_ROWS:
                raise ValidationFailed(f"一次最多导入 {MAX_ROWS} 行，请分批导入")
    finally:
        wb.close()
    return found


def import_entries(*, content: bytes, scope: Unit, actor: User | None) -> list[DisputeEntry]:
    """Validate every row of the file, then create all entries in one transaction, or raise ``ImportRejected``.

    ``scope`` is the township (or county) whose township and village names the file uses. With ``actor`` (the
    upload page) every place must also be one the actor reports for; the console command runs as the operator.
    """
    rows = read_rows(content)
    if not rows:
        raise ValidationFailed("文件中没有数据行")
    units = _Units(scope)
    today = clock.today()
    errors: list[str] = []
    entries: list[DisputeEntry] = []
    for number, cells in rows:
        row_errors: list[str] = []
        (
            _,
            date_v,
            town_v,
            village_v,
            type_v,
            parties_v,
            summary_v,
            risk_v,
            unit_v,
            leader_v,
            measures_v,
            status_v,
            reporter_v,
        ) = cells
        reported_on = _parse_date(date_v)
        if reported_on is None:
            row_errors.append(
                f"排查日期「{_cell_text(date_v)}」无法识别，请填写如 2026-10-05 的日期"
                if _cell_text(date_v)
                else "请填写排查日期"
            )
        place = None
        town_name, village_name = _cell_text(town_v), _cell_text(village_v)
        towns = units.township(town_name) if town_name else []
        if not town_name:
            row_errors.append("请填写乡镇（街道）")
        elif len(towns) != 1:
            row_errors.append(
                f"乡镇（街道）「{town_name}」不在「{scope.name}」辖区内"
                if not towns
                else f"乡镇（街道）「{town_name}」有重名，请联系管理员"
            )
        else:
            place = towns[0]
            if village_name:
                villages = units.village(towns[0], village_name)
                if len(villages) == 1:
                    place = villages[0]
                else:
                    place = None
                    row_errors.append(f"村（社区）「{village_name}」不在「{town_name}」辖区内")
        responsible = None
        unit_name = _cell_text(unit_v)
        if unit_name:
            matches = units.any(unit_name)
            if len(matches) == 1:
                responsible = matches[0]
            else:
                row_errors.append(
                    f"责任单位「{unit_name}」"
                    + ("有重名，请填写全称" if matches else "不存在，请填写系统中的单位名称")
                )
        data = EntryInput(
            place=place,
            parties=_cell_text(parties_v),
            dispute_type=_by_label(_cell_text(type_v), DisputeType),
            summary=_cell_text(summary_v),
            risk_level=_by_label(_cell_text(risk_v), RiskLevel),
            reported_on=reported_on,
            responsible_unit=responsible,
            responsible_leader=_cell_text(leader_v),
            measures=_cell_text(measures_v),
            resolution=_by_label(_cell_text(status_v), Resolution)
            if _cell_text(status_v)
            else Resolution.SCREENING,
            reporter_name=_cell_text(reporter_v) or (str(actor) if actor else ""),
        )
        if data.resolution == Resolution.PETITION:
            row_errors.append(
                "化解状态「转为信访件」不能导入：请导入后在系统中转为信访件，以便登记并关联信访件"
            )
        else:
            row_errors += [
                e
                for e in entry_errors(data, today=today)
                # A missing place or date was already reported above in the sheet's own words.
                if not e.startswith(("请选择纠纷发生地", "请填写排查日期"))
            ]
        if place is not None and actor is not None and not selectors.may_report(actor, place):
            row_errors.append(f"「{place.name}」不在您的报送范围内")
        if row_errors:
            errors += [f"第{number}行：{e}" for e in row_errors]
        else:
            entries.append(build_entry(data, actor=actor))
    if errors:
        raise ImportRejected(errors)
    with transaction.atomic():
        return DisputeEntry.objects.bulk_create(entries)


def scope_q(scope: Unit) -> Q:
    return Q(place__path__startswith=scope.path)
