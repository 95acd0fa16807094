"""``xinfang notify``: deliver the due messages of the outbox once (cron or a systemd timer, every minute).

Any number of copies may run at once on any number of servers: each message is claimed by one of them, and a
copy killed halfway leaves its messages to the next run (docs/notifications.md, "恰好一次").
"""

from django.core.management.base import BaseCommand

from xinfang.notifications.sender import describe, send_due


class Command(BaseCommand):
    help = "发送发件箱中到期的消息（站内通知、短信、电子邮件）。可重复运行，多台服务器同时运行也不会重复发送。"

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, help="本次最多处理的消息条数（默认全部）")

    def handle(self, *args, **options):
        out, err = describe(send_due(limit=options.get("limit")))
        for line in out:
            self.stdout.write(line)
        for line in err:
            self.stderr.write(line)
