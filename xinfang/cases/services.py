"""Business actions on petition items: the one write path used by the workbench, portal, commands and demo.

Each function validates its input first (``ValidationFailed`` with a Chinese message, nothing written), then
moves the item through ``workflow.transition``, which owns the state, the clocks and the history.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef

from xinfang.cases import secrecy, workflow
from xinfang.cases.choices import (
    GROUP_VISIT_MIN_PEOPLE,
    MAX_REPRESENTATIVES,
    Channel,
    ClaimType,
    ConclusionReason,
    EvaluationStatus,
    Procedure,
    Purpose,
    ReplyOutcome,
    ReviewOutcome,
    RouteKind,
    Satisfaction,
)
from xinfang.cases.models import (
    Attachment,
    Case,
    CaseAccess,
    CaseNumberSequence,
    Category,
    Clock,
    Evaluation,
    ExtensionRequest,
    Opinion,
    Petitioner,
    RequestItem,
    ReviewApplication,
    SubmissionToken,
)
from xinfang.cases.states import CLOSED_STATES, Status
from xinfang.cases.validators import check_received_on, check_upload, normalize_id_number, normalize_phone
from xinfang.cases.workflow import Action, Move, transition
from xinfang.core import clock
from xinfang.core.errors import IllegalTransition, PermissionRefused, ValidationFailed, XinfangError
from xinfang.notifications.models import Outbox
from xinfang.notifications.services import enqueue
from xinfang.orgs.models import Unit, UnitKind, User

log = logging.getLogger(__name__)
security_log = logging.getLogger("xinfang.security")

_QUERY_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O/1/I: read out over the phone


# --- registration ----------------------------------------------------------------------------------------


@dataclass
class PetitionerInput:
    name: str
    id_number: str = ""
    phone: str = ""
    address: str = ""
    is_main: bool = False
    is_representative: bool = False
    email: str = ""


@dataclass
class UploadInput:
    name: str
    content: bytes


@dataclass
class RegistrationInput:
    channel: str
    received_on: dt.date
    title: str
    content: str
    claim_type: str
    purpose: str
    petitioners: list[PetitionerInput]
    people_count: int = 1
    category: Category | None = None
    problem_place: Unit | None = None
    problem_address: str = ""
    responsible_unit: Unit | None = None
    accused_unit: Unit | None = None
    accused_person: str = ""
    accused_unit_unknown: bool = False  # 检举控告 whose accused unit is not known yet (「不明」)
    is_confidential: bool = False
    is_skip_level: bool = False
    earlier_items: list[Case] = field(default_factory=list)
    attachments: list[UploadInput] = field(default_factory=list)
    # The registration form's one-time token: the same token again returns the item it created.
    submission_token: str = ""


def _clean_registration(data: RegistrationInput) -> list[PetitionerInput]:
    """Validate everything before anything is written; returns normalised petitioners."""
    errors: list[str] = []
    if data.channel not in Channel.values:
        errors.append(f"信访形式无效，可选：{'、'.join(Channel.labels)}")
    if data.claim_type not in ClaimType.values:
        errors.append(f"诉求类型无效，可选：{'、'.join(ClaimType.labels)}")
    if data.purpose not in Purpose.values:
        errors.append(f"信访目的无效，可选：{'、'.join(Purpose.labels)}")
    try:
        check_received_on(data.received_on, clock.today())
    except ValidationFailed as exc:
        errors.append(exc.message)
    if not (data.title or "").strip():
        errors.append("请填写标题（信访事项的简要概括）")
    elif len(data.title) > 200:
        errors.append("标题不能超过200字")
    if not (data.content or "").strip():
        errors.append("请填写诉求内容：事实、理由和请求")
    if not data.petitioners:
        errors.append("请至少填写一名信访人")
    if data.people_count < max(1, len(data.petitioners)):
        errors.append(f"信访人数（{data.people_count}）不能少于已填写的信访人（{len(data.petitioners)}名）")
    reps = [p for p in data.petitioners if p.is_representative]
    if data.channel == Channel.VISIT and data.people_count >= GROUP_VISIT_MIN_PEOPLE and not reps:
        errors.append(
            f"{data.people_count}人走访属集体访，应推选代表（1至{MAX_REPRESENTATIVES}人）提出诉求"
            "（《信访工作条例》第二十条）：请在信访人中勾选代表"
        )
    if len(reps) > MAX_REPRESENTATIVES:
        errors.append(
            f"集体访推选代表不得超过{MAX_REPRESENTATIVES}人（《信访工作条例》第二十条），您填写了{len(reps)}名代表"
        )
    if (data.accused_unit is not None or data.accused_unit_unknown) and data.claim_type != ClaimType.ACCUSATION:
        errors.append("只有检举控告类信访件才填写被反映单位")
    elif data.claim_type == ClaimType.ACCUSATION and data.accused_unit is None and not data.accused_unit_unknown:
        # The protection of the accuser hangs on this field (docs/secrecy.md): it is never left empty.
        errors.append(
            "检举控告件请选择被反映单位；确实不明的，请勾选「被反映单位不明」"
            "（不明期间不能转送、交办给任何单位，确定后方可分流）"
        )
    elif data.accused_unit is not None and data.accused_unit_unknown:
        errors.append("已选择被反映单位，就不能再勾选「被反映单位不明」，请二选一")
    if (
        data.claim_type == ClaimType.ACCUSATION
        and data.accused_unit is not None
        and data.responsible_unit is not None
        and data.responsible_unit.is_within(data.accused_unit)
    ):
        errors.append("检举控告件的责任单位不能是被反映单位或其下级单位（《信访工作条例》第三十条）")
    mains = [p for p in data.petitioners if p.is_main]
    if len(mains) > 1:
        errors.append("只能指定一名主要信访人")

    cleaned: list[PetitionerInput] = []
    for i, p in enumerate(data.petitioners, start=1):
        label = f"第{i}名信访人"
        name = (p.name or "").strip()
        if not name:
            errors.append(f"{label}：请填写姓名")
        id_number, phone = "", ""
        if p.id_number.strip():
            try:
                id_number = normalize_id_number(p.id_number)
            except ValidationFailed as exc:
                errors.append(f"{label}（{name}）：{exc.message}")
        if p.phone.strip():
            try:
                phone = normalize_phone(p.phone)
            except ValidationFailed as exc:
                errors.append(f"{label}（{name}）：{exc.message}")
        email = (p.email or "").strip()
        if email:
            try:
                validate_email(email)
            except DjangoValidationError:
                errors.append(f"{label}（{name}）：电子邮箱格式不正确，如 zhangsan@example.com")
        cleaned.append(
            PetitionerInput(
                name=name,
                id_number=id_number,
                phone=phone,
                address=p.address.strip(),
                is_main=p.is_main,
                is_representative=p.is_representative,
                email=email,
            )
        )
    if cleaned and not mains:
        cleaned[0].is_main = True

    for upload in data.attachments:
        try:
            check_upload(
                upload.name,
                upload.content[:16],
                len(upload.content),
                allowed=settings.XINFANG_ATTACHMENT_TYPES,
                max_bytes=settings.XINFANG_ATTACHMENT_MAX_BYTES,
            )
        except ValidationFailed as exc:
            errors.append(exc.message)
    if errors:
        raise ValidationFailed("；".join(errors))
    return cleaned


def _next_number(unit: Unit, year: int) -> str:
    value = _next_pg_sequence(unit, year) if connection.vendor == "postgresql" else _next_counter_row(unit, year)
    return f"{unit.code}-{year}-{value:06d}"


def _next_counter_row(unit: Unit, year: int) -> int:
    # One statement increments and returns the counter. SQLite has a single writer, so the row lock this
    # takes costs nothing there.
    table = CaseNumberSequence._meta.db_table
    sql = f"UPDATE {table} SET last = last + 1 WHERE unit_id = %s AND year = %s RETURNING last"  # noqa: S608
    with connection.cursor() as cur:
        cur.execute(sql, [unit.pk, year])
        row = cur.fetchone()
        if row is None:
            CaseNumberSequence.objects.get_or_create(unit=unit, year=year)
            cur.execute(sql, [unit.pk, year])
            row = cur.fetchone()
    return int(row[0])


def _next_pg_sequence(unit: Unit, year: int) -> int:
    """PostgreSQL: one native sequence per unit and year.

    A counter row would be locked until the registration commits, so every registration of a unit would
    queue behind the previous one's disk flush. ``nextval`` takes no lock that lives until commit; the price
    is a gap in the numbers when a registration fails after taking its number, which validation before the
    transaction makes rare.
    """
    name = f"xinfang_case_no_{unit.pk}_{year}"
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(to_regclass(%s))", [name])
        value = cur.fetchone()[0]
        if value is not None:
            return int(value)
        # First item of this unit and year on this database: continue after any number the counter table
        # already handed out (databases that started before sequences were used).
        start = (
            CaseNumberSequence.objects.filter(unit=unit, year=year).values_list("last", flat=True).first() or 0
        ) + 1
        try:
            with transaction.atomic():
                cur.execute(f'CREATE SEQUENCE IF NOT EXISTS "{name}" START WITH {int(start)}')
        except DatabaseError:
            pass  # another server created it at the same moment; nextval below uses theirs
        cur.execute("SELECT nextval(to_regclass(%s))", [name])
        return int(cur.fetchone()[0])


def _new_query_code() -> str:
    return "".join(secrets.choice(_QUERY_ALPHABET) for _ in range(10))


def _bureau_of(unit: Unit) -> bool:
    return unit.kind == UnitKind.BUREAU


def case_register(*, actor: User, unit: Unit, data: RegistrationInput) -> Case:
    """Register a petition received by ``unit`` (mandatory for every item, [T22-22], [T22-23]).

    At a 信访部门 the item waits for routing (15-day clock); at any other organ it is a direct submission
    that the organ itself must accept or refuse (15-day notice clock).
    """
    petitioners = _clean_registration(data)
    action = Action.REGISTER if _bureau_of(unit) else Action.REGISTER_DIRECT
    from xinfang.orgs.policies import can

    if not can(actor, workflow.TRANSITIONS[action].perm or "", unit):
        raise PermissionRefused(f"您在「{unit.name}」没有登记信访件的权限")
    token = (data.submission_token or "").strip()
    if len(token) > 64:
        raise ValidationFailed("登记表单已失效，请刷新页面后重新填写")
    if token and (first := _registered_with(token, actor)) is not None:
        return first  # the same form again (a retry or a double click): no second item
    organ = None
    if data.claim_type == ClaimType.ACCUSATION and secrecy.within_accused(unit, data.accused_unit):
        # The accused unit received an accusation against itself: it registers it and hands it on at once
        # to the organ the law names; it keeps no access (Art. 30 ¶3, docs/secrecy.md).
        organ = accused_transfer_organ(unit, data.accused_unit)
        if organ is None:
            raise ValidationFailed(
                f"本件检举控告「{data.accused_unit.name}」，本单位属被反映单位，且系统内没有可移交的纪检监察机关"
                "或上一级机关。请将材料直接移交上一级机关或纪检监察机关处理，不要在本单位登记。"
            )

    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            case = _register_rows(actor, unit, data, petitioners, action, stored, token, organ)
    except IntegrityError:
        # Files are stored last, inside the transaction; if it does not commit, a petitioner's
        # materials must not stay behind on disk.
        _delete_files(stored)
        # The same form submitted at the same moment: the other request committed its item first.
        first = _registered_with(token, actor) if token else None
        if first is None:
            raise
        return first
    except BaseException:
        _delete_files(stored)
        raise
    return case


def _registered_with(token: str, actor: User) -> Case | None:
    row = SubmissionToken.objects.filter(token=token).select_related("case").first()
    if row is None:
        return None
    if row.user_id != actor.pk:
        raise ValidationFailed("登记表单已失效，请刷新页面后重新填写")
    return row.case


def _register_rows(
    actor: User,
    unit: Unit,
    data: RegistrationInput,
    petitioners: list[PetitionerInput],
    action: str,
    stored: list[Attachment],
    token: str = "",
    organ: Unit | None = None,
) -> Case:
    """The rows of one registration; runs inside the caller's transaction. With ``organ`` (an accusation
    against the registering unit) the item is handed to that organ in the same transaction, and the
    registering unit gets no access row."""
    case = Case(
        number=_next_number(unit, data.received_on.year),
        query_code=_new_query_code(),
        channel=data.channel,
        received_on=data.received_on,
        registered_at=clock.now(),
        registered_by=actor,
        registering_unit=unit,
        title=data.title.strip(),
        content=data.content.strip(),
        claim_type=data.claim_type,
        purpose=data.purpose,
        category=data.category,
        problem_place=data.problem_place,
        problem_address=data.problem_address.strip(),
        responsible_unit=data.responsible_unit,
        current_unit=unit,
        accused_unit=data.accused_unit,
        accused_person=data.accused_person.strip(),
        accused_unit_unknown=data.accused_unit_unknown,
        is_confidential=data.is_confidential,
        people_count=data.people_count,
        is_group=data.people_count >= GROUP_VISIT_MIN_PEOPLE,
        is_skip_level=data.is_skip_level,
        is_repeat=bool(data.earlier_items),
        status=workflow.NEW,
        access_units="" if organ is not None else workflow.with_access_unit("", unit.pk),
    )

    rows: list[Any] = [
        Petitioner(
            name=p.name,
            id_number=p.id_number,
            phone=p.phone,
            email=p.email,
            address=p.address,
            is_main=p.is_main,
            is_representative=p.is_representative,
        )
        for p in petitioners
    ]
    if organ is None:
        rows.append(CaseAccess(unit=unit))
    if token:
        rows.append(SubmissionToken(token=token, user=actor, created_at=clock.now()))

    def link_earlier(obj: Case) -> None:
        obj.earlier_items.set(data.earlier_items)

    data_rec: dict[str, Any] = {"channel": data.channel, "people_count": data.people_count}
    if data.earlier_items:
        data_rec["earlier_items"] = [c.number for c in data.earlier_items]
    move = Move(data=data_rec, new_rows=rows, after=link_earlier if data.earlier_items else None)
    transition(case, action, actor=actor, on=data.received_on, move=move, creating=True)
    if organ is not None:
        case = _transfer_accused(case, actor, organ)
    if case.is_group and data.channel == Channel.VISIT:
        _alert_group_visit(case, actor)
    for upload in data.attachments:
        stored.append(_store_attachment(case, actor, upload))
    return case


def _delete_files(attachments: list[Attachment]) -> None:
    for att in attachments:
        try:
            att.file.storage.delete(att.file.name)
        except OSError:
            log.exception("could not delete orphaned attachment %s", att.file.name)


def _store_attachment(case: Case, actor: User, upload: UploadInput) -> Attachment:
    from django.core.files.base import ContentFile

    content_type = check_upload(
        upload.name,
        upload.content[:16],
        len(upload.content),
        allowed=settings.XINFANG_ATTACHMENT_TYPES,
        max_bytes=settings.XINFANG_ATTACHMENT_MAX_BYTES,
    )
    ext = upload.name.rsplit(".", 1)[-1].lower()
    att = Attachment(
        case=case,
        original_name=upload.name[:200],
        content_type=content_type,
        size=len(upload.content),
        uploaded_by=actor,
        uploaded_at=clock.now(),
    )
    # Stored under a random name: the petitioner's file name may contain personal data.
    att.file.save(f"{secrets.token_hex(16)}.{ext}", ContentFile(upload.content), save=False)
    try:
        att.save()
    except BaseException:
        _delete_files([att])  # the row failed: the file must not stay behind without it
        raise
    return att


def case_add_attachment(*, case: Case, actor: User, upload: UploadInput) -> Attachment:
    from xinfang.cases.selectors import access_case

    access_case(actor, case.pk)
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            stored.append(_store_attachment(case, actor, upload))
    except BaseException:
        _delete_files(stored)
        raise
    return stored[0]


def _alert_group_visit(case: Case, actor: User) -> None:
    """Decisions §4: a group visit alerts the responsible unit's head and the township's party secretary.

    For a 检举控告 nobody of the accused unit is alerted, and the message names the item's number only:
    its title would tell what is alleged ([T22-30 ¶3], docs/secrecy.md).
    """
    recipients: list[User] = []
    unit = case.responsible_unit or case.current_unit
    if unit.head_id:
        recipients.append(unit.head)
    place = case.problem_place
    while place is not None and place.kind not in (UnitKind.TOWNSHIP,):
        place = place.parent
    if place is not None and place.party_secretary_id:
        recipients.append(place.party_secretary)
    now = clock.now()
    if case.is_accusation:
        recipients = [u for u in recipients if not secrecy.on_accused_side(u, case)]
        message = f"集体访提醒：{case.number}，{case.people_count}人来访，请按规定当面接谈。"
    else:
        message = f"集体访提醒：{case.number}「{case.title}」，{case.people_count}人来访，请按规定当面接谈。"
    seen: set[int] = set()
    for user in recipients:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        # Through the outbox, in the registration's transaction: the inbox row commits with the item, at once
        # (docs/notifications.md).
        enqueue(channel=Outbox.Channel.INAPP, recipient_id=user.pk, kind="group_visit", body=message,
                case_id=case.pk, case_number=case.number, created_at=now)
    workflow.record(case, "group_alert", actor=actor, data={"recipients": [u.username for u in recipients]})


def case_mark_repeat(*, case: Case, actor: User, earlier: Case) -> Case:
    """A registrar confirms that ``case`` repeats ``earlier`` (same petitioner, same matter)."""
    from xinfang.cases.selectors import access_case

    access_case(actor, case.pk)
    access_case(actor, earlier.pk)
    if earlier.pk == case.pk:
        raise ValidationFailed("不能把信访件关联到它自己")
    if earlier.received_on > case.received_on:
        raise ValidationFailed(f"{earlier.number} 晚于本件收到，不能作为前次信访件")
    with transaction.atomic():
        case.earlier_items.add(earlier)
        Case.objects.filter(pk=case.pk).update(is_repeat=True)
        case.is_repeat = True
        workflow.record(case, "mark_repeat", actor=actor, data={"earlier": earlier.number})
    return case


def case_classify(*, case: Case, actor: User, category: Category) -> Case:
    """Set or correct an item's content category (a registrar's or handler's decision, with history)."""
    from xinfang.cases.selectors import access_case
    from xinfang.orgs.permissions import Perm
    from xinfang.orgs.policies import can

    access_case(actor, case.pk)
    if not (can(actor, Perm.REGISTER, case.current_unit) or can(actor, Perm.ROUTE, case.current_unit)):
        raise PermissionRefused("您没有修改该信访件分类的权限")
    if not category.is_active:
        raise ValidationFailed(f"内容分类「{category.name}」已停用，请选择其他分类")
    with transaction.atomic():
        before = case.category.full_name if case.category_id else ""
        Case.objects.filter(pk=case.pk).update(category=category)
        case.category = category
        workflow.record(case, "classify", actor=actor, data={"from": before, "to": category.full_name})
    return case


