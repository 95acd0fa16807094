"""``xinfang supervise``: the daily supervision job. Cron runs it after ``xinfang tick`` (which moves the items
and delivers the outbox first), e.g. ``30 1 * * * xinfang tick && xinfang supervise``. It is idempotent:
running it twice, or on two servers, sends no letter twice and registers no error twice."""

from django.core.management.base import BaseCommand, CommandError

from xinfang.core import clock
from xinfang.core.errors import XinfangError
from xinfang.deadlines.services import parse_date
from xinfang.supervision.jobs import run_daily


class Command(BaseCommand):
    help = "每日督查任务：逾期未回复的督办自动催办；按设定时点发送提醒函；扫描并登记差错。可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按指定日期补跑（YYYY-MM-DD，不能晚于今天），默认今天（北京时间）")

    def handle(self, *args, **options):
        try:
            today = parse_date(options["date"]) if options.get("date") else None
            if today is not None and today > clock.today():
                raise CommandError(f"--date {today:%Y-%m-%d} 晚于今天，督查任务只能按今天或以前的日期运行", returncode=2)
            result = run_daily(today=today)
        except XinfangError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stdout.write(f"自动催办：{result.urged} 件；提醒函：{result.reminders} 份；新登记差错：{result.errors} 条")
        for note in result.notes:
            self.stderr.write(note)
