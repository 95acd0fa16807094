"""``xinfang deadline RULE START``: the due date of a rule, first line ``YYYY-MM-DD`` for scripts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xinfang.core.errors import ValidationFailed
from xinfang.deadlines import services
from xinfang.deadlines.management.commands._common import run_or_exit


class Command(BaseCommand):
    help = "按期限规则计算届满日。输出第一行为届满日（YYYY-MM-DD）；加 --explain 显示逐步计算过程。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("rule", help="规则代码，如 bureau_routing、handling、objection")
        parser.add_argument("start", help="起算日（YYYY-MM-DD），该日不计入期限")
        parser.add_argument(
            "--extra-days", default="0", help="增加的天数：办理期限的延长天数，或复核的听证所用天数"
        )
        parser.add_argument(
            "--rule-date", default=None, help="信访事项收到日期（YYYY-MM-DD），用于选择规则版本；默认同起算日"
        )
        parser.add_argument("--explain", action="store_true", help="显示计算过程（计入的日期、跳过的节假日、调休上班日）")

    def handle(self, *args: Any, **options: Any) -> None:
        run_or_exit(self, lambda: self._run(options))

    def _run(self, options: dict[str, Any]) -> None:
        start = services.parse_date(options["start"], what="起算日")
        rule_date = services.parse_date(options["rule_date"], what="规则适用日期") if options["rule_date"] else None
        raw_extra = str(options["extra_days"]).strip()
        if not raw_extra.isdigit():
            raise ValidationFailed(f"--extra-days 必须是不小于 0 的整数，收到“{raw_extra}”。", field="extra_days")
        deadline = services.compute_deadline(
            options["rule"], start, extra_days=int(raw_extra), rule_date=rule_date
        )
        self.stdout.write(deadline.due.isoformat())
        if options["explain"]:
            for line in deadline.explain_lines():
                self.stdout.write(line)
