"""The one write path of written documents: issue, correct, record delivery, upload a county template.

An issued document is fixed: its file, hash, number and template version never change. A correction is a
new version with the same number that supersedes the old one; both rows and both files stay. The renderer
(``documents.render``) and the context builder (``documents.context``) are imported when a document is
issued, not when this module loads, so the workflow can import the services cheaply.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import io
import json
import logging
import re
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction

from xinfang.cases.models import Case, Opinion
from xinfang.cases.states import Status
from xinfang.cases.workflow import record
from xinfang.core import clock
from xinfang.core.errors import PermissionRefused, ValidationFailed
from xinfang.documents import numbering
from xinfang.documents.models import (
    DELIVERY_FIELDS,
    DeliveryMethod,
    DocumentKind,
    DocumentTemplate,
    IssuedDocument,
)
from xinfang.orgs import policies
from xinfang.orgs.models import Unit, User
from xinfang.orgs.permissions import Perm

K = DocumentKind

# Who may issue each kind: any one of these permissions on the issuing unit. The unit acting on the item
# speaks (受理/答复 by the handling unit, 复查/复核 by the review organ, 转送/交办 by the 信访部门 before it
# moves the item on), except for supervision: a 督办函 or 提醒函 speaks for the supervisor's own unit, who
# must hold 督办 over the unit that has the item.
ISSUE_PERMS: dict[str, tuple[str, ...]] = {
    K.ACCEPTANCE_NOTICE: (Perm.ACCEPT, Perm.ROUTE),
    K.REFUSAL_NOTICE: (Perm.ACCEPT, Perm.ROUTE),
    K.NO_FURTHER_NOTICE: (Perm.ACCEPT, Perm.ROUTE),
    K.EXTENSION_NOTICE: (Perm.HANDLE, Perm.APPROVE_EXTENSION),
    K.REPLY: (Perm.HANDLE,),
    K.REVIEW_DECISION: (Perm.REVIEW,),
    K.REREVIEW_DECISION: (Perm.REVIEW,),
    K.REQUEST_REFUSAL_NOTICE: (Perm.REVIEW,),
    K.DELIVERY_RECEIPT: (Perm.HANDLE, Perm.REVIEW, Perm.ROUTE, Perm.ACCEPT),
    K.TRANSFER: (Perm.ROUTE,),
    K.ASSIGNMENT: (Perm.ROUTE,),
    K.OBJECTION: (Perm.SIGN,),
    K.SUPERVISION_LETTER: (Perm.SUPERVISE,),
    K.REMINDER_LETTER: (Perm.SUPERVISE,),
}
SPEAKS_FOR_OWN_UNIT = frozenset({K.SUPERVISION_LETTER, K.REMINDER_LETTER})
ROUTED_BY_SENDER = frozenset({K.TRANSFER, K.ASSIGNMENT})
ROUTING_ACTIONS = ("forward", "assign", "forward_down", "assign_down")

# The petitioner's next remedy once the document is delivered: its deadline rule (decisions §8; 《信访工作
# 条例》第三十五、三十六条). The period runs from the day the petitioner received the document.
REMEDY_RULES: dict[str, str] = {
    K.REPLY: "review_request",
    K.REVIEW_DECISION: "rereview_request",
}

OPINION_STAGES: dict[str, str] = {
    K.REPLY: Opinion.Stage.REPLY,
    K.REVIEW_DECISION: Opinion.Stage.REVIEW,
    K.REREVIEW_DECISION: Opinion.Stage.REREVIEW,
}

logger = logging.getLogger(__name__)

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
MAX_REASON = 500


def _check_kind(kind: str) -> str:
    if kind not in DocumentKind.values:
        choices = "、".join(f"{value}（{label}）" for value, label in DocumentKind.choices)
        raise ValidationFailed(f"未知的文书种类「{kind}」，可选：{choices}", field="kind")
    return kind


def _label(kind: str) -> str:
    return str(DocumentKind(kind).label)


def _may_issue(actor: User | None, kind: str, unit: Unit | None) -> bool:
    return any(policies.can(actor, perm, unit) for perm in ISSUE_PERMS[kind])


def _speaking_unit(case: Case, kind: str) -> Unit | None:
    """The unit a document speaks for: the unit that has the item, except that a 转送单 or 交办单 speaks for
    the 信访部门 that routed the item, which no longer has it once it is routed."""
    if kind == K.OBJECTION:
        # The 异议函 speaks for the unit that objected; the item has gone back to the 信访部门 by then.
        event = case.events.filter(action="object", actor_unit__isnull=False).select_related("actor_unit")
        objected = event.order_by("-pk").first()
        if objected is not None:
            return objected.actor_unit
    if kind in ROUTED_BY_SENDER:
        event = (
            case.events.filter(action__in=ROUTING_ACTIONS, actor_unit__isnull=False)
            .select_related("actor_unit")
            .order_by("-pk")
            .first()
        )
        if event is not None:
            return event.actor_unit
    return case.current_unit


def _issuing_unit(case: Case, kind: str, actor: User | None) -> Unit:
    label = _label(kind)
    if actor is None:
        raise PermissionRefused(f"签发「{label}」需要有权限的工作人员操作")
    unit = _speaking_unit(case, kind)
    if not _may_issue(actor, kind, unit):
        where = unit.name if unit is not None else "（无办理单位）"
        raise PermissionRefused(f"您对「{where}」办理的信访件没有签发「{label}」的权限")
    if kind in SPEAKS_FOR_OWN_UNIT:
        if actor.unit is None:
            raise PermissionRefused(f"签发「{label}」需要您的账号属于某个单位，请联系系统管理员")
        return actor.unit
    assert unit is not None  # _may_issue is False without a unit
    return unit


class _SnapshotEncoder(DjangoJSONEncoder):
    # The renderer may put objects of its own into the context (rich text, images): the snapshot keeps
    # their text, so the row stays plain JSON.
    def default(self, o: Any) -> Any:
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def _snapshot(context: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(context, cls=_SnapshotEncoder, ensure_ascii=False))


def _template_for(kind: str) -> tuple[bytes | None, str]:
    """The county's active version of the template, or the shipped one: ``(bytes, version label)``."""
    active = DocumentTemplate.objects.filter(kind=kind, is_active=True).first()
    if active is not None:
        with active.file.open("rb") as fh:
            return fh.read(), active.version_label
    render = importlib.import_module("xinfang.documents.render")
    return render.default_template(kind)


