"""Work inside a unit: the head names an item's 承办人, the 承办人 asks for an extension, the head decides.

Who manages a unit's work is whoever holds ``Perm.APPROVE_EXTENSION`` on the item's current unit (the unit head,
or a leader granted on it or above it). The law gives the extension to the organ's head ([T22-34]) and the
workflow already checks exactly that permission for ``Action.EXTEND``; distributing the unit's items is the same
managerial authority. Using one permission means the person offered 「批准」 on the page is the person
``case_extend`` will accept. ``Perm.ROUTE`` does not qualify: it is the 信访部门's 转送/交办 between organs, not
the distribution of work inside one.

An approved request is carried out by ``services.case_extend``, the one write path of an extension (clock,
document, history); the request row records only who asked, why, and who decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from xinfang.cases import workflow
from xinfang.cases.models import Assignment, Case, ExtensionRequest
from xinfang.cases.selectors import cases_visible_to, due_state
from xinfang.cases.services import case_extend
from xinfang.cases.states import OPEN_STATES
from xinfang.cases.workflow import TRANSITIONS, Action
from xinfang.core import clock
from xinfang.core.errors import IllegalTransition, NotFound, PermissionRefused, ValidationFailed
from xinfang.notifications.models import Outbox
from xinfang.notifications.services import enqueue
from xinfang.orgs import policies
from xinfang.orgs.models import Grant, Unit, User
from xinfang.orgs.permissions import ROLE_PERMISSIONS, Perm, Role

State = ExtensionRequest.State
MANAGE = Perm.APPROVE_EXTENSION
# The roles whose holders can handle an item; a 承办人 must hold one of them on the item's unit.
HANDLING_ROLES = sorted(role for role, perms in ROLE_PERMISSIONS.items() if Perm.HANDLE in perms)
# Decisions §3: at most 30 days. case_extend checks it again when the head approves; checking at the request
# as well spares the handler a request that could only be refused.
MAX_EXTENSION_DAYS = 30
REASON_MAX = 2000


def _name(user: User) -> str:
    return user.full_name or user.username


# --- reads ---------------------------------------------------------------------------------------------------


def may_manage(user: User | None, case: Case) -> bool:
    """May ``user`` assign this item's 承办人 and decide its extension requests (see the module docstring)?"""
    return policies.can(user, MANAGE, case.current_unit)


def current_assignment(case: Case) -> Assignment | None:
    """The active 承办人 of the item at its current unit (an earlier unit's 承办人 no longer holds it)."""
    return (
        Assignment.objects.filter(case=case, unit_id=case.current_unit_id, active=True)
        .select_related("handler", "assigned_by")
        .first()
    )


def eligible_handlers(case: Case) -> list[User]:
    """People who may be named 承办人: members of the current unit (or a unit below it) holding a role that
    includes ``Perm.HANDLE`` on a unit that covers the current unit, so they can act on the item themselves."""
    unit = case.current_unit
    covering = [int(p) for p in unit.path.strip("/").split("/") if p]
    user_ids = Grant.objects.filter(
        role__in=HANDLING_ROLES, unit_id__in=covering, user__is_active=True, user__unit__path__startswith=unit.path
    ).values("user_id")
    return list(User.objects.filter(pk__in=user_ids).order_by("full_name", "username"))


def pending_request(case: Case) -> ExtensionRequest | None:
    return case.extension_requests.filter(state=State.PENDING).select_related("requested_by").first()


def extension_open(case: Case) -> bool:
    """The item is in a state that the EXTEND transition leaves from and has not been extended yet."""
    return case.status in TRANSITIONS[Action.EXTEND].src and not case.extension_days


@dataclass
class Panel:
    """What the item page shows about its 承办人 and extension requests, and which forms this user gets."""

    current: Assignment | None
    history: list[Assignment]
    can_assign: bool
    choices: list[User]
    pending: ExtensionRequest | None
    decided: list[ExtensionRequest]
    can_request: bool
    can_decide: bool
    max_days: int = MAX_EXTENSION_DAYS
    reason_max: int = REASON_MAX
    show: bool = field(default=True)


