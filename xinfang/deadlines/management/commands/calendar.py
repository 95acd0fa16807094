"""``xinfang calendar import|show|confirm|seed``: maintain the official holiday calendar.

``import`` loads a year's days but does not make them official; ``confirm YEAR`` does, after printing every
day of the year, and recomputes the provisional clocks that reach it (decisions §2). ``seed`` writes the
package's published schedules and confirms them.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xinfang.core.errors import ValidationFailed
from xinfang.deadlines import services
from xinfang.deadlines.calendar import DayKind
from xinfang.deadlines.management.commands._common import run_or_exit


def _year(text: str | None, option: str) -> int | None:
    if text is None:
        return None
    value = text.strip()
    if not (value.isdigit() and len(value) == 4):
        raise ValidationFailed(f"{option}：应为四位年份，例如 2026，收到“{text}”。", field=option)
    return int(value)


class Command(BaseCommand):
    help = "节假日日历维护：import 导入 CSV，show 查看某年安排，confirm 确认某年安排完整，seed 从 chinese_calendar 包初始化。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        p_import = sub.add_parser(
            "import",
            help="从 CSV 导入节假日与调休上班日（每行：日期,类型[,名称]；类型为 holiday/休 或 workday/班）",
        )
        p_import.add_argument("file", help="CSV 文件路径（UTF-8）")
        p_import.add_argument(
            "--merge",
            action="store_true",
            help="只新增或修改文件中的日期；默认把文件视为所涉年份的完整安排，先清除这些年份的原有记录",
        )
        p_show = sub.add_parser("show", help="显示某年的节假日、调休上班日和每月工作日天数")
        p_show.add_argument("year", help="年份，如 2026")
        p_confirm = sub.add_parser(
            "confirm", help="列出某年全部节假日与调休上班日，并确认该年安排完整（之后用于期限计算，暂定期限随即重算）"
        )
        p_confirm.add_argument("year", help="年份，如 2027")
        p_seed = sub.add_parser("seed", help="从 chinese_calendar 包写入节假日数据，并补齐缺少的期限规则（可重复运行）")
        p_seed.add_argument("--from", dest="year_from", default=None, help="起始年份（含）")
        p_seed.add_argument("--to", dest="year_to", default=None, help="结束年份（含）")
        p_seed.add_argument("--force", action="store_true", help="覆盖已有数据的年份（会丢失后台对这些年份的修改）")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        run_or_exit(self, lambda: getattr(self, f"_{action}")(options))

    def _import(self, options: dict[str, Any]) -> None:
        summary = services.import_calendar_csv(options["file"], replace=not options["merge"])
        self.stdout.write(summary.message())

    def _show(self, options: dict[str, Any]) -> None:
        year = _year(options["year"], "年份")
        assert year is not None
        self._print_year(year)

    def _confirm(self, options: dict[str, Any]) -> None:
        year = _year(options["year"], "年份")
        assert year is not None
        services.check_confirmable(year)  # refuse before printing anything
        self._print_year(year)
        summary = services.confirm_year(year, actor=None)
        self.stdout.write(summary.message())

    def _print_year(self, year: int) -> None:
        preview = services.year_preview(year)
        rows = [*preview.holidays, *preview.workdays]
        per_month = preview.working_days_per_month
        status = "已确认" if preview.confirmed else "尚未确认，涉及该年的期限为暂定"
        self.stdout.write(f"{year} 年节假日与调休安排（{status}）")
        for kind, title in ((DayKind.HOLIDAY, "休息日（节假日）"), (DayKind.WORKDAY, "调休上班日")):
            chosen = [r for r in rows if r.kind is kind]
            self.stdout.write(f"{title}：共 {len(chosen)} 天")
            for r in chosen:
                self.stdout.write(f"  {r.date.isoformat()} {r.weekday} {r.name}".rstrip())
        self.stdout.write("每月工作日天数：")
        for month, count in per_month.items():
            self.stdout.write(f"  {month:>2} 月：{count} 天")
        self.stdout.write(f"全年工作日：{sum(per_month.values())} 天")

    def _seed(self, options: dict[str, Any]) -> None:
        first = _year(options["year_from"], "--from")
        last = _year(options["year_to"], "--to")
        years = None
        if first is not None or last is not None:
            available = services.seed_package_years()
            # An open end means "as far as the package goes", but never cuts off the year asked for, so
            # that --from 2027 gets the "package has no 2027" message rather than an empty range.
            first = min(available[0], last) if first is None else first
            last = max(available[-1], first) if last is None else last
            if first > last:
                raise ValidationFailed(f"--from {first} 晚于 --to {last}，请检查年份范围。")
            years = range(first, last + 1)
        summary = services.seed_calendar_from_package(years, force=options["force"])
        self.stdout.write(summary.message())
        created = services.seed_default_rules()
        self.stdout.write(f"期限规则：新增 {created} 条（已有的规则保持不变）。")