def _render(
    case: Case, kind: str, *, number: str, issued_on: dt.date, extra: dict | None
) -> tuple[bytes, str, dict]:
    context_module = importlib.import_module("xinfang.documents.context")
    render = importlib.import_module("xinfang.documents.render")
    context = context_module.build_context(case, kind, number=number, issued_on=issued_on, extra=extra)
    template, template_version = _template_for(kind)
    try:
        content = render.render_docx(kind, context, template)
    except Exception as exc:  # noqa: BLE001 (a county's own template may be broken: say so, keep nothing)
        logger.exception("rendering %s for %s failed", kind, case.number)
        raise ValidationFailed(
            f"「{_label(kind)}」生成失败（模板 {template_version}：{exc}），本次操作未保存；"
            "请系统管理员检查该文书模板后重试",
            field="kind",
        ) from exc
    # What the document was issued with beyond the item (a refusal's route, a receipt's delivery, a letter's
    # note) is kept with its snapshot, so a correction says the same apart from the fix.
    context = {**context, ISSUED_WITH: {k: v for k, v in (extra or {}).items() if k != "issuing_unit"}}
    return content, template_version, context


ISSUED_WITH = "issued_with"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def issued_with(document: IssuedDocument) -> dict[str, Any]:
    """The extra data ``document`` was issued with (dates back as dates)."""
    stored = (document.data or {}).get(ISSUED_WITH) or {}
    return {
        key: dt.date.fromisoformat(value) if isinstance(value, str) and _ISO_DATE.fullmatch(value) else value
        for key, value in stored.items()
    }


def _safe_part(text: str) -> str:
    # Item numbers and document numbers become path parts: keep them from naming another directory.
    return text.replace("/", "_").replace("\\", "_").replace("..", "_").strip() or "_"


def _store(doc: IssuedDocument, content: bytes) -> None:
    """Write the file and its name (inside the issuing transaction, right after the insert)."""
    stem = _safe_part(doc.number or f"{doc.kind}-{doc.pk}")
    name = default_storage.save(
        f"documents/{_safe_part(doc.case.number)}/{stem}-v{doc.version}.docx", ContentFile(content)
    )
    # A queryset update: IssuedDocument.save() refuses every change to an issued row but the delivery fields.
    IssuedDocument.objects.filter(pk=doc.pk).update(file=name)
    doc.file.name = name


