"""``xinfang demo`` issues every kind of written document through the real services; export covers them all."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

import pytest
import time_machine
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from xinfang.documents.models import DocumentKind, IssuedDocument

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MANIFEST_FIELDS = {"case", "kind", "number", "issued_on", "delivered_on", "remedy_last_day", "file", "sha256"}


FROZEN = dt.datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)
IN_MEMORY = {"BACKEND": "django.core.files.storage.InMemoryStorage"}


def _run_demo(**options) -> str:
    out = io.StringIO()
    call_command("demo", stdout=out, items=120, seed=1, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    """One demo county for the tests that only read it (a run takes half a minute): built once, in its own
    storage, inside a transaction rolled back when the module ends; each test runs in a savepoint within it."""
    storages = {**settings.STORAGES, "default": IN_MEMORY}
    with django_db_blocker.unblock(), override_settings(STORAGES=storages), time_machine.travel(FROZEN, tick=False):
        with transaction.atomic():
            yield _run_demo()
            transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(FROZEN, tick=False):
        yield


def stored(name: str) -> bytes:
    with default_storage.open(name, "rb") as fh:
        return fh.read()


def test_demo_issues_every_kind_through_the_services(demo_output):
    issued = set(IssuedDocument.objects.values_list("kind", flat=True))
    assert set(DocumentKind.values) <= issued, set(DocumentKind.values) - issued
    assert "签发失败的文书：0 份" in demo_output
    total = IssuedDocument.objects.count()
    # Every act of the law issues its notice, so most items carry one to four documents; on-demand kinds a few.
    assert 120 < total <= 4 * 120, total
    assert f"文书：签发 {total} 份（14/14 种，含更正版本 1 份）" in demo_output
    assert "生成失败而跳过的信访件：0 件" in demo_output

    for doc in IssuedDocument.objects.all():
        assert doc.file.name, doc
        content = stored(doc.file.name)
        assert hashlib.sha256(content).hexdigest() == doc.sha256 and len(content) == doc.size, doc
        assert doc.issued_on <= dt.date(2026, 11, 26) and doc.issued_on >= doc.case.received_on
        if doc.kind != DocumentKind.DELIVERY_RECEIPT:
            assert doc.number, doc
    # The demo units carry their own 机关代字.
    assert IssuedDocument.objects.filter(kind="transfer", number__startswith="清信转〔").exists()


def test_demo_corrects_one_document_and_keeps_both_versions(demo_output):
    corrected = IssuedDocument.objects.get(supersedes__isnull=False)
    first = corrected.supersedes
    assert corrected.version == 2 and first.version == 1 and corrected.number == first.number
    assert corrected.correction_reason
    assert stored(first.file.name) != b"" and first.file.name != corrected.file.name
    assert hashlib.sha256(stored(first.file.name)).hexdigest() == first.sha256


def test_demo_delivers_replies_and_review_decisions_with_their_remedy_deadline(demo_output):
    for kind in (DocumentKind.REPLY, DocumentKind.REVIEW_DECISION):
        delivered = IssuedDocument.objects.filter(kind=kind, delivered_on__isnull=False)
        assert delivered.exists(), kind
        for doc in delivered:
            assert doc.delivery_method
            # A receipt signed in person names its signer; by post nobody signs the office's copy.
            assert bool(doc.delivery_signer) == (doc.delivery_method == "in_person"), doc
            assert doc.remedy_last_day is not None and doc.remedy_last_day > doc.delivered_on


def test_export_over_the_demo_covers_every_kind(demo_output, tmp_path):
    out = io.StringIO()
    call_command("documents", "export", "--out", str(tmp_path), stdout=out)
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    entries = manifest if isinstance(manifest, list) else manifest["documents"]
    assert len(entries) == IssuedDocument.objects.count()
    assert {e["kind"] for e in entries} == set(DocumentKind.values)
    for entry in entries:
        assert MANIFEST_FIELDS <= set(entry), entry
        path = tmp_path / entry["file"]
        assert path.is_file(), entry["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
    assert any(e["remedy_last_day"] for e in entries if e["kind"] == "reply")


def test_reset_removes_the_demo_documents_and_issues_them_again(settings):
    # This one changes the demo: its own run, in a storage of its own.
    settings.STORAGES = {**settings.STORAGES, "default": IN_MEMORY}
    _run_demo()
    before = sorted(IssuedDocument.objects.values_list("kind", "number", "version"))
    out = io.StringIO()
    call_command("demo", stdout=out, items=120, seed=1, reset=True)
    assert "已删除原有演示数据" in out.getvalue()
    assert sorted(IssuedDocument.objects.values_list("kind", "number", "version")) == before