def assignment_panel(user: User, case: Case) -> Panel:
    """The item page's 承办人 panel for ``user`` (the caller has already checked that the user sees the item)."""
    rows = list(
        Assignment.objects.filter(case=case).select_related("handler", "assigned_by", "unit").order_by("-pk")
    )
    current = next((a for a in rows if a.active and a.unit_id == case.current_unit_id), None)
    requests = list(case.extension_requests.select_related("requested_by", "decided_by").order_by("-pk"))
    pending = next((r for r in requests if r.state == State.PENDING), None)
    manager = may_manage(user, case)
    can_assign = manager and case.status in OPEN_STATES
    return Panel(
        current=current,
        history=[a for a in rows if a is not current],
        can_assign=can_assign,
        choices=eligible_handlers(case) if can_assign else [],
        pending=pending,
        decided=[r for r in requests if r is not pending],
        can_request=(
            current is not None and current.handler_id == user.pk and pending is None and extension_open(case)
        ),
        can_decide=manager and pending is not None,
        show=bool(rows or requests or can_assign),
    )


# --- writes --------------------------------------------------------------------------------------------------


def _lock(case: Case) -> Case:
    # The item's row lock orders an assignment or request against a concurrent move of the item, so the unit
    # checked here is the unit the item is at when the row is written.
    # No join in the locking query, for the reason given in ``workflow.transition``.
    try:
        return Case.objects.select_for_update().get(pk=case.pk)
    except Case.DoesNotExist as exc:
        raise NotFound() from exc


def case_assign_handler(*, case: Case, actor: User, handler: User) -> Assignment:
    """Name ``handler`` the item's 承办人 at its current unit; a previous 承办人 there is kept as history.

    The actor manages the current unit (``may_manage``); the handler belongs to it (or a unit below) and holds
    ``Perm.HANDLE`` on it. Writes a ``handler_assigned`` event and tells the handler in the inbox.
    """
    with transaction.atomic():
        locked = _lock(case)
        unit = locked.current_unit
        if not may_manage(actor, locked):
            raise PermissionRefused(f"只有「{unit.name}」的负责人可以指定承办人")
        if locked.status not in OPEN_STATES:
            raise IllegalTransition(f"信访件 {locked.number} 已办结（{workflow.status_label(locked.status)}），不能再指定承办人")
        if not handler.is_active or handler.unit is None or not handler.unit.is_within(unit):
            raise ValidationFailed(f"承办人应为「{unit.name}」（含下属单位）的工作人员", field="handler")
        if not policies.can(handler, Perm.HANDLE, unit):
            raise ValidationFailed(f"{_name(handler)} 在「{unit.name}」没有办理信访件的权限，不能指定为承办人", field="handler")
        previous = (
            Assignment.objects.select_for_update().filter(case=locked, unit=unit, active=True).select_related("handler").first()
        )
        if previous is not None and previous.handler_id == handler.pk:
            return previous
        if previous is not None:
            previous.active = False
            previous.save(update_fields=["active"])
        try:
            with transaction.atomic():
                row = Assignment.objects.create(
                    case=locked, unit=unit, handler=handler, assigned_by=actor, assigned_at=clock.now()
                )
        except IntegrityError as exc:  # pragma: no cover - the item's row lock already serialises assignments
            raise IllegalTransition("承办人刚被他人指定，请刷新页面后重试") from exc
        note = f"承办人：{_name(handler)}"
        if previous is not None:
            note += f"（原承办人：{_name(previous.handler)}）"
        data = {"handler": handler.pk, "unit": unit.pk, **({"previous": previous.handler_id} if previous else {})}
        workflow.record(locked, "handler_assigned", actor=actor, data=data, note=note)
        # The number only: an item's title may tell what an accusation alleges.
        enqueue(
            channel=Outbox.Channel.INAPP, recipient_id=handler.pk, kind="handler_assigned",
            body=f"{_name(actor)} 指定您为信访件 {locked.number} 的承办人（{unit.name}），请及时办理。",
            case_id=locked.pk, case_number=locked.number,
        )
    return row


