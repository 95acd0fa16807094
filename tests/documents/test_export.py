"""``xinfang documents export``: every issued document as a file, with manifest.json and a JSON summary."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from tests.cases.helpers import D, drive, items, opinion
from xinfang.cases import services as s
from xinfang.cases.states import Status
from xinfang.documents import services as ds
from xinfang.documents.models import DocumentKind

K = DocumentKind
pytestmark = pytest.mark.usefixtures("fake_renderer", "december_first")


@pytest.fixture
def issued(petition, county):
    county.town.doc_prefix = "东政信"
    county.town.save()
    first = drive(petition, county, Status.HANDLING)
    second = drive(petition, county, Status.HANDLING)
    # Each item's acceptance issued its 受理告知书 (东政信受〔2026〕1号 and 2号); the reply and its delivery are acts.
    s.case_reply(case=first, actor=county.li, doc=opinion(), items=items(), on=D(2026, 11, 2))
    s.case_deliver(case=first, actor=county.li, delivered_on=D(2026, 11, 4), method="post")
    reply = first.documents.get(kind=K.REPLY)
    corrected = ds.document_correct(document=reply, actor=county.li, reason="笔误")
    receipt = ds.document_issue(case=first, kind=K.DELIVERY_RECEIPT, actor=county.li, on=D(2026, 11, 4))
    notice = second.documents.get(kind=K.ACCEPTANCE_NOTICE)
    return first, second, [reply, corrected, receipt, notice]


def export(*args):
    out = io.StringIO()
    call_command("documents", "export", *args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_export_writes_every_document_and_the_manifest(issued, tmp_path):
    first, second, (reply, corrected, receipt, notice) = issued
    lines = export("--out", str(tmp_path))
    summary = json.loads(lines[-1])
    assert summary["documents"] == 5 and summary["cases"] == 2 and summary["altered"] == []

    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    by_file = {entry["file"]: entry for entry in manifest}
    assert set(by_file) == {
        f"{first.number}/东政信处〔2026〕1号.docx",
        f"{first.number}/东政信处〔2026〕1号-v2.docx",
        f"{first.number}/delivery_receipt-{receipt.pk}.docx",
        f"{first.number}/东政信受〔2026〕1号.docx",
        f"{second.number}/东政信受〔2026〕2号.docx",
    }
    assert notice.number == "东政信受〔2026〕2号"
    assert by_file[f"{first.number}/东政信处〔2026〕1号.docx"] == {
        "case": first.number,
        "kind": "reply",
        "number": "东政信处〔2026〕1号",
        "version": 1,
        "issued_on": "2026-11-02",
        "delivered_on": "2026-11-04",
        "remedy_last_day": "2026-12-04",
        "file": f"{first.number}/东政信处〔2026〕1号.docx",
        "sha256": reply.sha256,
        "template_version": "builtin-1",
        "supersedes_version": None,
    }
    v2 = by_file[f"{first.number}/东政信处〔2026〕1号-v2.docx"]
    assert v2["version"] == 2 and v2["delivered_on"] is None and v2["supersedes_version"] == 1
    assert by_file[f"{first.number}/delivery_receipt-{receipt.pk}.docx"]["number"] == ""
    for entry in manifest:
        content = (tmp_path / entry["file"]).read_bytes()
        assert hashlib.sha256(content).hexdigest() == entry["sha256"]
        assert entry["kind"] in DocumentKind.values


def test_export_of_one_item(issued, tmp_path):
    first, second, _ = issued
    summary = json.loads(export("--out", str(tmp_path), "--case", second.number)[-1])
    assert summary["documents"] == 1 and summary["cases"] == 1
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert [entry["case"] for entry in manifest] == [second.number]
    assert not (tmp_path / first.number).exists()


def test_unknown_item_number_is_a_clear_error_and_writes_nothing(issued, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(CommandError, match="没有编号为「XFJ-2099-999999」的信访件") as err:
        export("--out", str(out), "--case", "XFJ-2099-999999")
    assert err.value.returncode == 2
    assert not out.exists()


def test_unwritable_directory_is_a_clear_error(issued, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(CommandError, match="无法写入导出目录") as err:
        export("--out", str(blocker / "sub"))
    assert err.value.returncode == 2


def test_a_file_changed_in_storage_is_reported(issued, tmp_path):
    first, _, (reply, *_rest) = issued
    default_storage.delete(reply.file.name)
    default_storage.save(reply.file.name, ContentFile(b"tampered"))
    with pytest.raises(CommandError, match="校验值不符"):
        export("--out", str(tmp_path))
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest) == 5  # everything else is still exported


def test_a_file_missing_from_storage_is_reported(issued, tmp_path):
    first, _, (_reply, corrected, *_rest) = issued
    default_storage.delete(corrected.file.name)
    with pytest.raises(CommandError, match="找不到") as err:
        export("--out", str(tmp_path))
    assert err.value.returncode == 1
    assert not (tmp_path / first.number / "东政信处〔2026〕1号-v2.docx").exists()
    assert (tmp_path / first.number / "东政信处〔2026〕1号.docx").exists()
    assert len(json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))) == 5


def test_an_empty_export_writes_an_empty_manifest(db, tmp_path):
    summary = json.loads(export("--out", str(tmp_path))[-1])
    assert summary["documents"] == 0
    assert json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8")) == []
