"""The one write path of supervision: 督办 (issue, reply, close), 催办, 提醒函 and the error register's
annotations, contests and decisions.

Every step checks its permission here (not in the views), writes its rows, issues its letter through
``documents.services``, records an event in the item's history and enqueues the in-app message, all in one
transaction: the message exists if and only if the act committed.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction

from xinfang.cases.models import Case
from xinfang.cases.workflow import record
from xinfang.core import clock
from xinfang.core.errors import IllegalTransition, PermissionRefused, ValidationFailed
from xinfang.documents.models import DocumentKind
from xinfang.documents.services import document_issue
from xinfang.notifications.models import Outbox
from xinfang.notifications.services import enqueue
from xinfang.orgs import policies
from xinfang.orgs.models import Grant, Unit, UnitKind, User
from xinfang.orgs.permissions import Perm, Role
from xinfang.supervision.models import ErrorEntry, ErrorNote, Reminder, Supervision, SupervisionReply, Urge

security_log = logging.getLogger("xinfang.security")

REASON_MAX = 1000
TEXT_MAX = 5000
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
SYSTEM_USERNAME = "system-supervision"
SYSTEM_FULL_NAME = "督查督办（系统）"


def _text(value: str, *, field: str, label: str, limit: int = TEXT_MAX, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(f"请填写{label}", field=field)
    if len(value) > limit:
        raise ValidationFailed(f"{label}最多 {limit} 字（您写了 {len(value)} 字）", field=field)
    return value


def unit_heads(unit: Unit) -> list[User]:
    """Who is told of a 督办 or 提醒函 to ``unit``: its head, else everyone with the head role on it."""
    if unit.head_id is not None and unit.head.is_active:
        return [unit.head]
    ids = Grant.objects.filter(unit=unit, role=Role.UNIT_HEAD).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def _tell_unit(unit: Unit, case: Case, *, kind: str, body: str) -> None:
    for head in unit_heads(unit):
        enqueue(channel=Outbox.Channel.INAPP, kind=kind, body=body, recipient_id=head.pk, case_id=case.pk,
                case_number=case.number)


# --- 督办 ----------------------------------------------------------------------------------------------------


def supervision_issue(
    *, cases: list[Case], level: str, reason: str, answer_due_on: dt.date, actor: User,
    on: dt.date | None = None,
) -> list[Supervision]:
    """督办 one item or a batch: a 督办函 to each item's current unit, an event on each item, a message to each
    unit's head. All or nothing: one refused item refuses the batch, so nobody has to find out which went."""
    if level not in Supervision.Level.values:
        raise ValidationFailed("请选择督办级别", field="level")
    reason = _text(reason, field="reason", label="督办事由", limit=REASON_MAX)
    on = on or clock.today()
    if answer_due_on is None or answer_due_on <= on:
        raise ValidationFailed("回复期限应晚于督办日期", field="answer_due_on")
    if not cases:
        raise ValidationFailed("请选择要督办的信访件")
    if actor.unit_id is None:
        raise PermissionRefused("督办须以您所在单位的名义发出，您的账号未属于任何单位，请联系系统管理员")
    done = []
    with transaction.atomic():
        for case in cases:
            locked = Case.objects.select_for_update().select_related("current_unit").get(pk=case.pk)
            unit = locked.current_unit
            if not policies.can(actor, Perm.SUPERVISE, unit):
                raise PermissionRefused(f"您对「{unit.name}」没有督办权限（信访件 {locked.number}）")
            label = Supervision.Level(level).label
            letter = document_issue(
                case=locked, kind=DocumentKind.SUPERVISION_LETTER, actor=actor, on=on,
                extra={"note": f"【{label}】{reason}", "reply_by": answer_due_on},
            )
            sup = Supervision.objects.create(
                case=locked, unit=unit, issuing_unit_id=actor.unit_id, level=level, reason=reason, issued_by=actor,
                issued_on=on, answer_due_on=answer_due_on, letter=letter, created_at=clock.now(),
            )
            record(locked, "supervision_issued", actor=actor, on=on, note=reason,
                   data={"supervision_id": sup.pk, "level": level, "unit": unit.name,
                         "answer_due_on": answer_due_on.isoformat(), "document_id": letter.pk,
                         "document_number": letter.number})
            _tell_unit(unit, locked, kind="supervision",
                       body=f"{label}：信访件 {locked.number} 「{locked.title}」，请于 {answer_due_on:%Y-%m-%d} 前书面回复"
                            f"（督办函 {letter.number}）。事由：{reason}")
            done.append(sup)
    return done


def may_answer(user: User | None, sup: Supervision) -> bool:
    return policies.can(user, Perm.HANDLE, sup.unit)


