"""Reads of issued documents (the export; the item page and the 待送达 list will read here too)."""

from __future__ import annotations

from django.db.models import QuerySet

from xinfang.cases.models import Case
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
