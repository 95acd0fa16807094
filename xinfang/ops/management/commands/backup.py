"""``xinfang backup --out FILE``: the database and every stored file in one archive (see xinfang/ops/backup.py)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from xinfang.core.errors import XinfangError
from xinfang.ops.backup import create_backup


class Command(BaseCommand):
    help = "备份：把数据库和全部附件写入一个 .tar.gz 文件（含清单与校验值）。最后一行输出 JSON 摘要。"

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="备份文件路径，例如 /srv/backup/xinfang-20261201.tar.gz")
        parser.add_argument("--database", default="default", help="数据库别名（默认 default）")

    def handle(self, *args, **options):
        try:
            result = create_backup(options["out"], using=options["database"])
        except XinfangError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        c = result.counts
        self.stdout.write(
            f"备份完成：{result.path}（{result.bytes} 字节，{result.vendor}）。"
            f"信访件 {c['items']} 件，办理记录 {c['events']} 条，意见书 {c['opinions']} 份，"
            f"附件 {c['attachments']} 个（文件 {result.files} 个）。"
        )
        for name in result.missing_files[:20]:
            self.stderr.write(f"警告：附件文件缺失，未能备份：{name}")
        self.stdout.write(json.dumps(result.summary(), ensure_ascii=False))
