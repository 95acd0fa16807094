"""``xinfang leaders_daily``: the daily 息诉罢访 check of concluded 包案 (run from cron after ``xinfang tick``)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from xinfang.leaders.services import settled_check


class Command(BaseCommand):
    help = "核定已化解包案是否息诉罢访（每日运行一次，可重复运行）"

    def handle(self, *args, **options):
        result = settled_check()
        self.stdout.write(f"息诉罢访：{len(result.settled)} 件；未息诉（再次信访）：{len(result.unsettled)} 件")