def supervision_reply(
    *, supervision: Supervision, actor: User, text: str, attachment: bytes | None = None, attachment_name: str = "",
    on: dt.date | None = None,
) -> SupervisionReply:
    """The supervised unit's written answer; the 督办 waits for the bureau to close it."""
    text = _text(text, field="text", label="回复内容")
    on = on or clock.today()
    if on > clock.today():
        raise ValidationFailed("回复日期不能晚于今天", field="on")
    if attachment is not None and len(attachment) > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed("附件不能超过 20MB", field="attachment")
    with transaction.atomic():
        sup = Supervision.objects.select_for_update().select_related("unit", "case").get(pk=supervision.pk)
        if not may_answer(actor, sup):
            raise PermissionRefused(f"只有「{sup.unit.name}」的承办人员或负责人可以回复该督办")
        if sup.state == Supervision.State.CLOSED:
            raise IllegalTransition("该督办已办结，不能再回复")
        reply = SupervisionReply(
            supervision=sup, text=text, answered_by=actor, answering_unit=sup.unit, answered_on=on,
            created_at=clock.now(),
        )
        if attachment:
            name = _text(attachment_name, field="attachment", label="附件文件名", limit=200, required=False) or "附件"
            reply.attachment_name = name
            reply.attachment.save(name.replace("/", "_").replace("\\", "_"), ContentFile(attachment), save=False)
        reply.save()
        sup.state = Supervision.State.ANSWERED
        sup.save(update_fields=["state"])
        record(sup.case, "supervision_answered", actor=actor, on=on, note=text[:500],
               data={"supervision_id": sup.pk, "late": on > sup.answer_due_on})
        enqueue(channel=Outbox.Channel.INAPP, kind="supervision_answered", recipient_id=sup.issued_by_id,
                case_id=sup.case_id, case_number=sup.case.number,
                body=f"「{sup.unit.name}」已回复督办：信访件 {sup.case.number}，请审核后办结。")
    return reply


def supervision_close(*, supervision: Supervision, actor: User, note: str = "") -> Supervision:
    """The bureau accepts the answer and closes the 督办."""
    note = _text(note, field="note", label="办结意见", limit=REASON_MAX, required=False)
    with transaction.atomic():
        sup = Supervision.objects.select_for_update().select_related("unit", "case").get(pk=supervision.pk)
        if not policies.can(actor, Perm.SUPERVISE, sup.unit):
            raise PermissionRefused("您没有办结该督办的权限")
        if sup.state != Supervision.State.ANSWERED:
            raise IllegalTransition("被督办单位尚未回复，不能办结；逾期未回复的请催办")
        sup.state, sup.closed_by, sup.closed_on, sup.close_note = (
            Supervision.State.CLOSED, actor, clock.today(), note)
        sup.save(update_fields=["state", "closed_by", "closed_on", "close_note"])
        record(sup.case, "supervision_closed", actor=actor, note=note, data={"supervision_id": sup.pk})
    return sup


def supervision_urge(
    *, supervision: Supervision, actor: User | None, note: str = "", automatic: bool = False,
    on: dt.date | None = None,
) -> Urge | None:
    """催办 an open 督办. ``automatic`` (the daily job, no actor): once per 督办, after its answer was due; a
    second automatic call returns None. By hand: any time while it is open, needs 督办 permission."""
    note = _text(note, field="note", label="催办说明", limit=REASON_MAX, required=False)
    on = on or clock.today()
    with transaction.atomic():
        sup = Supervision.objects.select_for_update().select_related("unit", "case").get(pk=supervision.pk)
        if not automatic and not policies.can(actor, Perm.SUPERVISE, sup.unit):
            raise PermissionRefused("您没有催办该督办的权限")
        if sup.state != Supervision.State.OPEN:
            if automatic:
                return None
            raise IllegalTransition("该督办已回复或已办结，无需催办")
        if automatic:
            if on <= sup.answer_due_on or sup.urges.filter(automatic=True).exists():
                return None
            note = note or f"回复期限 {sup.answer_due_on:%Y-%m-%d} 已过，尚未回复"
        urge = Urge.objects.create(supervision=sup, urged_on=on, urged_by=actor, automatic=automatic, note=note,
                                   created_at=clock.now())
        record(sup.case, "supervision_urged", actor=actor, on=on, note=note,
               data={"supervision_id": sup.pk, "automatic": automatic})
        _tell_unit(sup.unit, sup.case, kind="supervision_urge",
                   body=f"催办：信访件 {sup.case.number} 的督办（回复期限 {sup.answer_due_on:%Y-%m-%d}）尚未回复，请尽快书面回复。"
                        + (f"说明：{note}" if note else ""))
    return urge


# --- 提醒函 --------------------------------------------------------------------------------------------------


def system_actor() -> User | None:
    """The account the daily job signs 提醒函 with: it speaks for the county's 信访部门 and holds 督办 over the
    county, nothing else. Created on first use, with no usable password (nobody can sign in as it). None when
    the unit tree has no single 信访部门 under a county (the job then sends no letters and says so)."""
    bureaus = list(Unit.objects.filter(kind=UnitKind.BUREAU, is_active=True, parent__kind=UnitKind.COUNTY)[:2])
    if len(bureaus) != 1:
        return None
    bureau = bureaus[0]
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"full_name": SYSTEM_FULL_NAME, "password": make_password(None), "unit": bureau},
    )
    drift = [f for f, wanted in (("is_staff", False), ("is_superuser", False), ("is_active", True))
             if getattr(user, f) != wanted]
    for f in drift:
        setattr(user, f, not getattr(user, f))
    if user.has_usable_password():
        user.set_unusable_password()
        drift.append("password")
    if user.unit_id != bureau.pk:
        user.unit = bureau
        drift.append("unit")
    if drift:
        user.save(update_fields=drift)
        if not created:
            security_log.warning("supervision system account was altered (%s); restored", ", ".join(drift))
    Grant.objects.filter(user=user).exclude(role=Role.SUPERVISOR, unit=bureau.parent).delete()
    Grant.objects.get_or_create(user=user, role=Role.SUPERVISOR, unit=bureau.parent)
    policies.clear_cache(user)
    return user


