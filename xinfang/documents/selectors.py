"""Reads of issued documents: the export, the item page's 「文书」 panel, download and print."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db.models import QuerySet

from xinfang.cases import disclosure
from xinfang.cases.models import Case, provisional_note
from xinfang.documents.models import IssuedDocument


def find_case_number(number: str) -> str | None:
    """The item number if such an item exists (the export asks before it writes anything)."""
    return Case.objects.filter(number=number).values_list("number", flat=True).first()


def documents_for_export(case_number: str | None = None) -> QuerySet[IssuedDocument]:
    """Every issued document, all versions, item by item in issuing order (for administrators' export)."""
    qs = IssuedDocument.objects.select_related("case", "supersedes").order_by(
        "case__number", "issued_at", "pk"
    )
    if case_number is not None:
        qs = qs.filter(case__number=case_number)
    return qs


def carries_identity(document: IssuedDocument) -> bool:
    """Does the file name the petitioner? Every document addressed to them and the 送达回证 do; a letter
    between organs does too, except about a 检举控告, where the accuser is left out (``context.SECRET_ACCUSER``)."""
    from xinfang.documents.layout import ORGAN_LETTERS  # python-docx: loaded when a document is served

    return document.kind not in ORGAN_LETTERS or not document.case.is_accusation


@dataclass
class PanelRow:
    """One issued version on the item page; a corrected one stays listed, marked and with the reason."""

    document: IssuedDocument
    corrected_by: IssuedDocument | None
    remedy_note: str  # 「暂定（2027年放假安排尚未录入）」 beside a provisional remedy last day


def documents_panel(case: Case) -> list[PanelRow]:
    """Every issued version of ``case``'s documents in issuing order (the caller has checked access)."""
    docs = list(
        IssuedDocument.objects.filter(case=case)
        .select_related("case", "issuing_unit")
        .order_by("issued_at", "pk")
    )
    newer = {d.supersedes_id: d for d in docs if d.supersedes_id is not None}
    return [
        PanelRow(
            document=d,
            corrected_by=newer.get(d.pk),
            remedy_note=provisional_note(d.remedy_last_day, d.remedy_provisional),
        )
        for d in docs
    ]


def document_for(user, case: Case, document_id: int, *, purpose: str) -> IssuedDocument | None:
    """One document of ``case`` (found by the caller through ``access_case``) for download or printing, through
    the disclosure door: None for a document of another item or for a user on the accused side; logged."""
    document = IssuedDocument.objects.select_related("case").filter(pk=document_id, case=case).first()
    if document is None:
        return None
    return disclosure.document_for(user, case, document, purpose=purpose, identity=carries_identity(document))


def document_content(document: IssuedDocument) -> bytes | None:
    """The stored file exactly as issued, or None if it is missing or no longer matches the SHA-256 recorded
    at issue (never hand out a file that differs from what the petitioner holds)."""
    if not document.file.name:
        return None
    try:
        with default_storage.open(document.file.name, "rb") as fh:
            content = fh.read()
    except (FileNotFoundError, OSError):
        return None
    return content if hashlib.sha256(content).hexdigest() == document.sha256 else None


def download_name(document: IssuedDocument) -> str:
    """The file name offered to the browser: the document number (a 送达回证 has none: its kind), and the
    version from the second one on."""
    stem = document.number or f"{document.get_kind_display()}-{document.pk}"
    stem = stem.replace("/", "_").replace("\\", "_")
    return f"{stem}.docx" if document.version == 1 else f"{stem}-第{document.version}版.docx"