def extension_request(*, case: Case, actor: User, days: int, reason: str) -> ExtensionRequest:
    """The item's 承办人 asks the head to extend the handling period by ``days`` (1–30) for ``reason``.

    Only while the EXTEND transition may leave the item's state and no extension was granted yet; one pending
    request per item. The unit's head is told in the inbox.
    """
    reason = (reason or "").strip()
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ValidationFailed(f"延长期限应为1至{MAX_EXTENSION_DAYS}日（《信访工作条例》第三十四条）", field="days")
    if not reason:
        raise ValidationFailed("请填写延期理由，批准后理由将写入延期告知书", field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationFailed(f"延期理由最多 {REASON_MAX} 字（您写了 {len(reason)} 字）", field="reason")
    with transaction.atomic():
        locked = _lock(case)
        unit = locked.current_unit
        current = Assignment.objects.filter(case=locked, unit=unit, active=True).first()
        if current is None or current.handler_id != actor.pk:
            raise PermissionRefused("只有本件的承办人可以申请延期")
        if locked.extension_days:
            raise IllegalTransition(f"信访件 {locked.number} 已延期 {locked.extension_days} 日，办理期限只能延长一次")
        if locked.status not in TRANSITIONS[Action.EXTEND].src:
            raise IllegalTransition(
                f"信访件 {locked.number} 当前状态为「{workflow.status_label(locked.status)}」，只有办理中的信访件可以申请延期"
            )
        if locked.extension_requests.filter(state=State.PENDING).exists():
            raise IllegalTransition("本件已有一份待审批的延期申请，请等待负责人审批")
        try:
            with transaction.atomic():
                row = ExtensionRequest.objects.create(
                    case=locked, unit=unit, requested_by=actor, days=days, reason=reason, requested_at=clock.now()
                )
        except IntegrityError as exc:  # pragma: no cover - the item's row lock already serialises requests
            raise IllegalTransition("本件已有一份待审批的延期申请，请等待负责人审批") from exc
        workflow.record(locked, "extension_requested", actor=actor, data={"days": days, "request": row.pk},
                        note=f"申请延长 {days} 日：{reason}")
        for head_id in unit_heads(unit):
            enqueue(
                channel=Outbox.Channel.INAPP, recipient_id=head_id, kind="extension_requested",
                body=f"承办人 {_name(actor)} 申请将信访件 {locked.number} 的办理期限延长 {days} 日，请审批。",
                case_id=locked.pk, case_number=locked.number,
            )
    return row


def unit_heads(unit: Unit) -> list[int]:
    """Who hears of a request: the unit's named head, or else everyone granted 单位负责人 on the unit itself."""
    if unit.head_id:
        return [unit.head_id]
    return sorted(set(Grant.objects.filter(unit=unit, role=Role.UNIT_HEAD, user__is_active=True)
                      .values_list("user_id", flat=True)))


def extension_decide(*, request_id: int, actor: User, approve: bool, note: str = "") -> ExtensionRequest:
    """The head approves (through ``case_extend``) or refuses (with ``note``) a pending request; the handler is
    told either way. A refused ``case_extend`` (the period already ran out …) leaves the request pending."""
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationFailed("请写明不同意延期的理由，承办人将收到该意见", field="note")
    with transaction.atomic():
        try:
            row = ExtensionRequest.objects.select_for_update().get(pk=request_id)
        except ExtensionRequest.DoesNotExist as exc:
            raise NotFound("未找到该延期申请") from exc
        if row.state != State.PENDING:
            raise IllegalTransition(f"该延期申请已处理（{row.get_state_display()}），请刷新页面")
        case = _lock(row.case)
        if not may_manage(actor, case):
            raise PermissionRefused(f"只有「{case.current_unit.name}」的负责人可以审批延期申请")
        if approve:
            case = case_extend(case=case, actor=actor, days=row.days, reason=row.reason)
            row.state = State.APPROVED
            body = (f"您对信访件 {case.number} 的延期申请已获批准：办理期限延长 {row.days} 日，"
                    f"至 {case.due_on:%Y年%-m月%-d日}。")
        else:
            row.state = State.REFUSED
            workflow.record(case, "extension_refused", actor=actor, data={"days": row.days, "request": row.pk},
                            note=note)
            body = f"您对信访件 {case.number} 的延期申请未获批准：{note}"
        row.decision_note = note
        row.decided_by = actor
        row.decided_at = clock.now()
        row.save(update_fields=["state", "decision_note", "decided_by", "decided_at"])
        enqueue(
            channel=Outbox.Channel.INAPP, recipient_id=row.requested_by_id, kind="extension_decided", body=body,
            case_id=case.pk, case_number=case.number,
        )
    return row


# --- the unit's workload (工作量) ------------------------------------------------------------------------------


KINDS = {"open": "在办", "overdue": "已超期", "due_soon": "即将到期", "pending": "待审批延期"}


@dataclass
class WorkloadRow:
    handler: User
    unit_name: str
    open: int = 0
    overdue: int = 0
    due_soon: int = 0
    pending: int = 0


def managed_unit_ids(user: User | None) -> list[int]:
    """The units whose work ``user`` manages: the subtrees of their ``Perm.APPROVE_EXTENSION`` grants."""
    return policies.unit_ids_with(user, MANAGE)


def _open_assignments(user: User, unit_ids: list[int]) -> QuerySet[Assignment]:
    # Only the 承办人 of the unit the item is at now, and only items the head may see (an accusation moved
    # away from the unit it accuses is no longer its business).
    visible = cases_visible_to(user).filter(current_unit_id__in=unit_ids, status__in=sorted(OPEN_STATES))
    return Assignment.objects.filter(active=True, unit_id__in=unit_ids, case__in=visible.values("pk"))


def workload(user: User) -> list[WorkloadRow]:
    """Per 承办人 of the units ``user`` manages: open, overdue and nearly due items, and pending extension
    requests. Overdue and due soon are derived from the stored due date, as on the work queue."""
    unit_ids = managed_unit_ids(user)
    if not unit_ids:
        return []
    today = clock.today()
    rows: dict[int, WorkloadRow] = {}
    people = Grant.objects.filter(role__in=HANDLING_ROLES, unit_id__in=unit_ids, user__is_active=True,
                                  user__unit_id__in=unit_ids).values("user_id")
    for person in User.objects.filter(pk__in=people).select_related("unit"):
        rows[person.pk] = WorkloadRow(person, person.unit.name if person.unit else "")
    assigned = _open_assignments(user, unit_ids).select_related("handler__unit", "case").only(
        "handler", "case__due_on", "case__due_started_on", "handler__full_name", "handler__username",
        "handler__unit__name",
    )
    for a in assigned:
        row = rows.get(a.handler_id)
        if row is None:  # moved to another unit but still holds items here
            row = rows[a.handler_id] = WorkloadRow(a.handler, a.handler.unit.name if a.handler.unit else "")
        overdue, soon = due_state(a.case.due_on, a.case.due_started_on, today)
        row.open += 1
        row.overdue += overdue
        row.due_soon += soon
    pending = ExtensionRequest.objects.filter(
        state=State.PENDING, unit_id__in=unit_ids, case__in=cases_visible_to(user).values("pk")
    ).values_list("requested_by_id", flat=True)
    for requester in pending:
        if requester in rows:
            rows[requester].pending += 1
    return sorted(rows.values(), key=lambda r: (-r.overdue, -r.open, r.handler.full_name or r.handler.username))


def workload_items(user: User, handler_id: int, kind: str) -> tuple[User, list[Case]]:
    """The items behind one number of the workload page. ``NotFound`` for a handler who is not one of the
    page's rows, so another unit's staff cannot be looked up by id."""
    if kind not in KINDS:
        raise NotFound("未找到该列表")
    handler = next((r.handler for r in workload(user) if r.handler.pk == handler_id), None)
    if handler is None:
        raise NotFound("未找到该承办人")
    unit_ids = managed_unit_ids(user)
    if kind == "pending":
        ids = ExtensionRequest.objects.filter(state=State.PENDING, unit_id__in=unit_ids, requested_by=handler).values("case_id")
    else:
        ids = _open_assignments(user, unit_ids).filter(handler=handler).values("case_id")
    cases = list(
        cases_visible_to(user).filter(pk__in=ids).select_related("current_unit").order_by("due_on", "pk")
    )
    if kind in ("overdue", "due_soon"):
        today = clock.today()
        pick = 0 if kind == "overdue" else 1
        cases = [c for c in cases if due_state(c.due_on, c.due_started_on, today)[pick]]
    return handler, cases


def handler_names(case_ids: list[int]) -> dict[int, str]:
    """Item id → name of its 承办人 at the item's current unit (for lists: one query for the page)."""
    rows = Assignment.objects.filter(case_id__in=case_ids, active=True).values_list(
        "case_id", "unit_id", "case__current_unit_id", "handler__full_name", "handler__username"
    )
    return {case_id: full or username for case_id, unit_id, at, full, username in rows if unit_id == at}


__all__ = [
    "may_manage", "current_assignment", "eligible_handlers", "pending_request", "assignment_panel", "Panel",
    "case_assign_handler", "extension_request", "extension_decide", "unit_heads", "workload", "workload_items",
    "WorkloadRow", "KINDS", "managed_unit_ids", "handler_names",
]
