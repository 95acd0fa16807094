"""Import and export of the 台账 layout: a bad file imports nothing and names every bad row; a good file
round-trips with the export; the console command does the same."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from xinfang.prevention import ledger_excel
from xinfang.prevention.models import DisputeEntry

pytestmark = pytest.mark.django_db

GOOD = [
    [
        1,
        dt.date(2026, 9, 1),
        "东街镇",
        "东街村",
        "劳资纠纷",
        "东街村三组村民与某建筑公司",
        "拖欠工资约46万元",
        "高",
        "东街镇",
        "李镇长",
        "约谈施工方",
        "化解中",
        "李承办",
    ],
    [
        2,
        "2026-09-05",
        "东街镇",
        "",
        "邻里纠纷",
        "王某与赵某",
        "宅基地边界争议",
        "低",
        "",
        "",
        "",
        "排查中",
        "李承办",
    ],
]


def sheet(rows, header=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header or ledger_excel.HEADERS)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def cells(content: bytes) -> list[list]:
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_bad_rows_import_nothing_and_each_error_names_its_row(county, entry):
    rows = [
        GOOD[0],
        [
            2,
            "2026-09-05",
            "东街镇",
            "",
            "邻里纠纷",
            "王某与赵某",
            "宅基地边界争议",
            "很高",
            "",
            "",
            "",
            "排查中",
            "",
        ],
        GOOD[1],
        [4, "九月", "南山镇", "", "吵架", "", "", "低", "不存在局", "", "", "转为信访件", ""],
    ]
    with pytest.raises(ledger_excel.ImportRejected) as exc:
        ledger_excel.import_entries(content=sheet(rows), scope=county.county, actor=county.li)
    errors = exc.value.errors
    assert "第3行：风险等级「很高」无效，可选：低、中、高、重大" in errors
    row5 = [e for e in errors if e.startswith("第5行：")]
    assert any("排查日期「九月」无法识别" in e for e in row5)
    assert any("乡镇（街道）「南山镇」不在「县委县政府」辖区内" in e for e in row5)
    assert any("责任单位「不存在局」不存在" in e for e in row5)
    assert any("化解状态「转为信访件」不能导入" in e for e in row5)
    assert not [e for e in errors if e.startswith(("第2行", "第4行"))]
    assert not DisputeEntry.objects.exists()


def test_a_reporter_cannot_import_outside_their_subtree(county, villager):
    with pytest.raises(ledger_excel.ImportRejected) as exc:
        ledger_excel.import_entries(content=sheet(GOOD), scope=county.town, actor=villager)
    assert exc.value.errors == ["第3行：「东街镇」不在您的报送范围内"]
    assert not DisputeEntry.objects.exists()


def test_wrong_header_and_unreadable_file(county):
    with pytest.raises(ledger_excel.ValidationFailed, match="表头"):
        ledger_excel.import_entries(
            content=sheet(GOOD, header=["日期", "乡镇"]), scope=county.county, actor=None
        )
    with pytest.raises(ledger_excel.ValidationFailed, match="无法读取"):
        ledger_excel.import_entries(content=b"not a spreadsheet", scope=county.county, actor=None)


def test_a_good_file_round_trips_with_the_export(county):
    created = ledger_excel.import_entries(content=sheet(GOOD), scope=county.town, actor=county.li)
    assert len(created) == 2
    first = DisputeEntry.objects.get(parties="东街村三组村民与某建筑公司")
    assert (
        first.place == county.village
        and first.township == county.town
        and first.responsible_unit == county.town
    )
    exported = ledger_excel.export_entries(DisputeEntry.objects.all())
    rows = cells(exported)
    assert rows[0] == ledger_excel.HEADERS
    assert rows[1][1].date() == dt.date(2026, 9, 1) and rows[2][3] is None
    # Importing the export again gives the same sheet.
    DisputeEntry.objects.all().delete()
    ledger_excel.import_entries(content=exported, scope=county.town, actor=county.li)
    assert cells(ledger_excel.export_entries(DisputeEntry.objects.all())) == rows


def test_formula_like_text_stays_text(county, entry):
    entry(parties='=HYPERLINK("http://x")')
    ws = load_workbook(io.BytesIO(ledger_excel.export_entries(DisputeEntry.objects.all()))).worksheets[0]
    assert ws["F2"].data_type == "s" and ws["F2"].value.startswith("=HYPERLINK")


def test_upload_page_reports_errors_per_row(client, county):
    client.force_login(county.li)
    bad = sheet(
        [GOOD[0], [2, "2026-09-05", "东街镇", "", "邻里纠纷", "王某", "争议", "很高", "", "", "", "", ""]]
    )
    upload = io.BytesIO(bad)
    upload.name = "台账.xlsx"
    response = client.post(reverse("prevention:import"), {"scope": county.town.pk, "file": upload})
    body = response.content.decode()
    assert response.status_code == 200 and "第3行：风险等级「很高」无效，可选：低、中、高、重大" in body
    assert not DisputeEntry.objects.exists()
    good = io.BytesIO(sheet(GOOD))
    good.name = "台账.xlsx"
    response = client.post(reverse("prevention:import"), {"scope": county.town.pk, "file": good})
    assert response.status_code == 302 and DisputeEntry.objects.count() == 2


def test_the_console_commands(county, tmp_path, capsys):
    path = tmp_path / "in.xlsx"
    path.write_bytes(sheet(GOOD))
    call_command("ledger", "import", str(path), "--unit", "DJZ")
    assert DisputeEntry.objects.count() == 2
    out = tmp_path / "out.xlsx"
    call_command("ledger", "export", "--out", str(out))
    assert len(cells(out.read_bytes())) == 3
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(sheet([GOOD[0][:7] + ["很高"] + GOOD[0][8:]]))
    with pytest.raises(SystemExit) as exc:
        call_command("ledger", "import", str(bad), "--unit", "DJZ")
    assert exc.value.code == 2
    assert "第2行：风险等级「很高」无效" in capsys.readouterr().err
    assert DisputeEntry.objects.count() == 2
