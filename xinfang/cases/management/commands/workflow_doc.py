"""``xinfang workflow_doc``: write docs/workflow.md from the transition table, so the document cannot drift."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from xinfang.cases.docs import render_workflow_markdown


class Command(BaseCommand):
    help = "根据状态迁移表生成 docs/workflow.md"

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "docs" / "workflow.md"))
        parser.add_argument("--check", action="store_true", help="只检查文件是否与代码一致，不一致时退出码为 1")

    def handle(self, *args, **options):
        text = render_workflow_markdown()
        out = Path(options["out"])
        if options["check"]:
            if not out.exists() or out.read_text(encoding="utf-8") != text:
                self.stderr.write(f"{out} 与状态迁移表不一致，请运行 xinfang workflow_doc 重新生成")
                raise SystemExit(1)
            self.stdout.write(f"{out} 与代码一致")
            return
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        self.stdout.write(f"已写入 {out}")
