"""``xinfang intel train|evaluate|index``: the text-intelligence models and indexes.

The last line of ``train`` and ``evaluate`` is one JSON object, for scripts. Errors are Chinese messages on
stderr with exit status 2.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from xinfang.cases.models import Case


class Command(BaseCommand):
    help = "文本智能：训练与评估分类模型（intel train / intel evaluate），重建相似检索索引（intel index）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="训练内容分类模型")
        src = train.add_mutually_exclusive_group(required=True)
        src.add_argument("--data", help="带标签的 CSV 或 XLSX（列：留言主题、留言详情、一级标签）")
        src.add_argument("--from-cases", action="store_true", help="用系统中已确定分类的信访件训练")
        train.add_argument("--out", required=True, help="模型文件路径（.npz）")
        train.add_argument("--unlabelled", nargs="*", default=[], help="无标签文本文件（用于半监督），可多个")
        ev = sub.add_parser("evaluate", help="在带标签的数据上评估模型")
        ev.add_argument("--model", required=True)
        ev.add_argument("--data", required=True)
        sub.add_parser("index", help="检查相似检索索引（从数据库追平）并报告规模")

    def handle(self, *args, **options):
        try:
            result = getattr(self, f"_{options['action']}")(options)
        except CommandError:
            raise
        except ImportError as exc:
            raise CommandError(f"本版本尚未包含内容分类模型的训练与评估组件（{exc.name}）", returncode=2) from exc
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if result is not None:
            self.stdout.write(json.dumps(result, ensure_ascii=False))

    def _train(self, options):
        from xinfang.intelligence.text import cli

        if options["from_cases"]:
            with tempfile.TemporaryDirectory() as tmp:
                data = Path(tmp) / "cases.csv"
                n = sum(self._export_cases(data, label="category").values())
                if n < 20:
                    raise CommandError(f"已确定内容分类的信访件只有 {n} 件，至少需要 20 件才能训练", returncode=2)
                result = cli.train(str(data), options["out"], unlabelled_paths=options["unlabelled"] or None)
                claim = Path(tmp) / "claims.csv"
                claims = self._export_cases(claim, label="claim_type")
                # The claim-type model is a bonus: too few items, or all of one type, skips it with a reason
                # instead of failing the category model that was just written.
                if sum(claims.values()) >= 20 and len(claims) >= 2:
                    claim_out = str(Path(options["out"]).with_suffix("")) + "-claim.npz"
                    result["claim_type_model"] = cli.train(str(claim), claim_out).get("model_version")
                else:
                    result["claim_type_model"] = None
                    result["claim_type_skipped"] = "信访类别训练数据不足：至少需要 20 件且两种以上类别"
                return result
        return cli.train(options["data"], options["out"], unlabelled_paths=options["unlabelled"] or None)

    def _export_cases(self, path: Path, *, label: str) -> Counter[str]:
        """Items whose category (or claim type) staff decided become training rows; returns rows per label."""
        counts: Counter[str] = Counter()
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["留言主题", "留言详情", "一级标签"])
            qs = Case.objects.select_related("category__parent__parent", "category__parent")
            if label == "category":
                qs = qs.filter(category__isnull=False)
            for case in qs.iterator(chunk_size=2000):
                if label == "category":
                    top = case.category
                    while top.parent_id is not None:
                        top = top.parent
                    value = top.name
                else:
                    value = case.get_claim_type_display()
                writer.writerow([case.title, case.content, value])
                counts[value] += 1
        return counts

    def _evaluate(self, options):
        from xinfang.intelligence.text import cli

        return cli.evaluate(options["model"], options["data"])

    def _index(self, options):
        import time

        from xinfang.intelligence import services

        started = time.perf_counter()
        index = services._index.get()
        self.stdout.write(
            f"相似检索索引：{len(index)} 件，约 {index.memory_bytes() / 1048576:.1f} MB，用时 {time.perf_counter() - started:.1f} 秒"
        )
        return None
