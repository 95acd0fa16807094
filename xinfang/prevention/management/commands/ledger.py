"""``xinfang ledger import FILE.xlsx --unit CODE`` and ``xinfang ledger export --out FILE.xlsx [--unit CODE]``.

A thin shell over ``prevention.ledger_excel``: the import is all or nothing and prints every bad row.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from xinfang.core.errors import ValidationFailed
from xinfang.orgs.models import Unit
from xinfang.prevention import ledger_excel
from xinfang.prevention.models import DisputeEntry

EXIT_BAD_INPUT = 2


class Command(BaseCommand):
    help = "矛盾纠纷排查台账：import 从 Excel 导入（整表校验，有错则全部不导入），export 导出为 Excel。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        p_import = sub.add_parser("import", help="导入台账（表头与导出格式相同）")
        p_import.add_argument("file", help=".xlsx 文件路径")
        p_import.add_argument("--unit", required=True, help="文件所属单位的代码（乡镇或县），如 DJZ")
        p_export = sub.add_parser("export", help="导出台账")
        p_export.add_argument("--out", required=True, help="输出的 .xlsx 文件路径")
        p_export.add_argument("--unit", help="只导出该单位辖区内的记录（单位代码）")

    def handle(self, *args, **options) -> None:
        try:
            if options["action"] == "import":
                self._import(options)
            else:
                self._export(options)
        except ledger_excel.ImportRejected as exc:
            self.stderr.write(f"导入失败，共 {len(exc.errors)} 处错误，未导入任何记录：")
            for line in exc.errors:
                self.stderr.write(f"  {line}")
            raise SystemExit(EXIT_BAD_INPUT) from None
        except ValidationFailed as exc:
            self.stderr.write(exc.message)
            raise SystemExit(EXIT_BAD_INPUT) from None

    def _unit(self, code: str) -> Unit:
        unit = Unit.objects.filter(code=code.strip().upper()).first()
        if unit is None:
            raise ValidationFailed(f"单位代码「{code}」不存在")
        return unit

    def _import(self, options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise ValidationFailed(f"找不到文件：{path}")
        unit = self._unit(options["unit"])
        created = ledger_excel.import_entries(content=path.read_bytes(), scope=unit, actor=None)
        self.stdout.write(f"已导入 {len(created)} 条排查记录（{unit.name}）")

    def _export(self, options) -> None:
        qs = DisputeEntry.objects.all()
        if options.get("unit"):
            qs = qs.filter(ledger_excel.scope_q(self._unit(options["unit"])))
        out = Path(options["out"])
        out.write_bytes(ledger_excel.export_entries(qs))
        self.stdout.write(f"已导出 {qs.count()} 条排查记录到 {out}")