def _issue_date(case: Case, on: dt.date | None) -> dt.date:
    today = clock.today()
    on = on or today
    if on > today:
        raise ValidationFailed(
            f"成文日期 {on:%Y-%m-%d} 晚于今天（{today:%Y-%m-%d}），请填写实际签发的日期", field="on"
        )
    if case.received_on and on < case.received_on:
        raise ValidationFailed(
            f"成文日期 {on:%Y-%m-%d} 早于本件收到日期 {case.received_on:%Y-%m-%d}，请核对", field="on"
        )
    return on


def _create_version(
    *, case: Case, kind: str, unit: Unit, year: int, seq: int | None, number: str, version: int, actor: User,
    issued_on: dt.date, rendered: tuple[bytes, str, dict], supersedes: IssuedDocument | None = None,
    reason: str = "",
) -> IssuedDocument:
    """The row and the file of one issued version (first issue or correction), with the content's hash."""
    content, template_version, context = rendered
    doc = IssuedDocument.objects.create(
        case=case,
        kind=kind,
        issuing_unit=unit,
        year=year,
        seq=seq,
        number=number,
        version=version,
        supersedes=supersedes,
        correction_reason=reason,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        template_version=template_version,
        issued_by=actor,
        issued_at=clock.now(),
        issued_on=issued_on,
        data=_snapshot(context),
    )
    _store(doc, content)
    return doc


def _act_kinds() -> dict[str, str]:
    """Kinds the workflow issues with an act, with the act's label: never issued on their own."""
    from xinfang.cases.workflow import TRANSITIONS

    kinds: dict[str, str] = {}
    for t in TRANSITIONS.values():
        if t.document:
            kinds.setdefault(t.document, t.label)
    return kinds


def _issue(
    case: Case, kind: str, *, unit: Unit, actor: User | None, on: dt.date | None, extra: dict | None
) -> IssuedDocument:
    """Number, render, store and record one document (inside the caller's transaction)."""
    issued_on = _issue_date(case, on)
    seq, number = None, ""
    if numbering.is_numbered(kind):
        seq, number = numbering.allocate(unit, kind, issued_on.year)
    rendered = _render(case, kind, number=number, issued_on=issued_on, extra={**(extra or {}), "issuing_unit": unit})
    doc = _create_version(
        case=case, kind=kind, unit=unit, year=issued_on.year, seq=seq, number=number, version=1,
        actor=actor, issued_on=issued_on, rendered=rendered,
    )
    stage = OPINION_STAGES.get(kind)
    if stage is not None:
        # The opinion carries the number of the document that states it (one number per 意见书).
        opinion = case.opinions.filter(stage=stage).order_by("-pk").first()
        if opinion is not None:
            Opinion.objects.filter(pk=opinion.pk).update(document_number=number)
    record(
        case,
        "document_issued",
        actor=actor,
        data={"document_id": doc.pk, "kind": kind, "number": number, "version": 1},
        note=f"{_label(kind)}{f' {number}' if number else ''}",
        on=issued_on,
    )
    return doc


def document_issue(
    *, case: Case, kind: str, actor: User, extra: dict | None = None, on: dt.date | None = None
) -> IssuedDocument:
    """Issue a document of ``kind`` for ``case`` on demand: number it, render it, store it, record it.

    The documents of acts (受理告知书, 处理意见书 …) are issued by the act itself (``issue_for_act``) and are
    refused here: a second one would give the petitioner two numbers for one decision; a fix is a correction.
    The number is taken inside this transaction, so a failure anywhere (rendering included) leaves no gap.
    """
    _check_kind(kind)
    act = _act_kinds().get(kind)
    if act is not None:
        raise ValidationFailed(
            f"「{_label(kind)}」随「{act}」一并出具，不能单独签发；内容有误请对已出具的文书「更正」",
            field="kind",
        )
    with transaction.atomic():
        unit = _issuing_unit(case, kind, actor)
        return _issue(case, kind, unit=unit, actor=actor, on=on, extra=extra)


def issue_for_act(
    *, case: Case, action: str, kind: str, delivers: str, actor: User | None, on: dt.date, unit: Unit | None,
    extra: dict,
) -> None:
    """The workflow's document hook (``cases.workflow.register_document_hook``): issue the act's document and
    record the delivery the act stands for, in the act's transaction. The act's own permission is the
    authority to sign its notice, so no second check is made; any failure refuses the act."""
    if unit is None:
        raise ValidationFailed("无法确定出具文书的单位，请联系系统管理员")
    issued = _issue(case, kind, unit=unit, actor=actor, on=on, extra=extra) if kind else None
    if delivers:
        doc = issued
        if doc is None:
            doc = (
                IssuedDocument.objects.select_for_update()
                .filter(case=case, kind=delivers, delivered_on__isnull=True)
                .exclude(pk__in=IssuedDocument.objects.filter(case=case, supersedes__isnull=False).values("supersedes"))
                .order_by("-pk")
                .first()
            )
        if doc is None:
            raise ValidationFailed(f"尚无待送达的「{_label(delivers)}」，请先出具")
        _apply_delivery(doc, delivered_on=on, method=extra.get("method", ""), signer=extra.get("signer", ""))


