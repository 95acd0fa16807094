"""``xinfang stats fill|show|verify``: keep the statistics current, print them, and check them against the events.

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


class Command(BaseCommand):
    help = "统计：fill 增量更新（--from/--to 重算一个时段）；show 输出一个时段的各项指标；verify 用办理记录重算核对。"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["fill", "show", "verify"])
        parser.add_argument("--from", dest="start", help="起始日期 YYYY-MM-DD（含）")
        parser.add_argument("--to", dest="end", help="截止日期 YYYY-MM-DD（含）")
        parser.add_argument("--unit", help="单位代码：只统计该单位及其下级（show）")

    def handle(self, *args, **options):
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
            if start is not None:
                n = fill.refill(start, end)
                self.stdout.write(f"已重算 {start} 至 {end} 涉及的 {n} 件")
            else:
                result = fill.fill()
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
