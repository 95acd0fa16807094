"""Scoped reads. Every list starts from ``cases_visible_to``; every single item comes through ``access_case``.

"No such item" and "not yours" raise the same ``NotFound`` so that nobody can probe for items of other units.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from xinfang.cases import disclosure, secrecy
from xinfang.cases.models import Case, CaseAccess, CaseEvent
from xinfang.cases.workflow import TRANSITIONS, Transition, actions_from
from xinfang.core import clock
from xinfang.core.errors import NotFound
from xinfang.orgs import policies
from xinfang.orgs.models import User
from xinfang.orgs.permissions import Perm


def cases_visible_to(user: User | None) -> QuerySet[Case]:
    """Items routed to (or registered at) a unit inside the user's grants."""
    unit_ids = policies.unit_ids_with(user, Perm.VIEW)
    if not unit_ids:
        return Case.objects.none()
    return Case.objects.filter(Exists(CaseAccess.objects.filter(unit_id__in=unit_ids, case=OuterRef("pk"))))


def access_case(user: User | None, case_id: int, *, for_update: bool = False) -> Case:
    qs = cases_visible_to(user).select_related(
        "current_unit", "registering_unit", "responsible_unit", "accused_unit", "category", "problem_place"
    )
    case = qs.filter(pk=case_id).first()
    if case is None:
        raise NotFound()
    return case


def can_see_identity(user: User | None, case: Case) -> bool:
    """False for users of the accused unit (or below it) on a 检举控告 item ([T22-30], ``cases.secrecy``)."""
    return disclosure.identity_visible(user, case)


def petitioners_for(user: User, case: Case, *, purpose: str = disclosure.PURPOSE_DETAIL) -> list:
    """The petitioners of an item as this user may see them, through the disclosure door (logged)."""
    return disclosure.petitioners(user, case, purpose=purpose)


def attachments_for(user: User, case: Case) -> list:
    """The attachments of an item as this user may see them, through the disclosure door (logged)."""
    return disclosure.disclose(user, case).attachments


def related_items(user: User | None, case: Case) -> tuple[list[Case], list[Case]]:
    """Earlier and later linked items (关联信访件) that ``user`` may open and be told about.

    A link does not make an item visible: an item of another unit, or an accusation against the user's own
    unit, is left out as if there were no link ([T22-30]; ``secrecy.listable``).
    """
    earlier = secrecy.listable(user, case.earlier_items.all()).order_by("received_on", "pk")
    later = secrecy.listable(user, case.later_items.all()).order_by("received_on", "pk")
    return list(earlier), list(later)


def available_actions(user: User, case: Case) -> list[Transition]:
    """The transitions this user may start on this item now (the page shows only these)."""
    result = []
    for t in actions_from(case.status):
        if t.perm is None or (t.requires is not None and t.requires(case)):
            continue
        if t.perm_on == "target":
            # The target is decided by the service (bureau, review organ); ask about any unit of the user's.
            if policies.granted_paths(user, t.perm):
                result.append(t)
        elif policies.can(user, t.perm, case.current_unit):
            result.append(t)
    return result


