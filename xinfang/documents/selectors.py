"""Reads of issued documents: the export, the item page's 「文书」 panel and the actions it offers, download,
print, and the unit's 待送达 list with its batch print."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db.models import QuerySet

from xinfang.cases import disclosure
from xinfang.cases.models import Case, provisional_note
from xinfang.documents.models import DocumentKind, IssuedDocument


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

    @property
    def between_organs(self) -> bool:
        """A letter between organs (转送单, 督办函 …) reaches its addressee with the item, in the system: it is
        never 待送达 (only what the petitioner is handed is delivered and proved by a 送达回证)."""
        return self.document.kind in NOT_TO_PETITIONER and self.document.kind != DocumentKind.DELIVERY_RECEIPT


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


def opinion_remedies(rows: list[PanelRow]) -> dict[str, PanelRow]:
    """The delivered 意见书 of the panel by number (its latest delivered version): the item page shows the
    computed last day of the remedy beside the opinion it answers."""
    delivered: dict[str, PanelRow] = {}
    for row in rows:  # issuing order: a later delivered version wins
        if row.document.number and row.document.remedy_last_day is not None:
            delivered[row.document.number] = row
    return delivered


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


# --- actions of the 「文书」 panel, the 待送达 list and the batch print -----------------------------------------

# The documents the law hands to the petitioner and a 送达回证 proves: everything but the receipt itself and
# the letters between organs (``layout.ORGAN_LETTERS``, kept here without loading python-docx).
NOT_TO_PETITIONER = frozenset(
    {
        DocumentKind.DELIVERY_RECEIPT,
        DocumentKind.TRANSFER,
        DocumentKind.ASSIGNMENT,
        DocumentKind.OBJECTION,
        DocumentKind.SUPERVISION_LETTER,
        DocumentKind.REMINDER_LETTER,
    }
)
# The kinds issued on demand (not by an act), in the order the panel offers them.
ON_DEMAND_KINDS = (
    DocumentKind.TRANSFER,
    DocumentKind.ASSIGNMENT,
    DocumentKind.OBJECTION,
    DocumentKind.SUPERVISION_LETTER,
    DocumentKind.REMINDER_LETTER,
)
_ROUTED_KIND = {
    "forward": DocumentKind.TRANSFER,
    "forward_down": DocumentKind.TRANSFER,
    "assign": DocumentKind.ASSIGNMENT,
    "assign_down": DocumentKind.ASSIGNMENT,
}


def may_issue(user, kind: str, unit) -> bool:
    """The permission ``documents.services`` checks before it issues, corrects or records a delivery of ``kind``
    for ``unit`` (``ISSUE_PERMS``): asked here so the page offers only what the service will accept."""
    from xinfang.documents import services

    return unit is not None and services._may_issue(user, kind, unit)


def speaking_unit(case: Case, kind: str):
    """The unit a document of ``kind`` would speak for: the 信访部门 that routed the item for a 转送单 or
    交办单, else the unit that has it. The service's own rule, called rather than copied: a copy could drift
    and offer a button the service then refuses."""
    from xinfang.documents import services

    return services._speaking_unit(case, kind)


def receipt_for(document: IssuedDocument) -> IssuedDocument | None:
    """The 送达回证 already issued for ``document`` (it names the document it was issued for)."""
    if document.delivered_on is None:
        return None
    return (
        IssuedDocument.objects.filter(
            case_id=document.case_id, kind=DocumentKind.DELIVERY_RECEIPT, data__issued_with__document_id=document.pk
        )
        .order_by("pk")
        .first()
    )


@dataclass(frozen=True)
class DocumentActions:
    """What one user may do now with one issued version on the item page."""

    deliver: bool = False  # 登记送达
    receipt: bool = False  # 出具送达回证
    correct: bool = False  # 更正

    @property
    def any(self) -> bool:
        return self.deliver or self.receipt or self.correct


def document_actions(user, case: Case, row: PanelRow) -> DocumentActions:
    """The buttons of one panel row. Nobody on the accused side of a 检举控告 acts on its documents (they may
    not open them either); everyone else gets exactly what the services would accept from them now."""

    doc = row.document
    if not disclosure.identity_visible(user, case):
        return DocumentActions()
    receipt_kind = doc.kind == DocumentKind.DELIVERY_RECEIPT
    latest = row.corrected_by is None
    may = may_issue(user, doc.kind, doc.issuing_unit)
    deliver = may and latest and not receipt_kind and doc.delivered_on is None
    receipt = (
        doc.delivered_on is not None
        and doc.kind not in NOT_TO_PETITIONER
        and may_issue(user, DocumentKind.DELIVERY_RECEIPT, speaking_unit(case, DocumentKind.DELIVERY_RECEIPT))
        and receipt_for(doc) is None
    )
    return DocumentActions(deliver=deliver, receipt=receipt, correct=may and latest)


def issuable_kinds(user, case: Case) -> list[str]:
    """The on-demand kinds ``user`` may issue for ``case`` in its present state: a 转送单 or 交办单 once the item
    has been routed (one per routing), an 异议函 while an objection waits, a 督办函 or 提醒函 for a supervisor
    while the item is open. Nothing for a user on the accused side."""
    from xinfang.cases.states import OPEN_STATES, Status
    from xinfang.documents.services import ROUTING_ACTIONS

    if not disclosure.identity_visible(user, case):
        return []
    kinds: list[str] = []
    routed = case.events.filter(action__in=ROUTING_ACTIONS).order_by("-pk").first()
    if routed is not None:
        kind = _ROUTED_KIND[routed.action]
        issued = case.events.filter(action="document_issued", pk__gt=routed.pk, data__kind=kind).exists()
        if not issued and may_issue(user, kind, speaking_unit(case, kind)):
            kinds.append(kind)
    if case.status == Status.OBJECTION:
        objected = case.events.filter(action="object").order_by("-pk").first()
        issued = objected is not None and case.events.filter(
            action="document_issued", pk__gt=objected.pk, data__kind=DocumentKind.OBJECTION
        ).exists()
        if not issued and may_issue(user, DocumentKind.OBJECTION, speaking_unit(case, DocumentKind.OBJECTION)):
            kinds.append(DocumentKind.OBJECTION)
    if case.status in OPEN_STATES and getattr(user, "unit_id", None) is not None:
        for kind in (DocumentKind.SUPERVISION_LETTER, DocumentKind.REMINDER_LETTER):
            if may_issue(user, kind, speaking_unit(case, kind)):
                kinds.append(kind)
    return kinds


def document_to_act_on(user, case: Case, document_id: int) -> IssuedDocument | None:
    """One document of ``case`` (found by the caller through ``access_case``) to deliver, correct or give a
    receipt for: None for a document of another item or for a user on the accused side. Not logged: acting
    on a document shows none of it."""
    if not disclosure.identity_visible(user, case):
        return None
    return (
        IssuedDocument.objects.select_related("case", "issuing_unit")
        .filter(pk=document_id, case=case)
        .first()
    )


def receipt_extra(document: IssuedDocument, *, deliverer: str) -> dict:
    """What the 送达回证 of a delivered ``document`` says, taken from the document's own delivery record."""
    from xinfang.documents.models import DeliveryMethod

    method = DeliveryMethod(document.delivery_method).label if document.delivery_method else ""
    return {
        "document_id": document.pk,
        "document_kind": document.kind,
        "document_number": document.number,
        "delivered_on": document.delivered_on,
        "method": str(method),
        "signer": document.delivery_signer,
        "deliverer": deliverer,
    }