def _require(text: str, message: str, field: str) -> None:
    """Refuse an empty free-text field that the law or the written notice needs."""
    if not (text or "").strip():
        raise ValidationFailed(message, field=field)


# --- routing at the bureau ------------------------------------------------------------------------------


def _refuse_logged(actor: User | None, case: Case, action: str, message: str) -> None:
    security_log.warning(
        "refused %s on %s by %s: %s", action, case.number, getattr(actor, "username", "-"), message
    )
    from xinfang.cases.models import RefusedAttempt

    RefusedAttempt.objects.create(
        user=actor, case=case, action=action, reason=message, created_at=clock.now()
    )


def _check_not_accused(case: Case, target: Unit | None, actor: User | None, action: str) -> None:
    """Every move that hands a 检举控告 to a unit asks this first (docs/secrecy.md): never to the accused
    unit or below it, and to no unit at all while the accused unit is 「不明」. Refusals are logged."""
    if not case.is_accusation:
        return
    if case.accused_unit_unknown:
        message = (
            "本件检举控告的被反映单位尚为「不明」，请先在信访件页面确定被反映单位，"
            "再转送、交办或移交（《信访工作条例》第三十条第三款）"
        )
        _refuse_logged(actor, case, action, message)
        raise PermissionRefused(message, code="accused_unit_unknown")
    if target is not None and secrecy.unit_is_accused(case, target):
        message = (
            f"检举控告件不得转送、交办给被反映单位「{case.accused_unit.name}」或其下级单位"
            "（《信访工作条例》第三十条第三款），请选择其他有权处理的机关"
        )
        _refuse_logged(actor, case, action, message)
        raise PermissionRefused(message, code="accused_unit")


