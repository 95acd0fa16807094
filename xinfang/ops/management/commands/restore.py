"""``xinfang restore FILE``: put a backup made by ``xinfang backup`` back (see xinfang/ops/backup.py)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from xinfang.core.errors import XinfangError
from xinfang.ops.backup import restore_backup


class Command(BaseCommand):
    help = (
        "恢复：先完整校验备份文件（格式、数据库类型、每个文件的校验值），再替换数据库、写回附件，最后核对数量。"
        "目标数据库已有数据时需加 --force。最后一行输出 JSON 摘要。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="xinfang backup 生成的 .tar.gz 文件")
        parser.add_argument("--force", action="store_true", help="目标数据库已有数据时仍然用备份替换（现有数据全部丢失）")
        parser.add_argument("--database", default="default", help="数据库别名（默认 default）")

    def handle(self, *args, **options):
        try:
            result = restore_backup(options["file"], using=options["database"], force=options["force"])
        except XinfangError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        c = result.counts
        self.stdout.write(
            f"恢复完成：{result.path}（备份时间 {result.created_at}）。"
            f"信访件 {c['items']} 件，办理记录 {c['events']} 条，意见书 {c['opinions']} 份，"
            f"附件 {c['attachments']} 个（文件 {result.files} 个），数量与备份清单一致。"
            "如程序版本比备份新，请接着运行 xinfang migrate。"
        )
        self.stdout.write(json.dumps(result.summary(), ensure_ascii=False))
