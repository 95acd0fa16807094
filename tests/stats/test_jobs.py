"""The statistics are kept current by the daily job (``xinfang tick``) and by ``xinfang stats``; bad command input
gets a clear Chinese error."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from xinfang.cases import services as s
from xinfang.stats.models import DailyCount, FillState

pytestmark = pytest.mark.django_db
D = dt.date


def test_tick_fills_the_statistics(petition, county, capsys):
    petition(channel="visit", people_count=1)
    call_command("tick", "--date", "2026-11-30")
    assert "统计已更新：重算 1 件" in capsys.readouterr().out
    assert DailyCount.objects.filter(metric="items", sub="visit").get().n == 1
    assert FillState.objects.get().as_of == D(2026, 11, 30)


def test_show_prints_every_metric_of_the_decisions_as_json(petition, county, capsys):
    case = petition()
    s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2026, 9, 2))
    call_command("stats", "fill")
    call_command("stats", "show", "--from", "2026-09-01", "--to", "2026-09-30")
    data = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for name in ("及时受理率", "按期办结率", "参评率", "满意率", "初信初访办结率", "息诉罢访", "重复信访率",
                 "越级上访率", "集体上访率", "包案化解率", "就地化解率"):
        assert set(data["metrics"][name]) == {"numerator", "denominator", "value"}, name
    assert data["volumes"]["件次"] == 1 and data["volumes"]["人次"] == 1
    assert data["volumes"]["by_channel"] == {"来信": 1}
    # The acceptance clock at the town, due 9-17, is undecided: late.
    assert data["metrics"]["及时受理率"] == {"numerator": 0, "denominator": 1, "value": 0.0}
    call_command("stats", "show", "--from", "2026-09-01", "--to", "2026-09-30", "--unit", "RSJ")
    other = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert other["volumes"]["件次"] == 0 and other["metrics"]["及时受理率"]["value"] is None


def test_verify_prints_zero_mismatches_as_json(petition, county, capsys):
    petition()
    call_command("stats", "fill")
    call_command("stats", "fill", "--from", "2026-09-01", "--to", "2026-09-30")
    call_command("stats", "verify")
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["mismatches"] == 0


@pytest.mark.parametrize("argv, message", [
    (["show"], "需要 --from 和 --to"),
    (["show", "--from", "2026-09-30", "--to", "2026-09-01"], "晚于"),
    (["show", "--from", "2026-13-01", "--to", "2026-12-31"], "日期"),
    (["fill", "--from", "2026-09-01"], "同时给出"),
    (["show", "--from", "2026-09-01", "--to", "2026-09-30", "--unit", "NOPE"], "没有代码为 NOPE 的单位"),
])
def test_bad_input_is_refused_in_chinese(argv, message):
    with pytest.raises(CommandError, match=message):
        call_command("stats", *argv)


def test_rates_per_10000_residents_where_a_population_is_recorded(petition, county, capsys):
    county.town.population = 25_000
    county.town.save()
    for _ in range(3):
        petition()  # problem place: a village of 东街镇
    call_command("stats", "fill")
    call_command("stats", "show", "--from", "2026-09-01", "--to", "2026-09-30")
    data = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    # 3 items for 25,000 residents: 1.2 per 10,000; 西山乡 has no population recorded and is left out.
    assert data["volumes"]["每万人_by_township"] == {"东街镇": {"件次": 3, "常住人口": 25000, "每万人": 1.2}}


def test_a_long_fill_reports_its_progress(petition, county, capsys, monkeypatch):
    from xinfang.stats import fill

    monkeypatch.setattr(fill, "BATCH", 2)
    for i in range(20):
        petition(title=f"第{i}件")
    call_command("stats", "fill")
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("统计重算进度")]
    assert lines[0] == "统计重算进度：2/20 件（10%）" and lines[-1] == "统计重算进度：20/20 件（100%）"
    assert len(lines) == 10
    # A fill of a few items says nothing but its result.
    petition(title="第21件")
    call_command("stats", "fill")
    out = capsys.readouterr()
    assert "进度" not in out.err and "重算 1 件" in out.out


def test_the_fill_leaves_the_cyclic_collector_as_it_found_it(petition, county, monkeypatch):
    import gc

    from xinfang.stats import fill

    petition(title="一件")
    seen = []
    real = fill.computed
    monkeypatch.setattr(fill, "computed", lambda *a, **kw: seen.append(gc.isenabled()) or real(*a, **kw))
    assert gc.isenabled()
    fill.fill(dt.date(2026, 11, 30))
    assert seen == [False] and gc.isenabled()  # off while recomputing, on again after

    def broken(*a, **kw):
        raise RuntimeError("读取失败")

    monkeypatch.setattr(fill, "computed", broken)
    petition(title="又一件")
    with pytest.raises(RuntimeError):
        fill.fill(dt.date(2026, 11, 30))
    assert gc.isenabled()