def accused_transfer_organ(holder: Unit, accused: Unit) -> Unit | None:
    """Where an accusation held by (or registered at) ``holder``, a unit within the ``accused`` unit, must go.

    The 纪检监察机关 nearest above ``holder`` (a discipline unit under ``holder`` or one of its ancestors,
    the deepest such) when it is not itself within the accused unit ([T22-22 ¶2]); otherwise the accused
    unit's parent, the 上一级机关 ([T22-30 ¶3]). None when neither exists.
    """
    chain = [u.pk for u in holder.ancestors()]
    depth = {pk: i for i, pk in enumerate(chain)}
    organs = Unit.objects.filter(kind=UnitKind.DISCIPLINE, parent_id__in=chain, is_active=True)
    nearest = max(organs, key=lambda u: (depth[u.parent_id], -u.pk), default=None)
    if nearest is not None and not secrecy.within_accused(nearest, accused):
        return nearest
    parent = accused.parent
    while parent is not None and parent.kind in (UnitKind.BUREAU, UnitKind.VILLAGE):
        parent = parent.parent
    return parent


def _drop_accused_access(obj: Case) -> None:
    """Remove every access row of a unit within the accused unit: the accused unit never sees an accusation,
    even one it held or registered before."""
    accused = [a.unit_id for a in CaseAccess.objects.filter(case=obj).select_related("unit")
               if secrecy.unit_is_accused(obj, a.unit)]
    workflow.revoke_access(obj, accused)


