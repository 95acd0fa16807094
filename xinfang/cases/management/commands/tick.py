"""``xinfang tick``: the daily job (run it from cron or a systemd timer on any number of app servers).

After the day's moves it delivers the outbox (as ``xinfang notify`` does), so the messages those moves wrote
go out in the same run; ``xinfang notify`` runs more often on its own.
"""

from captcha.models import CaptchaStore
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from xinfang.cases.services import run_daily_tick
from xinfang.core import clock, daily
from xinfang.core.errors import XinfangError
from xinfang.deadlines.services import parse_date
from xinfang.notifications.sender import describe, send_due
from xinfang.notifications.services import purge_delivered


class Command(BaseCommand):
    help = (
        "每日任务：复查/复核申请期限届满的信访件自动终结，标记超期未评价，然后发送发件箱中到期的消息。"
        "可重复运行，多台服务器同时运行也不会重复处理。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按指定日期补跑（YYYY-MM-DD，不能晚于今天），默认今天（北京时间）")

    def handle(self, *args, **options):
        try:
            today = parse_date(options["date"]) if options.get("date") else None
            if today is not None and today > clock.today():
                # Concluding items on a day that has not come would close 复查 windows still open.
                raise CommandError(
                    f"--date {today:%Y-%m-%d} 晚于今天（{clock.today():%Y-%m-%d}），每日任务只能按今天或以前的日期运行",
                    returncode=2,
                )
            result = run_daily_tick(today=today)
        except XinfangError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stdout.write(f"自动终结：{result.concluded} 件；超期未评价：{result.evaluation_overdue} 件")
        out, err = describe(send_due())
        for line in out:
            self.stdout.write(line)
        for line in err:
            self.stderr.write(line)
        # Housekeeping: delivered messages past their keeping period, and the portal's expired challenges
        # (each form view stores one; only a checked form removes its own).
        # The jobs of higher layers (the statistics' fill …), registered in their apps' ready().
        for name, job in daily.jobs():
            try:
                self.stdout.write(job(today))
            except XinfangError as exc:
                self.stderr.write(f"{name}：{exc}")
        purged = purge_delivered(older_than_days=settings.XINFANG_OUTBOX_KEEP_DAYS)
        CaptchaStore.remove_expired()
        self.stdout.write(f"已删除超过 {settings.XINFANG_OUTBOX_KEEP_DAYS} 天的已发送消息：{purged} 条")