def case_timeline(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor", "actor_unit").order_by("pk")


@dataclass(frozen=True)
class ClockView:
    rule_code: str
    started_on: object
    due_on: object
    running: bool
    on_time: bool | None
    overdue: bool
    due_soon: bool


def clock_views(case: Case) -> list[ClockView]:
    """Derive 'overdue' and 'due soon' (last third of the period) at read time, never stored."""
    today = clock.today()
    views = []
    for c in case.clocks.order_by("pk"):
        running = c.stopped_on is None and not c.superseded
        total = max((c.due_on - c.started_on).days, 1)
        left = (c.due_on - today).days
        views.append(
            ClockView(
                rule_code=c.rule_code,
                started_on=c.started_on,
                due_on=c.due_on,
                running=running,
                on_time=c.on_time,
                overdue=running and today > c.due_on,
                due_soon=running and 0 <= left <= total / 3,
            )
        )
    return views


def transition_meta(action: str) -> Transition:
    return TRANSITIONS[action]


# --- work queue ---------------------------------------------------------------------------------------------


@dataclass
class QueueRow:
    case: Case
    petitioner: str
    overdue: bool
    due_soon: bool
    days_left: int | None
    handler: str = ""  # the 承办人 named inside the unit (cases.assignment), if any


@dataclass
class Queue:
    overdue: list[QueueRow]
    due_soon: list[QueueRow]
    others: list[QueueRow]
    truncated: bool

    @property
    def total(self) -> int:
        return len(self.overdue) + len(self.due_soon) + len(self.others)


QUEUE_LIMIT = 1000


def due_state(due_on, started_on, today) -> tuple[bool, bool]:
    """(overdue, due soon): due soon = inside the last third of the period (derived, never stored)."""
    if due_on is None:
        return False, False
    if today > due_on:
        return True, False
    total = max((due_on - (started_on or due_on)).days, 1)
    return False, (due_on - today).days * 3 <= total


def main_petitioner_name(user: User, case: Case) -> str:
    """A list row's petitioner (「（依法保密）」 where hidden); the caller logs the page (``disclosure``)."""
    return disclosure.main_petitioner_label(user, case)


def queue_for(user: User) -> Queue:
    """Open items waiting at one of the units the user holds a grant on, nearest deadline first.

    Items the bureau moved to a 政法 department or a 纪检监察 organ end the petition track but now lie with
    that organ, which must see them on its workbench until they are archived.
    """
    from xinfang.cases.states import OPEN_STATES, Status

    unit_ids = set(policies.granted_unit_ids(user))
    waiting = sorted(OPEN_STATES | {Status.LEGAL_ROUTED, Status.DISCIPLINE_ROUTED})
    qs = (
        cases_visible_to(user)
        .filter(current_unit_id__in=unit_ids, status__in=waiting)
        .select_related("category", "current_unit", "accused_unit")
        .prefetch_related("petitioners")
        .order_by("due_on", "pk")
    )
    rows = list(qs[: QUEUE_LIMIT + 1])
    truncated = len(rows) > QUEUE_LIMIT
    today = clock.today()
    queue = Queue([], [], [], truncated)
    names = disclosure.names_for(user, rows[:QUEUE_LIMIT], purpose=disclosure.PURPOSE_QUEUE, per_item=False)
    from xinfang.cases.assignment import handler_names  # imports this module

    handlers = handler_names([case.pk for case in rows[:QUEUE_LIMIT]])
    for case in rows[:QUEUE_LIMIT]:
        overdue, soon = due_state(case.due_on, case.due_started_on, today)
        row = QueueRow(
            case=case,
            petitioner=names[case.pk],
            overdue=overdue,
            due_soon=soon,
            days_left=(case.due_on - today).days if case.due_on else None,
            handler=handlers.get(case.pk, ""),
        )
        (queue.overdue if overdue else queue.due_soon if soon else queue.others).append(row)
    return queue


# --- clocks with their explanation (案件详情) --------------------------------------------------------------


@dataclass
class ClockPanel:
    clock: object
    label: str
    overdue: bool
    due_soon: bool
    days_left: int | None
    explanation: list[str]
    recomputed_differs: bool


def clock_panels(case: Case) -> list[ClockPanel]:
    """Each clock of an item with the deadline engine's explanation of its due date («为什么是这一天»).

    The stored due date is authoritative (decisions §2); if the calendar was edited since the clock started,
    the explanation says that today's calendar would give another date.
    """
    from xinfang.core.errors import XinfangError
    from xinfang.deadlines.services import compute_deadline

    today = clock.today()
    panels = []
    for c in case.clocks.order_by("-stopped_on", "due_on", "pk"):
        running = c.stopped_on is None and not c.superseded
        overdue, soon = due_state(c.due_on, c.started_on, today) if running and not c.paused else (False, False)
        if c.rule_code == "assigned":
            lines = [f"交办期限由信访部门在交办时指定：{c.due_on:%Y-%m-%d}。"]
            differs = False
        else:
            try:
                deadline = compute_deadline(
                    c.rule_code, c.started_on, extra_days=c.extra_days, rule_date=case.received_on, allow_provisional=True
                )
                lines = deadline.explain_lines()
                differs = deadline.due != c.due_on
            except XinfangError as exc:
                lines, differs = [str(exc)], False
        panels.append(
            ClockPanel(
                clock=c,
                label=c.label,
                overdue=overdue,
                due_soon=soon,
                days_left=(c.due_on - today).days if running else None,
                explanation=lines,
                recomputed_differs=differs,
            )
        )
    # Running clocks first, nearest due date first.
    panels.sort(key=lambda p: (p.clock.stopped_on is not None or p.clock.superseded, p.clock.due_on))
    return panels


@dataclass
class TimelineRow:
    label: str
    when: object
    recorded_at: object
    actor: str
    unit: str
    from_label: str
    to_label: str
    changed: bool
    note: str
    details: list[str]
    backdated: str = ""  # 「（11月30日补录，理由：…）」 when recorded on another day than the act
    document_id: int | None = None  # the issued document a 签发/更正文书 row links to


def timeline_rows(case: Case) -> list[TimelineRow]:
    """The item's history in words: every recorded event, its actor and what it did to the clocks."""
    from xinfang.cases.choices import CLOCK_LABELS
    from xinfang.cases.workflow import EVENT_LABELS, status_label
    from xinfang.deadlines.calendar import provisional_label

    rows = []
    for e in case_timeline(case):
        details = []
        data = e.data or {}
        if data.get("to"):
            details.append(f"接收单位：{data['to']}")
        if data.get("assign_due_on"):
            details.append(f"交办期限：{data['assign_due_on']}")
        if data.get("document_number"):
            details.append(f"文号：{data['document_number']}")
        if data.get("refusal"):
            details.append(data["refusal"])
        for c in data.get("clocks", {}).get("stopped", []):
            verdict = "按期" if c.get("on_time") else "超期" if c.get("on_time") is False else "已重算"
            details.append(f"结束期限：{CLOCK_LABELS.get(c['rule'], c['rule'])}（截止 {c['due_on']}，{verdict}）")
        for c in data.get("clocks", {}).get("started", []):
            note = " " + provisional_label(int(c["due_on"][:4])) if c.get("provisional") else ""
            details.append(f"开始期限：{CLOCK_LABELS.get(c['rule'], c['rule'])}，自 {c['from']} 起算，截止 {c['due_on']}{note}")
        for c in data.get("recomputed", []):
            note = " " + provisional_label(int(c["to"][:4])) if c.get("provisional") else ""
            details.append(
                f"重算期限：{CLOCK_LABELS.get(c['rule'], c['rule'])}，按 {data.get('year')} 年放假安排，"
                f"截止 {c['from']}（暂定）→ {c['to']}{note}"
            )
        recorded_on = clock.local_date(e.created_at)
        backdated = ""
        if recorded_on != e.effective_on and e.action not in ("register", "register_direct"):
            # A late entry shows both days, so nobody mistakes it for an act recorded on the day.
            why = f"，理由：{data['backdate_reason']}" if data.get("backdate_reason") else ""
            backdated = f"（{recorded_on.month}月{recorded_on.day}日补录{why}）"
        rows.append(
            TimelineRow(
                label=EVENT_LABELS.get(e.action, e.action),
                when=e.effective_on,
                recorded_at=e.created_at,
                actor=(e.actor.full_name or e.actor.username) if e.actor else "系统",
                unit=e.actor_unit.name if e.actor_unit else "",
                from_label=status_label(e.from_status),
                to_label=status_label(e.to_status),
                changed=e.from_status != e.to_status,
                note=e.note,
                details=details,
                backdated=backdated,
                document_id=data.get("document_id") if e.action in ("document_issued", "document_corrected") else None,
            )
        )
    return rows


# --- earlier items of one person (登记: marking a repeat) -------------------------------------------------

PERSON_HISTORY_LIMIT = 20


def person_history(
    user: User | None, *, id_number: str | None = None, phone: str | None = None, name: str | None = None
) -> list[Case]:
    """Earlier items of one petitioner that ``user`` may see, newest first, at most ``PERSON_HISTORY_LIMIT``.

    Used while registering, so the registrar can confirm a repeat (重件, decisions §4). A petitioner matches by
    exact identity number or exact phone, both normalised as the service stores them; ``name`` narrows only
    the phone match, because relatives share a phone but never an identity number. A name alone finds
    nothing: this is not a tool for looking people up (decisions §5). A value that does not validate matches
    nothing. 检举控告 items whose accused unit contains the user's unit are left out even when visible, because
    that unit must not learn who complained about it ([T22-30]). Every item returned is logged as a view of
    personal data.
    """
    # Imported here so that this section stays self-contained at the end of the module.
    from xinfang.cases.models import Petitioner
    from xinfang.cases.validators import normalize_id_number, normalize_phone
    from xinfang.core.errors import ValidationFailed

    person = Q()
    if id_number and id_number.strip():
        try:
            person |= Q(id_number=normalize_id_number(id_number))
        except ValidationFailed:
            pass
    if phone and phone.strip():
        try:
            by_phone = Q(phone=normalize_phone(phone))
        except ValidationFailed:
            by_phone = None
        if by_phone is not None:
            if name and name.strip():
                by_phone &= Q(name=name.strip())
            person |= by_phone
    if not person:
        return []
    qs = cases_visible_to(user).filter(Exists(Petitioner.objects.filter(person, case=OuterRef("pk"))))
    qs = secrecy.without_hidden(user, qs)
    cases = list(qs.order_by("-received_on", "-pk")[:PERSON_HISTORY_LIMIT])
    # That a person petitioned before is personal data too: each disclosure is logged (decisions §5).
    disclosure.log_items(user, cases, disclosure.PURPOSE_PERSON_SEARCH)
    return cases


def applications_to_decide(user: User, case: Case | None = None) -> list:
    """Portal 复查/复核 applications waiting for a decision, on items the user sees, that the user's grants let
    them decide (``Perm.REVIEW`` on the deciding organ); with ``case``, that item's only."""
    from xinfang.cases.models import ReviewApplication
    from xinfang.cases.requests import deciding_unit

    rows = ReviewApplication.objects.filter(
        state=ReviewApplication.State.PENDING, case__in=cases_visible_to(user).values("pk")
    ).select_related("case", "case__current_unit", "case__review_unit").order_by("filed_at", "pk")
    if case is not None:
        rows = rows.filter(case=case)
    return [a for a in rows if policies.can(user, Perm.REVIEW, deciding_unit(a))]