def _transfer_accused(case: Case, actor: User, organ: Unit, note: str = "") -> Case:
    """Hand an accusation held by its accused unit to ``organ``; every access row of a unit within the
    accused unit goes with the move, so the accused unit no longer sees the item."""
    move = Move(after=_drop_accused_access, data={"to": organ.name, "accused_unit": case.accused_unit.name})
    note = note or "本单位属被反映单位，依法回避，移交有权处理的机关（《信访工作条例》第三十条第三款）"
    return transition(case, Action.TRANSFER_ACCUSED, actor=actor, on=clock.today(), note=note, target=organ, move=move)


def case_set_accused_unit(*, case: Case, actor: User, unit: Unit, person: str | None = None) -> Case:
    """Set the accused unit of a 检举控告 registered as 「不明」 (or correct it), with history.

    If the unit now holding the item is within the accused unit, the item is handed on at once as at
    registration (``accused_transfer_organ``).
    """
    from xinfang.cases.selectors import access_case
    from xinfang.orgs.permissions import Perm
    from xinfang.orgs.policies import can

    access_case(actor, case.pk)
    if not case.is_accusation:
        raise ValidationFailed("只有检举控告类信访件才有被反映单位")
    if not (can(actor, Perm.REGISTER, case.current_unit) or can(actor, Perm.ROUTE, case.current_unit)):
        raise PermissionRefused("您没有确定该信访件被反映单位的权限")
    if secrecy.on_accused_side(actor, case):
        raise PermissionRefused("您所在单位属本件被反映单位，不能修改本件")
    organ = None
    if secrecy.within_accused(case.current_unit, unit):
        if case.status not in workflow.TRANSITIONS[Action.TRANSFER_ACCUSED].src:
            raise ValidationFailed(
                f"本件当前由「{case.current_unit.name}」办理，不能把它定为被反映单位；"
                "请报上一级机关或纪检监察机关处理"
            )
        organ = accused_transfer_organ(case.current_unit, unit)
        if organ is None:
            raise ValidationFailed("系统内没有可移交的纪检监察机关或上一级机关，请将材料移交上一级机关处理")
    with transaction.atomic():
        before = case.accused_unit.name if case.accused_unit_id else "不明"
        changes: dict[str, Any] = {"accused_unit": unit, "accused_unit_unknown": False}
        if person is not None:
            changes["accused_person"] = person.strip()[:100]
        Case.objects.filter(pk=case.pk).update(**changes)
        for name, value in changes.items():
            setattr(case, name, value)
        workflow.record(case, "set_accused_unit", actor=actor, data={"from": before, "accused_unit": unit.name})
        if organ is not None:
            case = _transfer_accused(case, actor, organ)
        else:
            _drop_accused_access(case)
    return case



def case_forward(
    *, case: Case, actor: User, target: Unit, on: dt.date | None = None, note: str = "", assign_due_on: dt.date | None = None
) -> Case:
    """转送 (or 交办 when ``assign_due_on`` is given) to the competent organ.

    From the bureau's routing (Art. 22); or, for an item an organ received directly and has not yet accepted,
    to a subordinate unit of its own system (Art. 23 ¶1).
    """
    if target.kind in (UnitKind.BUREAU, UnitKind.CITY):
        raise ValidationFailed("请选择有权处理的机关、单位作为接收单位", field="target")
    if target.kind == UnitKind.VILLAGE:
        raise ValidationFailed("村（社区）不是有权处理的机关，请转送所在乡镇（街道）", field="target")
    if case.status == Status.SIGNED:
        action = Action.ASSIGN_DOWN if assign_due_on else Action.FORWARD_DOWN
    else:
        action = Action.ASSIGN if assign_due_on else Action.FORWARD
    _check_not_accused(case, target, actor, action)
    on = on or clock.today()
    if assign_due_on is not None:
        _check_assign_due(assign_due_on, on, case)

    def own_subordinate(obj: Case) -> None:
        here = obj.current_unit
        if target.pk == here.pk or not target.is_within(here):
            raise ValidationFailed(
                f"「{here.name}」直接收到的信访件只能转送、交办本系统下级单位（《信访工作条例》第二十三条第一款）；"
                f"「{target.name}」不是其下级单位，请告知信访人向有权处理的机关提出",
                field="target",
            )

    move = Move(
        changes={
            "responsible_unit": target,
            "route_kind": RouteKind.ASSIGN if assign_due_on else RouteKind.FORWARD,
            "routed_on": on,
        },
        guard=own_subordinate if action in (Action.FORWARD_DOWN, Action.ASSIGN_DOWN) else None,
        data={"to": target.name, **({"assign_due_on": assign_due_on.isoformat()} if assign_due_on else {})},
        assigned_due_on=assign_due_on,
    )
    return transition(case, action, actor=actor, on=on, note=note, target=target, move=move)


def _check_assign_due(due: dt.date, on: dt.date, case: Case) -> None:
    """The 交办 deadline ([T22-22(三)]) lies after the 交办 date and within the 60-day handling limit counted
    from it: the organ cannot accept before it receives the item, so this never asks for more than the law
    allows. A 交办 recorded afterwards (补录) keeps its historical dates; one made today needs a future date."""
    from xinfang.deadlines.services import compute_deadline, get_rule

    if due <= on:
        raise ValidationFailed(f"交办的办理期限（{due:%Y-%m-%d}）必须晚于交办日期 {on:%Y-%m-%d}", field="assign_due_on")
    if due < clock.today() and on >= clock.today():
        raise ValidationFailed("交办的办理期限不能早于今天", field="assign_due_on")
    rule = get_rule("handling", case.received_on)
    limit = on + dt.timedelta(days=rule.days)
    if due <= limit:
        return  # inside the plain period: no calendar needed (next year's may not be loaded yet)
    try:
        limit = compute_deadline("handling", on, rule_date=case.received_on).due  # rolled past a holiday
    except XinfangError:
        pass
    if due > limit:
        raise ValidationFailed(
            f"交办的办理期限不能晚于 {limit:%Y-%m-%d}（自交办之日起60日的法定办理期限，《信访工作条例》第三十四条）",
            field="assign_due_on",
        )


def case_report_major(*, case: Case, actor: User, note: str, on: dt.date | None = None) -> Case:
    _require(note, "请填写报请党委政府的事由", "note")
    return transition(case, Action.REPORT_MAJOR, actor=actor, on=on, note=note)


def case_route_special(*, case: Case, actor: User, target: Unit, note: str = "", on: dt.date | None = None) -> Case:
    """转政法部门 (涉法涉诉) or 转纪检监察机关 (检举控告), chosen by the target's kind."""
    if target.kind == UnitKind.LEGAL:
        action = Action.ROUTE_LEGAL
    elif target.kind == UnitKind.DISCIPLINE:
        action = Action.ROUTE_DISCIPLINE
        if case.claim_type != ClaimType.ACCUSATION:
            raise ValidationFailed(
                f"只有检举控告类信访件才能转纪检监察机关（《信访工作条例》第二十二条第二款），本件为「{case.get_claim_type_display()}」；"
                "如诉求类型登记有误，请先更正",
                field="target",
            )
    else:
        raise ValidationFailed("请选择政法部门或纪检监察机关", field="target")
    _check_not_accused(case, target, actor, action)
    move = Move(changes={"responsible_unit": target, "routed_on": on or clock.today()}, data={"to": target.name})
    return transition(case, action, actor=actor, on=on, note=note, target=target, move=move)