def document_correct(
    *, document: IssuedDocument, actor: User, reason: str, extra: dict | None = None
) -> IssuedDocument:
    """Issue a corrected version: same number, version + 1, superseding ``document``, whose row and file stay.
    It is rendered from the item as it is now and what the old version was issued with; ``extra`` overrides."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写更正原因（将记录在新版本上，原版本保留）", field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(
            f"更正原因最多 {MAX_REASON} 字（现为 {len(reason)} 字），请精简", field="reason"
        )
    with transaction.atomic():
        # Lock the version being corrected: two corrections of one version would both claim to supersede it.
        old = (
            IssuedDocument.objects.select_for_update()
            .select_related("case", "issuing_unit")
            .get(pk=document.pk)
        )
        newer = IssuedDocument.objects.filter(supersedes=old).first()
        if newer is not None:
            raise ValidationFailed(
                f"{old} 已有更正版本（第{newer.version}版），请在最新版本上更正", field="document"
            )
        label = _label(old.kind)
        if actor is None or not _may_issue(actor, old.kind, old.issuing_unit):
            raise PermissionRefused(f"您在「{old.issuing_unit.name}」没有签发「{label}」的权限，不能更正")
        case = old.case
        issued_on = clock.today()
        content, template_version, context = _render(
            case, old.kind, number=old.number, issued_on=issued_on,
            extra={**issued_with(old), **(extra or {}), "issuing_unit": old.issuing_unit},
        )
        doc = _create_version(
            case=case, kind=old.kind, unit=old.issuing_unit, year=old.year, seq=old.seq, number=old.number,
            version=old.version + 1, actor=actor, issued_on=issued_on, rendered=(content, template_version, context),
            supersedes=old, reason=reason,
        )
        record(
            case,
            "document_corrected",
            actor=actor,
            data={
                "document_id": doc.pk,
                "supersedes_id": old.pk,
                "kind": old.kind,
                "number": old.number,
                "version": doc.version,
                "reason": reason,
            },
            note=f"{label}{f' {old.number}' if old.number else ''} 第{doc.version}版：{reason}",
            on=issued_on,
        )
    return doc


def _delivery_method(method: str) -> str:
    for value, label in DeliveryMethod.choices:
        if method in (value, label):
            return value
    choices = "、".join(str(label) for label in DeliveryMethod.labels)
    raise ValidationFailed(f"送达方式「{method}」无效，请选择：{choices}", field="method")


def _clean_delivery(delivered_on: dt.date, method: str, signer: str) -> tuple[str, str]:
    if not method:
        choices = "、".join(str(label) for label in DeliveryMethod.labels)
        raise ValidationFailed(f"请选择送达方式：{choices}", field="method")
    method = _delivery_method(method)
    signer = (signer or "").strip()
    if method in (DeliveryMethod.IN_PERSON, DeliveryMethod.LEFT) and not signer:
        who = "签收人" if method == DeliveryMethod.IN_PERSON else "见证人"
        raise ValidationFailed(f"{DeliveryMethod(method).label}请填写{who}", field="signer")
    if len(signer) > 60:
        raise ValidationFailed("签收人最多 60 字，请精简", field="signer")
    if not isinstance(delivered_on, dt.date) or isinstance(delivered_on, dt.datetime):
        raise ValidationFailed("请填写送达日期（年-月-日）", field="delivered_on")
    today = clock.today()
    if delivered_on > today:
        raise ValidationFailed(
            f"送达日期 {delivered_on:%Y-%m-%d} 晚于今天（{today:%Y-%m-%d}），请填写实际送达的日期",
            field="delivered_on",
        )
    return method, signer


def _apply_delivery(doc: IssuedDocument, *, delivered_on: dt.date, method: str, signer: str) -> IssuedDocument:
    """Write the delivery fields of a locked, undelivered document; for a reply or a review decision also
    the last day of the petitioner's next remedy, computed by the deadline engine."""
    from xinfang.deadlines.services import compute_deadline

    method, signer = _clean_delivery(delivered_on, method, signer)
    if doc.delivered_on is not None:
        raise ValidationFailed(
            f"{doc} 已于 {doc.delivered_on:%Y-%m-%d} 登记送达，送达信息不能更改", field="document"
        )
    if delivered_on < doc.issued_on:
        raise ValidationFailed(
            f"送达日期 {delivered_on:%Y-%m-%d} 早于成文日期 {doc.issued_on:%Y-%m-%d}，请核对",
            field="delivered_on",
        )
    doc.delivered_on = delivered_on
    doc.delivery_method = method
    doc.delivery_signer = signer
    rule = REMEDY_RULES.get(doc.kind)
    if rule is not None:
        deadline = compute_deadline(
            rule, delivered_on, rule_date=doc.case.received_on or delivered_on, allow_provisional=True
        )
        doc.remedy_last_day = deadline.due
        doc.remedy_provisional = deadline.provisional
    doc.save(update_fields=sorted(DELIVERY_FIELDS))
    return doc


