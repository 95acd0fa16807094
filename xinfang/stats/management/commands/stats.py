"""``xinfang stats fill|show|verify|report``: keep the statistics current, print them, check them against the
events, and write the monthly 通报 or the annual report (.docx).

``show`` and ``verify`` print one JSON object on their last line (for scripts); the lines before it are for
people.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from xinfang.core import clock
from xinfang.core.errors import XinfangError
from xinfang.deadlines.services import parse_date
from xinfang.orgs.models import Unit
from xinfang.stats import fill, selectors
from xinfang.stats.models import FillState


class Command(BaseCommand):
    help = (
        "统计：fill 增量更新（--from/--to 重算一个时段）；show 输出一个时段的各项指标；verify 用办理记录重算核对；"
        "report 生成月度通报（--month YYYY-MM）或年度报告（--year YYYY）的 Word 文件（--out）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["fill", "show", "verify", "report"])
        parser.add_argument("--from", dest="start", help="起始日期 YYYY-MM-DD（含）")
        parser.add_argument("--to", dest="end", help="截止日期 YYYY-MM-DD（含）")
        parser.add_argument("--unit", help="单位代码：只统计该单位及其下级（show、report）")
        parser.add_argument("--month", help="report：月度通报的月份 YYYY-MM")
        parser.add_argument("--year", help="report：年度报告（《信访工作条例》第四十一条）的年份 YYYY")
        parser.add_argument("--out", help="report：输出的 .docx 文件路径")
        parser.add_argument("--number", help="report：文号序号，如 3 生成「清信〔2026〕3号」（可不填）")

    def handle(self, *args, **options):
        if options["action"] == "report":
            self._report(options)
            return
        try:
            start = parse_date(options["start"]) if options.get("start") else None
            end = parse_date(options["end"]) if options.get("end") else None
        except XinfangError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if start and end and start > end:
            raise CommandError(f"--from {start} 晚于 --to {end}，请交换两个日期", returncode=2)
        action = options["action"]
        if action == "fill":
            if (start is None) != (end is None):
                raise CommandError("重算时段需要同时给出 --from 和 --to", returncode=2)
            progress = self._progress()
            if start is not None:
                n = fill.refill(start, end, progress=progress)
                self.stdout.write(f"已重算 {start} 至 {end} 涉及的 {n} 件")
            else:
                result = fill.fill(progress=progress)
                self.stdout.write(f"统计已更新：重算 {result.items} 件，事件截至 #{result.last_event_id}")
            return
        if action == "verify":
            problems, checked = fill.verify(start, end)
            for line in problems[:50]:
                self.stdout.write(line)
            self.stdout.write(json.dumps({"mismatches": len(problems), "checked": checked}, ensure_ascii=False))
            return
        if start is None or end is None:
            raise CommandError("show 需要 --from 和 --to（YYYY-MM-DD）", returncode=2)
        unit = None
        if options.get("unit"):
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"没有代码为 {options['unit']} 的单位", returncode=2)
        data = selectors.summary(selectors.scope_for(None, unit=unit), start, end)
        data["period"] = {"from": start.isoformat(), "to": end.isoformat(), "as_of": clock.today().isoformat()}
        self.stdout.write(json.dumps(data, ensure_ascii=False))

    def _report(self, options) -> None:
        """``report --month YYYY-MM | --year YYYY --out FILE.docx [--unit CODE] [--number N]``."""
        from pathlib import Path

        from xinfang.stats import reports

        month, year, out = options.get("month"), options.get("year"), options.get("out")
        if bool(month) == bool(year):
            raise CommandError("report 需要 --month YYYY-MM（月度通报）或 --year YYYY（年度报告），二者选一", returncode=2)
        if not out:
            raise CommandError("report 需要 --out 指定输出文件，例如 --out 通报.docx", returncode=2)
        path = Path(out)
        if path.suffix.lower() != ".docx":
            raise CommandError(f"输出文件“{out}”应以 .docx 结尾（报告为 Word 文档）", returncode=2)
        if not path.parent.is_dir():
            raise CommandError(f"输出目录“{path.parent}”不存在，请先创建", returncode=2)
        number = options.get("number")
        if number is not None:
            if not number.isascii() or not number.isdigit() or int(number) < 1:
                raise CommandError(f"--number “{number}”应为正整数（文号的序号，如 3）", returncode=2)
            number = int(number)
        unit = None
        if options.get("unit"):
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"没有代码为 {options['unit']} 的单位", returncode=2)
        try:
            if month:
                from xinfang.stats import reports_monthly

                start, end = reports.parse_month(month)
                content = reports_monthly.bulletin(month_start=start, month_end=end, unit=unit, number=number)
            else:
                from xinfang.stats import reports_annual

                start, end = reports.parse_year(year)
                content = reports_annual.report(year_start=start, year_end=end, unit=unit, number=number)
        except XinfangError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        # The figures are as current as the last fill; a report of a period the fill has not reached says so.
        state = FillState.objects.filter(pk=1).values_list("as_of", flat=True).first()
        if state is None or state < min(end, clock.today()):
            self.stderr.write(f"提示：统计数据截至 {state or '（尚未生成）'}，请先运行 xinfang stats fill 更新后再生成报告。")
        path.write_bytes(content)
        self.stdout.write(f"已生成 {path}（{len(content) // 1024} KB）")

    def _progress(self):
        """Progress on stderr for long runs (the first fill of a large database takes a while): every tenth."""
        shown = [0]

        def report(done: int, total: int) -> None:
            tenth = done * 10 // max(total, 1)
            if total >= 10 * fill.BATCH and tenth > shown[0]:
                shown[0] = tenth
                self.stderr.write(f"统计重算进度：{done}/{total} 件（{tenth * 10}%）")

        return report