def case_file(*, case: Case, actor: User, reason: str, on: dt.date | None = None) -> Case:
    _require(reason, "请填写直接答复或存档的理由", "reason")
    return transition(case, Action.FILE, actor=actor, on=on, note=reason, move=Move(data={"reason": reason}))


REFUSAL_ROUTES = {"procedure": "依法定途径", "legal": "转政法部门", "organ": "向其他有权机关提出"}


def case_decline(
    *, case: Case, actor: User, ground: str, on: dt.date | None = None, route: str = "procedure", organ: str = ""
) -> Case:
    """不予受理 at the bureau (or, from ``signed``, 不予受理告知 by the organ), with the 不予受理告知书 that says
    where to go instead: ``route`` "procedure" (诉讼、仲裁、复议等法定途径), "legal" (转政法), "organ" (the
    competent ``organ``)."""
    _require(ground, "不予受理必须写明理由和依据", "ground")
    if route not in REFUSAL_ROUTES:
        raise ValidationFailed(f"告知去向无效，可选：{'、'.join(REFUSAL_ROUTES.values())}", field="route")
    organ = (organ or "").strip()
    if route == "organ" and not organ:
        raise ValidationFailed("请写明有权处理的机关名称，将写入不予受理告知书", field="organ")
    if len(organ) > 60:
        raise ValidationFailed("机关名称最多 60 字，请精简", field="organ")
    action = Action.DECLINE if case.status == Status.ROUTING else Action.REFUSE
    move = Move(data={"ground": ground, "route": route}, document={"route": route, "organ": organ})
    return transition(case, action, actor=actor, on=on, note=ground, move=move)


def case_not_reaccept(*, case: Case, actor: User, earlier: Case, reason: str, on: dt.date | None = None) -> Case:
    """不再受理: the same petitioner's same facts and reasons after 复核 or a lawful conclusion ([T22-36 ¶3],
    decisions §4)."""
    earlier.refresh_from_db(fields=["status", "concluded_on"])
    if earlier.pk == case.pk:
        raise ValidationFailed("前次信访件不能是本件", field="earlier")
    if earlier.concluded_on is None:
        raise ValidationFailed(
            f"前次信访件 {earlier.number} 未经复核或依法终结（当前：{earlier.get_status_display()}），不能作出不再受理决定",
            field="earlier",
        )
    if not _same_petitioner(case, earlier):
        raise ValidationFailed(
            f"前次信访件 {earlier.number} 与本件没有相同的信访人（身份证号相同，或姓名和电话都相同），"
            "不再受理只适用于同一信访人以同一事实和理由再次提出的信访事项",
            field="earlier",
        )
    _require(reason, "请说明与前次信访件事实和理由相同的依据", "reason")

    def link(obj: Case) -> None:
        obj.earlier_items.add(earlier)

    move = Move(changes={"is_repeat": True}, after=link, data={"earlier": earlier.number})
    return transition(case, Action.NOT_REACCEPT, actor=actor, on=on, note=reason, move=move)


def _same_petitioner(case: Case, earlier: Case) -> bool:
    """Identity match for 不再受理: the same ID number, or the same name and phone number."""
    # Matching, not disclosure: the rows are compared here and never shown (allowed in tests/test_boundaries).
    mine = list(Petitioner.objects.filter(case=case).values_list("id_number", "name", "phone"))
    theirs = list(Petitioner.objects.filter(case=earlier).values_list("id_number", "name", "phone"))
    ids = {i for i, _, _ in theirs if i}
    pairs = {(n, p) for _, n, p in theirs if n and p}
    return any((i and i in ids) or (n and p and (n, p) in pairs) for i, n, p in mine)


# --- at the competent organ -----------------------------------------------------------------------------


def case_sign(*, case: Case, actor: User, on: dt.date | None = None) -> Case:
    return transition(case, Action.SIGN, actor=actor, on=on)


def case_object(*, case: Case, actor: User, reason: str, on: dt.date | None = None) -> Case:
    """异议: "not ours", with detailed reasons, within 5 working days of receipt ([T22-23 ¶3])."""
    if len(reason.strip()) < 10:
        raise ValidationFailed("提出异议须详细说明理由（不少于10字）", field="reason")
    on = on or clock.today()

    def guard(obj: Case) -> None:
        objection = obj.clocks.filter(rule_code="objection", stopped_on__isnull=True).first()
        if objection is not None and on > objection.due_on:
            raise IllegalTransition(
                f"异议期限已过：应在收到之日起5个工作日内（截止 {objection.due_on:%Y-%m-%d}）提出，请签收后办理"
            )

    return transition(
        case,
        Action.OBJECT,
        actor=actor,
        on=on,
        note=reason,
        move=Move(guard=guard, data={"reason": reason, "unit": case.current_unit.name}),
    )


def case_decide_objection(*, case: Case, actor: User, approve: bool, note: str = "", on: dt.date | None = None) -> Case:
    bureau = case.registering_unit
    if approve:
        move = Move(changes={"responsible_unit": None, "route_kind": ""}, data={"approved": True})
        return transition(case, Action.APPROVE_OBJECTION, actor=actor, on=on, note=note, target=bureau, move=move)
    _require(note, "不同意异议时请说明理由", "note")
    move = Move(data={"approved": False})
    return transition(case, Action.REJECT_OBJECTION, actor=actor, on=on, note=note, target=bureau, move=move)


def _first_handling(case: Case) -> dict[str, Any]:
    return {} if case.first_handling_unit_id else {"first_handling_unit": case.current_unit}


def case_accept(*, case: Case, actor: User, simple: bool = False, on: dt.date | None = None, note: str = "") -> Case:
    """受理, with the written 受理告知 to the petitioner; ``simple`` chooses 简易办理 (初件 only, §9)."""
    on = on or clock.today()
    if on < case.received_on:
        raise ValidationFailed("受理日期不能早于收到日期")
    if simple:
        problems = []
        if case.is_repeat:
            problems.append("重件不适用简易办理（只适用于初次信访事项）")
        if case.route_kind == RouteKind.ASSIGN:
            problems.append("上级交办的信访事项不适用简易办理")
        if case.is_group:
            problems.append("集体访、联名信访事项不适用简易办理")
        if problems:
            raise ValidationFailed("；".join(problems))
    if simple:
        # Simplified procedure: acceptance decided within 3 working days of receipt (§9, simple_acceptance).
        from xinfang.deadlines.services import compute_deadline

        received = case.routed_on or case.received_on
        limit = compute_deadline("simple_acceptance", received, rule_date=case.received_on, allow_provisional=True).due
        if on > limit:
            raise ValidationFailed(
                f"简易办理须在收到之日起3个工作日内决定受理（截止 {limit:%Y-%m-%d}），已超过，请按普通程序受理"
            )
    changes = {
        "accepted_on": on,
        "procedure": Procedure.SIMPLE if simple else Procedure.NORMAL,
        **_first_handling(case),
    }
    action = Action.ACCEPT_SIMPLE if simple else Action.ACCEPT
    return transition(case, action, actor=actor, on=on, note=note, move=Move(changes=changes))


def case_redirect(*, case: Case, actor: User, procedure: str, on: dt.date | None = None) -> Case:
    _require(procedure, "请写明导入的法定程序（如行政复议、诉讼、仲裁）及告知内容", "procedure")
    return transition(case, Action.REDIRECT, actor=actor, on=on, note=procedure, move=Move(data={"procedure": procedure}))