def pending_delivery(user) -> QuerySet[IssuedDocument]:
    """待送达: the latest versions, not yet delivered, of the documents addressed to petitioners that the user's
    unit issued, on items the user can see; none of an item whose accuser is hidden from the user."""
    from xinfang.cases import secrecy
    from xinfang.cases.selectors import cases_visible_to

    unit_id = getattr(user, "unit_id", None)
    if unit_id is None:
        return IssuedDocument.objects.none()
    return (
        IssuedDocument.objects.filter(
            issuing_unit_id=unit_id,
            delivered_on__isnull=True,
            superseded_by__isnull=True,
            case__in=cases_visible_to(user).values("pk"),
        )
        .exclude(kind__in=NOT_TO_PETITIONER)
        .exclude(secrecy.accused_side_q(user, prefix="case__"))
        .select_related("case", "issuing_unit")
        .order_by("issued_on", "pk")
    )


def blank_receipt(document: IssuedDocument) -> bytes:
    """A 送达回证 for ``document`` with the delivery left blank, to print and take along: the county's receipt
    template filled with the document's title, number and addressee (nothing is issued or stored)."""
    from xinfang.documents import context, render, services

    extra = {"document_kind": document.kind, "document_number": document.number,
             "issuing_unit": document.issuing_unit}
    # issued_on=None leaves the date under the seal blank: it is written in by hand on delivery.
    filled = context.build_context(
        document.case, DocumentKind.DELIVERY_RECEIPT, number="", issued_on=None, extra=extra  # type: ignore[arg-type]
    )
    template, _version = services._template_for(DocumentKind.DELIVERY_RECEIPT)
    return render.render_docx(DocumentKind.DELIVERY_RECEIPT, filled, template)


def document_for_user(user, document_id: int, *, purpose: str) -> IssuedDocument | None:
    """A document known only by its id (the batch print), through the same doors as one on its item's page:
    ``access_case`` for the item, then ``document_for`` (None on the accused side; logged)."""
    from xinfang.cases.selectors import access_case
    from xinfang.core.errors import NotFound

    case_id = IssuedDocument.objects.filter(pk=document_id).values_list("case_id", flat=True).first()
    if case_id is None:
        return None
    try:
        case = access_case(user, case_id)
    except NotFound:
        return None
    return document_for(user, case, document_id, purpose=purpose)
