"""``xinfang deadline`` and ``xinfang calendar``: via call_command, and as a real process for exit codes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from xinfang.deadlines.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.usefixtures("fresh_deadline_caches")
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command(*args, stdout=out, stderr=err)
    assert exc.value.code == 2
    assert out.getvalue() == ""
    return err.getvalue()


# ------------------------------------------------------------------ deadline

@pytest.mark.parametrize(
    ("args", "due"),
    [
        (("bureau_routing", "2026-09-25"), "2026-10-10"),
        (("bureau_routing", "2026-09-20"), "2026-10-08"),
        (("objection", "2026-09-28"), "2026-10-10"),
        (("handling", "2026-07-07", "--extra-days", "30"), "2026-10-08"),
        (("handling", "2022-05-10", "--rule-date", "2022-04-20"), "2022-07-11"),
    ],
)
def test_deadline_first_line_is_the_due_date(args, due):
    out, err = run("deadline", *args)
    assert out.splitlines() == [due]
    assert err == ""


def test_deadline_explain():
    out, _ = run("deadline", "objection", "2026-09-28", "--explain")
    lines = out.splitlines()
    assert lines[0] == "2026-10-10"
    assert lines[1].startswith("规则 objection（异议退回期限）：5 日，工作日")
    assert "计入的工作日（共 5 个）：2026-09-29、2026-09-30、2026-10-08、2026-10-09、2026-10-10。" in lines
    assert "跳过休息日 2026-10-05（星期一，国庆节）。" in lines
    assert "2026-10-10（星期六）为调休上班日（国庆节调休），按工作日计算。" in lines


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("routing", "2026-09-25"), ["未知的期限规则代码“routing”", "bureau_routing", "simple_transit"]),
        (("handling", "2026/09/25"), ["YYYY-MM-DD"]),
        (("handling", "2026-02-30"), ["YYYY-MM-DD"]),
        (("handling", "2026-12-01"), ["2027 年的节假日日历尚未导入", "xinfang calendar import"]),
        (("handling", "2026-03-02", "--extra-days", "31"), ["延长期限最多 30 日"]),
        (("handling", "2026-03-02", "--extra-days", "-3"), ["--extra-days 必须是不小于 0 的整数"]),
        (("handling", "2026-03-02", "--extra-days", "十"), ["--extra-days 必须是不小于 0 的整数"]),
        (("bureau_routing", "2026-03-02", "--extra-days", "2"), ["不能增加天数"]),
        (("objection", "2005-03-02"), ["尚未施行"]),
        (("handling", "2026-03-02", "--rule-date", "x"), ["YYYY-MM-DD"]),
    ],
)
def test_deadline_errors_exit_2_with_a_chinese_message(args, expected):
    err = run_failing("deadline", *args)
    for part in expected:
        assert part in err
    assert "Traceback" not in err


# ------------------------------------------------------------------ calendar

def test_calendar_show():
    out, _ = run("calendar", "show", "2026")
    assert out.startswith("2026 年节假日与调休安排")
    assert "  2026-10-01 星期四 国庆节" in out
    assert "调休上班日：共 6 天" in out
    assert "  2026-10-10 星期六 国庆节" in out
    assert "  10 月：18 天" in out
    assert "全年工作日：248 天" in out


@pytest.mark.parametrize(("year", "expected"), [("2030", "2030 年的节假日日历尚未导入"), ("26", "四位年份")])
def test_calendar_show_unknown_or_bad_year(year, expected):
    assert expected in run_failing("calendar", "show", year)


def test_calendar_import(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text("2027-01-01,休,元旦\n2027-01-02,休,元旦\n2027-01-03,休,元旦\n", encoding="utf-8")
    out, _ = run("calendar", "import", str(path))
    assert "已导入 3 条记录" in out and "2027" in out
    assert "xinfang calendar confirm 2027" in out
    # Imported is not loaded: the year counts only once confirmed (decisions §2).
    err = run_failing("deadline", "bureau_routing", "2026-12-17")
    assert "2027 年的节假日日历尚未导入（或尚未确认）" in err and "xinfang calendar confirm 2027" in err
    out, _ = run("calendar", "confirm", "2027")
    assert "休息日（节假日）：共 3 天" in out and "2027-01-01 星期五 元旦" in out
    assert "2027 年放假安排已确认" in out
    out, _ = run("deadline", "bureau_routing", "2026-12-17")
    assert out.splitlines()[0] == "2027-01-04"
    assert "已于" in run_failing("calendar", "confirm", "2027")


def test_calendar_import_bad_file_writes_nothing(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("2027-01-01,休,元旦\n2027-01-02,放假,元旦\n", encoding="utf-8")
    err = run_failing("calendar", "import", str(path))
    assert "第 2 行" in err and "未导入任何数据" in err
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_calendar_seed_is_idempotent():
    before = CalendarDay.objects.count()
    out, _ = run("calendar", "seed")
    assert "2004–2026 年已有日历数据，未改动" in out
    assert "新增 0 条" in out
    assert CalendarDay.objects.count() == before


def test_calendar_seed_range_and_force():
    CalendarYear.objects.filter(year=2025).delete()
    CalendarDay.objects.filter(date__year=2025).delete()
    out, _ = run("calendar", "seed", "--from", "2025", "--to", "2025")
    assert "已从 chinese_calendar 包写入 2025 年" in out
    assert CalendarDay.objects.filter(date__year=2025).count() == 33
    CalendarDay.objects.filter(date__year=2026).delete()
    out, _ = run("calendar", "seed", "--from", "2026", "--force")
    assert "写入 2026 年" in out
    assert CalendarDay.objects.filter(date__year=2026).count() == 39


@pytest.mark.parametrize(
    ("args", "expected"),
    [(("--from", "2027"), "没有 2027 年"), (("--from", "2026", "--to", "2025"), "晚于"), (("--to", "x"), "四位年份")],
)
def test_calendar_seed_bad_range(args, expected):
    assert expected in run_failing("calendar", "seed", *args)


# ------------------------------------------------------------------ the console script as a real process

def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xinfang.cli", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory):
    """A migrated throw-away SQLite database: a subprocess does not see the test database."""
    data = tmp_path_factory.mktemp("xinfang-cli")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "XINFANG_DATABASE_URL": f"sqlite:///{data / 'cli.sqlite3'}",
        "XINFANG_DATA_DIR": str(data),
        "PYTHONPATH": str(ROOT),
    }
    done = _cli(env, "migrate", "--noinput")
    assert done.returncode == 0, done.stderr
    return env


def test_cli_deadline_success_with_explain(cli_env):
    done = _cli(cli_env, "deadline", "bureau_routing", "2026-09-20", "--explain")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "2026-10-08"
    assert "顺延跳过 2026-10-06（星期二，国庆节）。" in lines
    assert done.stderr == ""


def test_cli_deadline_without_explain_prints_one_line(cli_env):
    done = _cli(cli_env, "deadline", "objection", "2026-09-28")
    assert (done.returncode, done.stdout) == (0, "2026-10-10\n")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("nope", "2026-09-28"), "可用的规则代码"),
        (("objection", "28/09/2026"), "YYYY-MM-DD"),
        (("handling", "2026-12-01"), "2027 年的节假日日历尚未导入"),
        (("handling", "2026-03-02", "--extra-days", "99"), "延长期限最多 30 日"),
    ],
)
def test_cli_deadline_errors(cli_env, args, expected):
    done = _cli(cli_env, "deadline", *args)
    assert done.returncode == 2
    assert expected in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_cli_on_an_empty_database_says_to_migrate(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "XINFANG_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "PYTHONPATH": str(ROOT),
    }
    done = _cli(env, "deadline", "objection", "2026-09-28")
    assert done.returncode == 2
    assert "xinfang migrate" in done.stderr and "Traceback" not in done.stderr