def case_convert_to_normal(*, case: Case, actor: User, reason: str, on: dt.date | None = None) -> Case:
    _require(reason, "请说明不适宜简易办理的原因", "reason")
    return transition(
        case, Action.CONVERT_TO_NORMAL, actor=actor, on=on, note=reason, move=Move(changes={"procedure": Procedure.NORMAL})
    )


def case_extend(*, case: Case, actor: User, days: int, reason: str, on: dt.date | None = None) -> Case:
    """延期: once per item, at most 30 days, approved by the organ's head, petitioner told why ([T22-34])."""
    if not 1 <= days <= 30:
        raise ValidationFailed("延长期限应为1至30日（《信访工作条例》第三十四条）", field="days")
    _require(reason, "请填写延期理由，理由将写入延期告知书", "reason")
    on = on or clock.today()

    def guard(obj: Case) -> None:
        if obj.extension_days:
            raise IllegalTransition(f"信访件 {obj.number} 已延期 {obj.extension_days} 日，办理期限只能延长一次")
        handling = obj.clocks.filter(rule_code="handling", stopped_on__isnull=True).first()
        if handling is not None and on > handling.due_on:
            raise IllegalTransition(f"办理期限已于 {handling.due_on:%Y-%m-%d} 届满，不能再批准延期")

    def close_requests(obj: Case) -> None:
        # A 承办人's pending request (cases.assignment) is answered by the extension, however the head made it.
        ExtensionRequest.objects.filter(case=obj, state=ExtensionRequest.State.PENDING).update(
            state=ExtensionRequest.State.APPROVED, decided_by=actor, decided_at=clock.now(),
            decision_note=f"已延期 {days} 日",
        )

    move = Move(changes={"extension_days": days}, guard=guard, data={"days": days, "reason": reason},
                after=close_requests)
    return transition(case, Action.EXTEND, actor=actor, on=on, note=reason, move=move)


def case_mediate(*, case: Case, actor: User, agreement: str, on: dt.date | None = None) -> Case:
    _require(agreement, "请填写调解/和解协议的主要内容", "agreement")
    on = on or clock.today()
    move = Move(
        changes={"concluded_on": on, "conclusion_reason": ConclusionReason.MEDIATED},
        data={"agreement": agreement},
    )
    return transition(case, Action.MEDIATE, actor=actor, on=on, note=agreement, move=move)


@dataclass
class RequestOutcome:
    request: str
    outcome: str
    explanation: str = ""


@dataclass
class OpinionInput:
    """What the author of an opinion writes. Its number and its remedy sentence are not typed: the number is
    the 意见书's 发文字号, the remedy comes from the rules (organ and period, decisions §8)."""

    request_summary: str
    facts: str
    opinion: str
    legal_basis: str


def _clean_opinion(doc: OpinionInput) -> None:
    missing = [
        label
        for label, value in (
            ("信访人请求", doc.request_summary),
            ("事实和理由", doc.facts),
            ("处理意见", doc.opinion),
            ("依据", doc.legal_basis),
        )
        if not (value or "").strip()
    ]
    if missing:
        raise ValidationFailed(f"意见书缺少：{'、'.join(missing)}（《信访工作条例》第三十二条）")


def remedy_text(stage: str, unit: Unit | None, decided_by: Unit | None = None) -> str:
    """The 救济途径 sentence of an opinion of ``stage``, always produced from the rules, never typed: ``unit`` is
    the organ that hears the next step, ``decided_by`` the organ that gave the opinion. A county department's
    上一级行政机关 is the county government or its own department one level up, which the petitioner chooses
    when asking ([T22-35]); the sentence names both."""
    # On a document 县委县政府 is the county people's government, never 县委 (orgs.organs).
    from xinfang.orgs.models import UnitKind
    from xinfang.orgs.organs import government_name

    organ = government_name(unit) if unit is not None else "上一级机关"
    if decided_by is not None and decided_by.kind == UnitKind.DEPARTMENT and unit is not None:
        organ = f"{organ}或者上一级主管部门"
    if stage == Opinion.Stage.REPLY:
        return f"如不服本处理意见，可以自收到本意见书之日起30日内向{organ}书面申请复查。"
    if stage == Opinion.Stage.REVIEW:
        return f"如不服本复查意见，可以自收到本意见书之日起30日内向{organ}书面申请复核。"
    return "本复核意见为最终意见。信访人仍以同一事实和理由提出信访的，不再受理。"


def review_unit_for(unit: Unit) -> Unit | None:
    """复查机关: the organ one level above the one that issued the opinion ([T22-35])."""
    from xinfang.orgs.organs import higher_organ

    return higher_organ(unit)


def case_reply(
    *, case: Case, actor: User, doc: OpinionInput, items: list[RequestOutcome], on: dt.date | None = None
) -> Case:
    """出具信访处理意见书 with an outcome per request item ([T22-32]); the document is required."""
    _clean_opinion(doc)
    if not items:
        raise ValidationFailed("请逐项列出信访人的诉求及处理结果（予以支持/解释说明/不予支持）")
    for i, item in enumerate(items, start=1):
        if not item.request.strip():
            raise ValidationFailed(f"第{i}项诉求内容为空")
        if item.outcome not in ReplyOutcome.values:
            raise ValidationFailed(f"第{i}项处理结果无效，可选：{'、'.join(ReplyOutcome.labels)}")
    on = on or clock.today()
    remedy = remedy_text(Opinion.Stage.REPLY, review_unit_for(case.current_unit), case.current_unit)

    def write(obj: Case) -> None:
        op = Opinion.objects.create(
            case=obj,
            stage=Opinion.Stage.REPLY,
            unit=obj.current_unit,
            request_summary=doc.request_summary.strip(),
            facts=doc.facts.strip(),
            opinion=doc.opinion.strip(),
            legal_basis=doc.legal_basis.strip(),
            remedy=remedy,
            issued_on=on,
        )
        RequestItem.objects.bulk_create(
            RequestItem(opinion=op, request=it.request.strip(), outcome=it.outcome, explanation=it.explanation)
            for it in items
        )

    data = {"outcomes": [it.outcome for it in items]}
    return transition(case, Action.REPLY, actor=actor, on=on, move=Move(after=write, data=data))


def case_deliver(
    *, case: Case, actor: User, delivered_on: dt.date | None = None, method: str = "", signer: str = ""
) -> Case:
    """送达: the petitioner received the written reply (``method`` 直接送达/邮寄/电子送达/留置, ``signer`` who signed
    the receipt); the 复查 window and evaluation window start, and the reply records its delivery."""
    delivered_on = delivered_on or clock.today()
    if delivered_on > clock.today():
        raise ValidationFailed("送达日期不能晚于今天")

    def guard(obj: Case) -> None:
        op = obj.opinions.filter(stage=Opinion.Stage.REPLY, delivered_on__isnull=True).order_by("-pk").first()
        if op is None:
            raise IllegalTransition("尚无待送达的信访处理意见书")
        if delivered_on < op.issued_on:
            raise ValidationFailed(f"送达日期不能早于意见书出具日期 {op.issued_on:%Y-%m-%d}")
        Opinion.objects.filter(pk=op.pk).update(delivered_on=delivered_on)

    # The evaluation window opens with the first delivery: a step of the table's evaluation track.
    move = Move(changes={"reply_delivered_on": delivered_on}, guard=guard,
                document={"method": method, "signer": signer})
    return transition(case, Action.DELIVER, actor=actor, on=delivered_on, move=move)


