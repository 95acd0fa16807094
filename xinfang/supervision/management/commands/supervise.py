"""``xinfang supervise``: the daily supervision job. Cron runs it after ``xinfang tick`` (which moves the items
and delivers the outbox first), e.g. ``30 1 * * * xinfang tick && xinfang supervise``. It is idempotent:
running it twice, or on two servers, sends no letter twice and registers no error twice.

It also folds the running-clock tally the board counts from (``cases.tally``); ``--recount`` counts the tally
again from the clocks (after a bulk import that bypassed the workflow) and ``--check`` compares the two."""

from django.core.management.base import BaseCommand, CommandError

from xinfang.core import clock
from xinfang.core.errors import XinfangError
from xinfang.deadlines.services import parse_date
from xinfang.supervision.jobs import run_daily


class Command(BaseCommand):
    help = "每日督查任务：逾期未回复的督办自动催办；按设定时点发送提醒函；扫描并登记差错。可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按指定日期补跑（YYYY-MM-DD，不能晚于今天），默认今天（北京时间）")
        parser.add_argument("--recount", action="store_true", help="按运行中的期限重新统计督查看板的计数（批量导入后使用）")
        parser.add_argument("--check", action="store_true", help="只核对督查看板的计数与运行中的期限是否一致")

    def handle(self, *args, **options):
        from xinfang.cases import tally

        if options["check"] or options["recount"]:
            if options["recount"]:
                tally.rebuild()
            wrong = tally.mismatches()
            self.stdout.write(f"督查看板计数核对：{len(wrong)} 处不一致")
            if wrong:
                raise CommandError("计数与运行中的期限不一致，请运行 xinfang supervise --recount", returncode=1)
            return
        try:
            today = parse_date(options["date"]) if options.get("date") else None
            if today is not None and today > clock.today():
                raise CommandError(f"--date {today:%Y-%m-%d} 晚于今天，督查任务只能按今天或以前的日期运行", returncode=2)
            result = run_daily(today=today)
        except XinfangError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stdout.write(f"自动催办：{result.urged} 件；提醒函：{result.reminders} 份；新登记差错：{result.errors} 条")
        self.stdout.write(f"督查看板计数已合并：{tally.compact()} 行")
        for note in result.notes:
            self.stderr.write(note)