def document_record_delivery(
    *, document: IssuedDocument, actor: User, delivered_on: dt.date, method: str, signer: str
) -> IssuedDocument:
    """Record, once, that the document reached its addressee. A 信访处理意见书 awaiting delivery is delivered
    through the workflow's 「送达」 act (its clocks stop, the 复查 and evaluation windows open), never beside it."""
    method, signer = _clean_delivery(delivered_on, method, signer)
    with transaction.atomic():
        doc = (
            IssuedDocument.objects.select_for_update()
            .select_related("case", "issuing_unit")
            .get(pk=document.pk)
        )
        if doc.kind == DocumentKind.DELIVERY_RECEIPT:
            raise ValidationFailed("送达回证记录的是其他文书的送达，本身不登记送达", field="document")
        if actor is None or not _may_issue(actor, doc.kind, doc.issuing_unit):
            raise PermissionRefused(
                f"您在「{doc.issuing_unit.name}」没有登记「{_label(doc.kind)}」送达的权限"
            )
        if doc.kind == DocumentKind.REPLY and doc.case.status == Status.REPLIED:
            # The first delivery of the 处理意见书 is the workflow's act; a corrected version delivered later
            # is recorded on the document alone.
            from xinfang.cases.services import case_deliver

            case_deliver(case=doc.case, actor=actor, delivered_on=delivered_on, method=method, signer=signer)
            return IssuedDocument.objects.get(pk=doc.pk)
        return _apply_delivery(doc, delivered_on=delivered_on, method=method, signer=signer)


def document_upload_template(
    *, kind: str, file_bytes: bytes, actor: User, note: str = ""
) -> DocumentTemplate:
    """Store a county's own version of a kind's template; it is used from the next document issued on."""
    import docx

    if actor is None or not policies.has_any(actor, [Perm.ADMINISTER]):
        raise PermissionRefused("上传文书模板需要系统管理员权限")
    _check_kind(kind)
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationFailed(f"说明最多 200 字（现为 {len(note)} 字），请精简", field="note")
    if not file_bytes:
        raise ValidationFailed("模板文件是空的，请选择要上传的 .docx 文件", field="file")
    if len(file_bytes) > MAX_TEMPLATE_BYTES:
        raise ValidationFailed(
            f"模板文件过大（{len(file_bytes) // 1024} KB），最大 {MAX_TEMPLATE_BYTES // 1024 // 1024} MB",
            field="file",
        )
    try:
        docx.Document(io.BytesIO(file_bytes))
    except Exception:  # noqa: BLE001 (python-docx raises many kinds of errors for a damaged package)
        raise ValidationFailed(
            "模板文件不是有效的 .docx 文件，请用 Word 或 WPS 另存为“Word 文档（*.docx）”后再上传",
            field="file",
        ) from None
    try:
        with transaction.atomic():
            last = DocumentTemplate.objects.select_for_update().filter(kind=kind).order_by("-version").first()
            version = (last.version if last else 0) + 1
            DocumentTemplate.objects.filter(kind=kind, is_active=True).update(is_active=False)
            name = default_storage.save(
                f"documents/templates/{kind}-v{version}.docx", ContentFile(file_bytes)
            )
            template = DocumentTemplate.objects.create(
                kind=kind,
                version=version,
                file=name,
                note=note,
                uploaded_by=actor,
                uploaded_at=clock.now(),
                is_active=True,
            )
    except IntegrityError:
        # The first upload of a kind has no row to lock; a simultaneous one loses on the unique version.
        raise ValidationFailed("另一位管理员同时上传了该模板，请刷新后重试", field="file") from None
    return template