# --- 复查 / 复核 -------------------------------------------------------------------------------------------


@dataclass
class RequestResult:
    accepted: bool
    reason: str
    case: Case


def _request_window(case: Case, rule: str) -> Clock | None:
    return case.clocks.filter(rule_code=rule, stopped_on__isnull=True).first()


def case_request_review(
    *, case: Case, actor: User, received_on: dt.date | None = None, reason: str = "", review_unit: Unit | None = None
) -> RequestResult:
    """Record a 复查 request. Late ones (after the 30-day window) are refused with the reason, in history."""
    return _request_higher(
        case=case,
        actor=actor,
        received_on=received_on,
        reason=reason,
        unit=review_unit or review_unit_for(case.current_unit),
        window_rule="review_request",
        accept_action=Action.REQUEST_REVIEW,
        refuse_action=Action.REFUSE_REVIEW,
        label="复查",
        unit_field="review_unit",
    )


def case_request_rereview(
    *, case: Case, actor: User, received_on: dt.date | None = None, reason: str = "", rereview_unit: Unit | None = None
) -> RequestResult:
    base = case.review_unit or case.current_unit
    return _request_higher(
        case=case,
        actor=actor,
        received_on=received_on,
        reason=reason,
        unit=rereview_unit or review_unit_for(base),
        window_rule="rereview_request",
        accept_action=Action.REQUEST_REREVIEW,
        refuse_action=Action.REFUSE_REREVIEW,
        label="复核",
        unit_field="rereview_unit",
    )


def _request_higher(
    *,
    case: Case,
    actor: User,
    received_on: dt.date | None,
    reason: str,
    unit: Unit | None,
    window_rule: str,
    accept_action: str,
    refuse_action: str,
    label: str,
    unit_field: str,
) -> RequestResult:
    if unit is None:
        raise ValidationFailed(f"本系统内没有{label}机关（上一级机关），请指定{label}机关")
    _check_not_accused(case, unit, actor, accept_action)
    received_on = received_on or clock.today()
    if received_on > clock.today():
        raise ValidationFailed(f"{label}申请的收到日期不能晚于今天")
    if not reason.strip():
        raise ValidationFailed(f"请填写{label}申请的请求和理由", field="reason")
    delivered = case.reply_delivered_on if window_rule == "review_request" else case.review_delivered_on
    if delivered is not None and received_on < delivered:
        what = "处理意见书" if window_rule == "review_request" else "复查意见书"
        raise ValidationFailed(
            f"{label}申请的收到日期（{received_on:%Y-%m-%d}）早于{what}送达日期 {delivered:%Y-%m-%d}，请核对：{label}申请"
            f"应在收到{what}之后提出",
            field="received_on",
        )
    window = _request_window(case, window_rule)
    if window is not None and received_on > window.due_on:
        why = (
            f"{label}申请已超过期限：应自收到书面意见之日起30日内提出（截止 {window.due_on:%Y-%m-%d}），"
            f"收到申请日期为 {received_on:%Y-%m-%d}，不予受理"
        )
        obj = transition(
            case, refuse_action, actor=actor, on=received_on, note=why, target=unit,
            move=Move(data={"reason": reason, "refusal": why}),
        )
        return RequestResult(False, why, obj)
    obj = transition(
        case, accept_action, actor=actor, on=received_on, note=reason, target=unit,
        move=Move(changes={unit_field: unit}, data={"reason": reason, "unit": unit.name}),
    )
    return RequestResult(True, "", obj)


def case_review_decide(
    *, case: Case, actor: User, outcome: str, doc: OpinionInput, delivered_on: dt.date | None = None,
    method: str = "", signer: str = "",
) -> Case:
    """复查 result: 维持 / 撤销或变更 → 复查意见书 served; 责令重新办理 → back to the original organ."""
    return _decide(case=case, actor=actor, outcome=outcome, doc=doc, delivered_on=delivered_on, rereview=False,
                   delivery={"method": method, "signer": signer})


def case_rereview_decide(
    *, case: Case, actor: User, outcome: str, doc: OpinionInput, delivered_on: dt.date | None = None,
    method: str = "", signer: str = "",
) -> Case:
    return _decide(case=case, actor=actor, outcome=outcome, doc=doc, delivered_on=delivered_on, rereview=True,
                   delivery={"method": method, "signer": signer})


def _decide(
    *, case: Case, actor: User, outcome: str, doc: OpinionInput, delivered_on: dt.date | None, rereview: bool,
    delivery: dict[str, str],
) -> Case:
    if outcome not in ReviewOutcome.values:
        raise ValidationFailed(f"结论无效，可选：{'、'.join(ReviewOutcome.labels)}", field="outcome")
    _clean_opinion(doc)
    on = delivered_on or clock.today()
    if on > clock.today():
        raise ValidationFailed("送达日期不能晚于今天")
    stage = Opinion.Stage.REREVIEW if rereview else Opinion.Stage.REVIEW
    next_unit = None if rereview else review_unit_for(case.review_unit or case.current_unit)
    remedy = remedy_text(stage, next_unit, None if rereview else case.review_unit)

    def write(obj: Case) -> None:
        Opinion.objects.create(
            case=obj,
            stage=stage,
            unit=obj.rereview_unit if rereview else obj.review_unit,
            request_summary=doc.request_summary.strip(),
            facts=doc.facts.strip(),
            opinion=doc.opinion.strip(),
            legal_basis=doc.legal_basis.strip(),
            remedy=remedy,
            review_outcome=outcome,
            issued_on=on,
            delivered_on=on,
        )

    data = {"outcome": outcome}
    if outcome == ReviewOutcome.REDO:
        handler = case.first_handling_unit or case.responsible_unit
        _check_not_accused(case, handler, actor, Action.REREVIEW_REDO if rereview else Action.REVIEW_REDO)
        move = Move(after=write, data=data, changes={"accepted_on": on}, document=delivery)
        action = Action.REREVIEW_REDO if rereview else Action.REVIEW_REDO
        return transition(case, action, actor=actor, on=on, target=handler, move=move)
    if rereview:
        changes = {"concluded_on": on, "conclusion_reason": ConclusionReason.REREVIEW_FINAL}
        move = Move(after=write, data=data, changes=changes, document=delivery)
        return transition(case, Action.REREVIEW_DECIDE, actor=actor, on=on, move=move)
    move = Move(after=write, data=data, changes={"review_delivered_on": on}, document=delivery)
    return transition(case, Action.REVIEW_DECIDE, actor=actor, on=on, move=move)


def case_start_hearing(*, case: Case, actor: User, on: dt.date | None = None, note: str = "") -> Case:
    on = on or clock.today()
    return transition(case, Action.START_HEARING, actor=actor, on=on, note=note, move=Move(changes={"hearing_started_on": on}))


def case_end_hearing(*, case: Case, actor: User, on: dt.date | None = None, note: str = "") -> Case:
    """The hearing's days (start to end, inclusive) are added to the 复核 period (decisions §3)."""
    on = on or clock.today()
    if case.hearing_started_on is None or on < case.hearing_started_on:
        raise ValidationFailed("听证结束日期不能早于开始日期")
    days = (on - case.hearing_started_on).days + 1
    move = Move(
        changes={"hearing_days": case.hearing_days + days, "hearing_started_on": None},
        data={"hearing_days": days, "from": case.hearing_started_on.isoformat(), "to": on.isoformat()},
    )
    return transition(case, Action.END_HEARING, actor=actor, on=on, note=note, move=move)