def reminder_send(
    *, case: Case, actor: User, moment: str = Reminder.Moment.ON_DEMAND, clock_row=None, on: dt.date | None = None,
    note: str = "",
) -> Reminder:
    """One 提醒函 to the unit that has ``case``. The daily job passes its moment and clock; the unique constraint
    on (clock, moment) makes a second send of the same moment fail, so callers check first."""
    note = _text(note, field="note", label="提醒事项", limit=REASON_MAX, required=False)
    on = on or clock.today()
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("current_unit").get(pk=case.pk)
        unit = locked.current_unit
        if not policies.can(actor, Perm.SUPERVISE, unit):
            raise PermissionRefused(f"您对「{unit.name}」没有发送提醒函的权限")
        moment_label = Reminder.Moment(moment).label
        clock_label = clock_row.label if clock_row is not None else ""
        text = note or (f"{clock_label}{moment_label}提醒" if clock_row is not None else "请按期办理")
        doc = document_issue(case=locked, kind=DocumentKind.REMINDER_LETTER, actor=actor, on=on,
                             extra={"note": text})
        reminder = Reminder.objects.create(
            case=locked, clock=clock_row, moment=moment, unit=unit, document=doc, sent_on=on,
            sent_by=None if actor.username == SYSTEM_USERNAME else actor, created_at=clock.now(),
        )
        record(locked, "reminder_sent", actor=actor, on=on, note=text,
               data={"reminder_id": reminder.pk, "moment": moment, "rule": clock_row.rule_code if clock_row else "",
                     "document_id": doc.pk, "document_number": doc.number})
        due = f"，期限截止 {clock_row.due_on:%Y-%m-%d}" if clock_row is not None else ""
        _tell_unit(unit, locked, kind="reminder",
                   body=f"提醒函 {doc.number}：信访件 {locked.number} 「{locked.title}」{due}。{text}")
    return reminder


# --- 差错登记 ------------------------------------------------------------------------------------------------


def error_annotate(*, entry: ErrorEntry, actor: User, text: str) -> ErrorNote:
    text = _text(text, field="text", label="批注", limit=REASON_MAX)
    if not (policies.can(actor, Perm.VIEW, entry.unit) or policies.can(actor, Perm.SUPERVISE, entry.unit)):
        raise PermissionRefused("您不能批注该差错登记")
    return ErrorNote.objects.create(entry=entry, text=text, author=actor, created_at=clock.now())


def error_contest(*, entry: ErrorEntry, actor: User, reason: str) -> ErrorEntry:
    """The unit disputes an entry; the bureau decides (``error_decide``). Once per entry."""
    reason = _text(reason, field="reason", label="异议理由", limit=REASON_MAX)
    with transaction.atomic():
        e = ErrorEntry.objects.select_for_update().select_related("unit").get(pk=entry.pk)
        if not policies.can(actor, Perm.HANDLE, e.unit):
            raise PermissionRefused(f"只有「{e.unit.name}」的工作人员可以对本单位的差错提出异议")
        if e.contest != ErrorEntry.Contest.NONE:
            raise IllegalTransition(f"该差错已{e.get_contest_display()}，不能再提出异议")
        e.contest, e.contest_reason, e.contested_by, e.contested_at = (
            ErrorEntry.Contest.CONTESTED, reason, actor, clock.now())
        e.save(update_fields=["contest", "contest_reason", "contested_by", "contested_at"])
    return e


def error_decide(*, entry: ErrorEntry, actor: User, withdraw: bool, note: str) -> ErrorEntry:
    """The bureau decides a contest: withdraw the entry (异议成立) or uphold it. The entry stays either way."""
    note = _text(note, field="note", label="裁定意见", limit=REASON_MAX)
    with transaction.atomic():
        e = ErrorEntry.objects.select_for_update().select_related("unit").get(pk=entry.pk)
        if not policies.can(actor, Perm.SUPERVISE, e.unit):
            raise PermissionRefused("只有信访部门督查人员可以裁定差错异议")
        if e.contest != ErrorEntry.Contest.CONTESTED:
            raise IllegalTransition("该差错没有待裁定的异议")
        e.contest = ErrorEntry.Contest.WITHDRAWN if withdraw else ErrorEntry.Contest.UPHELD
        e.decided_by, e.decided_at, e.decision_note = actor, clock.now(), note
        e.save(update_fields=["contest", "decided_by", "decided_at", "decision_note"])
    return e

