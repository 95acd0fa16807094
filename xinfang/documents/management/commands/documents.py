"""``xinfang documents export --out DIR [--case NUMBER]``: every issued document as a file, with a manifest.

Writes ``DIR/<item number>/<document number or kind-id>[-v<version>].docx`` and ``DIR/manifest.json`` (one
object per document: case, kind, number, version, issued_on, delivered_on, remedy_last_day, file, sha256).
The last line printed is a JSON summary, for scripts. Each file's bytes are checked against the hash
recorded when it was issued; a mismatch or a missing file is reported and makes the command fail after
everything else is written.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinfang.documents.selectors import documents_for_export, find_case_number

EXIT_BAD_INPUT = 2


def _safe_part(text: str) -> str:
    return text.replace("/", "_").replace("\\", "_").replace("..", "_").strip() or "_"


class Command(BaseCommand):
    help = "文书：导出已签发的全部文书（.docx）及清单 manifest.json"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, title="子命令")
        export = sub.add_parser("export", help="导出已签发的文书：每件一个目录，另附 manifest.json")
        export.add_argument("--out", required=True, help="导出目录（不存在时自动创建）")
        export.add_argument("--case", help="只导出该信访件编号的文书")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "export":
            self._export(Path(options["out"]), options.get("case"))

    def _prepare(self, out: Path) -> None:
        try:
            out.mkdir(parents=True, exist_ok=True)
            probe = out / ".xinfang-write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise CommandError(
                f"无法写入导出目录 {out}（{reason}），请换一个有写权限的目录", returncode=EXIT_BAD_INPUT
            ) from None

    def _export(self, out: Path, case_number: str | None) -> None:
        if case_number is not None:
            case_number = case_number.strip()
            if find_case_number(case_number) is None:
                raise CommandError(
                    f"没有编号为「{case_number}」的信访件，请核对编号（如 XFJ-2026-000001）",
                    returncode=EXIT_BAD_INPUT,
                )
        self._prepare(out)
        manifest: list[dict[str, Any]] = []
        altered: list[str] = []
        missing: list[str] = []
        cases: set[str] = set()
        for doc in documents_for_export(case_number):
            folder = _safe_part(doc.case.number)
            relative = f"{folder}/{_safe_part(doc.file_stem)}.docx"
            try:
                with doc.file.open("rb") as fh:
                    content = fh.read()
            except OSError:
                # Listed in the manifest all the same: the register says the document was issued.
                missing.append(relative)
                content = None
            if content is not None and hashlib.sha256(content).hexdigest() != doc.sha256:
                altered.append(relative)
            if content is not None:
                target = out / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
            cases.add(doc.case.number)
            manifest.append(
                {
                    "case": doc.case.number,
                    "kind": doc.kind,
                    "number": doc.number,
                    "version": doc.version,
                    "issued_on": doc.issued_on.isoformat(),
                    "delivered_on": doc.delivered_on.isoformat() if doc.delivered_on else None,
                    "remedy_last_day": doc.remedy_last_day.isoformat() if doc.remedy_last_day else None,
                    "file": relative,
                    # The hash recorded at issue: an auditor compares it with the file's own.
                    "sha256": doc.sha256,
                    "template_version": doc.template_version,
                    "supersedes_version": doc.supersedes.version if doc.supersedes_id else None,
                }
            )
        manifest_path = out / "manifest.json"
        tmp = out / "manifest.json.tmp"
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, manifest_path)
        self.stdout.write(f"已导出 {len(manifest)} 份文书（{len(cases)} 件信访件）到 {out}")
        summary = {
            "documents": len(manifest),
            "cases": len(cases),
            "manifest": str(manifest_path),
            "altered": altered,
            "missing": missing,
        }
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
        problems = []
        if altered:
            problems.append(f"{len(altered)} 份文书的文件与签发时记录的校验值不符（{'、'.join(altered)}）")
        if missing:
            problems.append(f"{len(missing)} 份文书的文件在存储中找不到（{'、'.join(missing)}）")
        if problems:
            raise CommandError("；".join(problems) + "，请核查文件存储或从备份恢复", returncode=1)