def case_archive(*, case: Case, actor: User, on: dt.date | None = None) -> Case:
    # An accusation registered at its accused unit was handed on at registration; that unit keeps no
    # access, so the organ holding the item archives it.
    keeper = case.current_unit if secrecy.unit_is_accused(case, case.registering_unit) else case.registering_unit
    return transition(case, Action.ARCHIVE, actor=actor, on=on, target=keeper)


# --- evaluation (parallel track) ------------------------------------------------------------------------


def case_evaluate(*, case: Case, bureau: str, unit: str, comment: str = "", on: dt.date | None = None) -> Case:
    """Record the petitioner's evaluation of the 信访部门 and of the handling unit (decisions §6).

    Only inside the evaluation window; a late evaluation is refused even before the daily job has marked
    the item 超期未评价, so the statistics never count it as given in time.
    """
    for value in (bureau, unit):
        if value not in Satisfaction.values:
            raise ValidationFailed(f"评价结果无效，可选：{'、'.join(Satisfaction.labels)}")
    on = on or clock.today()
    if on > clock.today():
        raise ValidationFailed("评价日期不能晚于今天")

    def guard(obj: Case) -> None:
        window = obj.clocks.filter(rule_code="evaluation", stopped_on__isnull=True).first()
        if window is None:
            raise IllegalTransition("该信访件当前不在评价期内（未送达书面答复、已评价或已超过评价期限）")
        if on > window.due_on or on < window.started_on:
            raise IllegalTransition(
                f"评价期为 {window.started_on:%Y-%m-%d} 至 {window.due_on:%Y-%m-%d}，{on:%Y-%m-%d} 不在评价期内"
            )

    def write(obj: Case) -> None:
        now = clock.now()
        Evaluation.objects.bulk_create(
            Evaluation(case=obj, target=target, value=value, comment=comment, created_at=now)
            for target, value in ((Evaluation.Target.BUREAU, bureau), (Evaluation.Target.UNIT, unit))
        )
        _ask_for_a_return_visit(obj, bureau=bureau, unit=unit, now=now)

    # The table's evaluation track refuses an item whose evaluation is not pending (not delivered yet,
    # already evaluated, or marked overdue by the daily job).
    move = Move(guard=guard, after=write, data={"bureau": bureau, "unit": unit})
    return transition(case, Action.EVALUATE, actor=None, on=on, move=move)


def _ask_for_a_return_visit(case: Case, *, bureau: str, unit: str, now) -> None:
    """不满意 → a 回访 reminder in the inbox of the head of the unit judged (the handling unit, or the 信访部门
    that registered the item). It names the item only: the petitioner's words stay on the item."""
    judged = []
    if unit == Satisfaction.UNSATISFIED:
        judged.append(("办理", case.first_handling_unit or case.responsible_unit or case.current_unit))
    if bureau == Satisfaction.UNSATISFIED:
        judged.append(("信访部门", case.registering_unit))
    for role, judged_unit in judged:
        if judged_unit is None or judged_unit.head_id is None:
            continue
        message = f"回访提醒：{case.number} 信访人对{role}工作评价为不满意，请及时回访，了解原因并做好解释或改进。"
        enqueue(channel=Outbox.Channel.INAPP, recipient_id=judged_unit.head_id, kind="return_visit", body=message,
                case_id=case.pk, case_number=case.number, created_at=now)


# --- the daily job ----------------------------------------------------------------------------------------


@dataclass
class TickResult:
    concluded: int = 0
    evaluation_overdue: int = 0


def _claim(qs, batch: int, skip: set[int]) -> list[int]:
    # SKIP LOCKED: two copies of the job on two app servers never take the same row; the second simply
    # moves on to rows the first has not claimed. SQLite serialises writers instead.
    qs = qs.exclude(pk__in=skip)
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs.values_list("pk", flat=True)[:batch])


def _with_open_clock(rules: list[str], today: dt.date) -> Exists:
    return Exists(
        Clock.objects.filter(case=OuterRef("pk"), rule_code__in=rules, stopped_on__isnull=True, due_on__lt=today)
    )


def _application_waits() -> Exists:
    # A request filed on the portal inside the window counts as received that day (cases.requests): the
    # item waits for the organ's decision instead of being concluded at the window's end.
    return Exists(ReviewApplication.objects.filter(case=OuterRef("pk"), state=ReviewApplication.State.PENDING))


class _ApplicationWaits(IllegalTransition):
    pass


def _no_application_waits(obj: Case) -> None:
    if obj.applications.filter(state=ReviewApplication.State.PENDING).exists():
        raise _ApplicationWaits(f"信访件 {obj.number} 有待处理的网上复查（复核）申请")


def _lapse_one(pk: int, today: dt.date) -> bool:
    obj = Case.objects.get(pk=pk)
    reason = ConclusionReason.REVIEW_LAPSED if obj.status == Status.DELIVERED else ConclusionReason.REREVIEW_LAPSED
    try:
        transition(
            obj,
            Action.LAPSE,
            actor=None,
            on=today,
            note=f"{reason.label}，依规定终结",
            # Checked again under the item's lock: a filing that committed after the claim wins.
            move=Move(changes={"concluded_on": today, "conclusion_reason": reason}, guard=_no_application_waits),
        )
    except _ApplicationWaits:
        return False
    return True


def _evaluation_overdue_one(pk: int, today: dt.date) -> bool:
    # transition() re-reads the item under its row lock: an evaluation that committed first leaves it
    # no longer pending, and the item is simply skipped.
    try:
        transition(pk, Action.EVALUATION_OVERDUE, actor=None, on=today)
    except IllegalTransition:
        return False
    return True


def _process(qs, today: dt.date, batch: int, handle) -> int:
    done = 0
    failed: set[int] = set()
    while True:
        with transaction.atomic():
            ids = _claim(qs, batch, failed)
            for pk in ids:
                try:
                    with transaction.atomic():
                        if handle(pk, today) is not False:
                            done += 1
                except XinfangError as exc:
                    # One bad item (say, a year without calendar data) must not stop the others.
                    log.error("daily job skipped item %s: %s", pk, exc)
                    failed.add(pk)
        if len(ids) < batch:
            return done


def run_daily_tick(*, today: dt.date | None = None, batch: int = 200) -> TickResult:
    """Conclude items whose 复查/复核 request window lapsed; mark 超期未评价. Idempotent.

    Items are claimed in batches with ``SKIP LOCKED`` and each is moved in its own savepoint, so the job can
    be stopped at any point and run again, and two copies running at once process disjoint items.
    """
    today = today or clock.today()
    lapsed = Case.objects.filter(
        _with_open_clock(["review_request", "rereview_request"], today),
        status__in=[Status.DELIVERED, Status.REVIEW_DELIVERED],
    ).exclude(_application_waits()).order_by("pk")
    overdue = Case.objects.filter(
        _with_open_clock(["evaluation"], today), evaluation_status=EvaluationStatus.PENDING
    ).order_by("pk")
    return TickResult(
        concluded=_process(lapsed, today, batch, _lapse_one),
        evaluation_overdue=_process(overdue, today, batch, _evaluation_overdue_one),
    )


__all__ = [name for name in dir() if name.startswith("case_")] + [
    "RegistrationInput",
    "PetitionerInput",
    "UploadInput",
    "OpinionInput",
    "RequestOutcome",
    "run_daily_tick",
    "remedy_text",
    "review_unit_for",
    "CLOSED_STATES",
]
