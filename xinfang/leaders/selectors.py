"""Scoped reads of the leaders' app. The supervision board reads ``open_instructions_for_board`` and
``leader_cases``; the portal reads ``upcoming_reception_days``; the item page reads ``item_panel``.

A 包案 is seen by its leader, its team members, and whoever may be told about at least one of its items
(``secrecy.listable``): someone from another unit gets the same NotFound as for a 包案 that does not exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from xinfang.cases import secrecy
from xinfang.cases.models import Case
from xinfang.cases.selectors import cases_visible_to
from xinfang.cases.states import OPEN_STATES
from xinfang.core import clock
from xinfang.core.errors import NotFound
from xinfang.leaders import rules
from xinfang.leaders.models import (
    CaseOwnership,
    DownVisit,
    Instruction,
    Milestone,
    OwnershipItem,
    ReceptionDay,
)
from xinfang.leaders.services import may_edit, may_edit_down_visit, may_manage_reception_days
from xinfang.orgs import policies
from xinfang.orgs.models import User
from xinfang.orgs.permissions import Perm


def listable_cases(user: User | None) -> QuerySet[Case]:
    return secrecy.listable(user, Case.objects.all())


def ownerships_visible_to(user: User | None) -> QuerySet[CaseOwnership]:
    if user is None or not user.is_authenticated:
        return CaseOwnership.objects.none()
    told = OwnershipItem.objects.filter(ownership=OuterRef("pk"), case__in=listable_cases(user).values("pk"))
    return CaseOwnership.objects.filter(Q(leader=user) | Q(team_members=user) | Exists(told)).distinct()


def access_ownership(user: User | None, ownership_id: int) -> CaseOwnership:
    ownership = ownerships_visible_to(user).select_related("leader").filter(pk=ownership_id).first()
    if ownership is None:
        raise NotFound("未找到该包案")
    return ownership


def ownership_items(user: User | None, ownership: CaseOwnership) -> list[Case]:
    """The 包案's items that ``user`` may be told about (the leader and team see the ones in their reach)."""
    return list(
        secrecy.listable(user, ownership.items.all()).select_related("current_unit").order_by("received_on", "pk")
    )


@dataclass
class NextAction:
    label: str
    due_on: dt.date | None
    overdue: bool


def next_action(ownership: CaseOwnership, today: dt.date | None = None) -> NextAction:
    """The next open milestone, else the 化解期限 itself; after conclusion, the 息诉罢访 watch."""
    today = today or clock.today()
    if ownership.state == CaseOwnership.State.CONCLUDED:
        end = rules.settled_window_end(ownership.concluded_on)
        return NextAction(f"观察是否息诉罢访（至 {end:%Y-%m-%d}）", end, False)
    if ownership.state != CaseOwnership.State.OPEN:
        return NextAction(ownership.get_state_display(), None, False)
    pending = [m for m in ownership.milestones.all() if m.done_on is None]
    if pending:
        m = min(pending, key=lambda m: (m.due_on, m.pk))
        return NextAction(m.text, m.due_on, m.due_on < today)
    return NextAction("确认化解结果", ownership.deadline, ownership.deadline < today)


@dataclass
class OwnershipRow:
    ownership: CaseOwnership
    next: NextAction
    items: list[Case] = field(default_factory=list)


def leader_cases(user: User | None, *, include_closed: bool = False) -> list[OwnershipRow]:
    """The 包案 a user leads or works on, nearest next action first (the leader's page and the board)."""
    if user is None or not user.is_authenticated:
        return []
    qs = (
        CaseOwnership.objects.filter(Q(leader=user) | Q(team_members=user)).distinct()
        .select_related("leader")
        .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("due_on", "pk")), "items")
    )
    if not include_closed:
        qs = qs.filter(state__in=[CaseOwnership.State.OPEN, CaseOwnership.State.CONCLUDED])
    today = clock.today()
    rows = [OwnershipRow(o, next_action(o, today), list(o.items.all())) for o in qs]
    far = dt.date.max
    rows.sort(key=lambda r: (r.ownership.state != CaseOwnership.State.OPEN, r.next.due_on or far, r.ownership.pk))
    return rows


def open_ownership_of(case: Case) -> CaseOwnership | None:
    return (
        CaseOwnership.objects.filter(item_links__case=case, state=CaseOwnership.State.OPEN)
        .select_related("leader").first()
    )


# --- 阅批 ---------------------------------------------------------------------------------------------------


@dataclass
class InstructionRow:
    instruction: Instruction
    overdue: bool
    days_left: int


def _rows(qs: QuerySet[Instruction]) -> list[InstructionRow]:
    today = clock.today()
    return [
        InstructionRow(i, i.is_open and today > i.due_on, (i.due_on - today).days)
        for i in qs.select_related("case", "leader", "unit", "answered_by").order_by("due_on", "pk")
    ]


def open_instructions_for_board(user: User | None) -> list[InstructionRow]:
    """Unanswered instructions on items ``user`` may be told about, earliest due first (the supervision board)."""
    return _rows(Instruction.objects.filter(answered_at__isnull=True, case__in=listable_cases(user).values("pk")))


def open_instructions(user: User | None) -> list[InstructionRow]:
    """Unanswered instructions waiting at units where ``user`` handles items: the unit's task list."""
    unit_ids = policies.unit_ids_with(user, Perm.HANDLE)
    if not unit_ids:
        return []
    return _rows(Instruction.objects.filter(answered_at__isnull=True, unit_id__in=unit_ids))


def instructions_issued_by(user: User | None) -> list[InstructionRow]:
    if user is None or not user.is_authenticated:
        return []
    return _rows(Instruction.objects.filter(leader=user, answered_at__isnull=True))


def access_instruction(user: User | None, instruction_id: int) -> Instruction:
    found = Instruction.objects.filter(
        pk=instruction_id, case__in=listable_cases(user).values("pk")
    ).select_related("case", "unit", "leader").first()
    if found is None:
        raise NotFound("未找到该批示")
    return found


# --- the panel on the item page ------------------------------------------------------------------------------


def item_panel(user: User, case: Case) -> dict:
    """Context for ``leaders/_item_panel.html`` on the item page (the caller has already opened ``case``)."""
    if secrecy.on_accused_side(user, case):
        # Plans and instructions on an accusation may repeat its material: nothing of them for the accused unit.
        return {}
    ownerships = list(
        CaseOwnership.objects.filter(item_links__case=case).select_related("leader")
        .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("due_on", "pk")))
        .order_by("-pk")
    )
    today = clock.today()
    instructions = _rows(Instruction.objects.filter(case=case))
    for row in instructions:
        row.can_answer = row.instruction.is_open and policies.can(user, Perm.HANDLE, row.instruction.unit)
    leads = rules.leads_unit(user, case.current_unit)
    has_open = any(o.is_open for o in ownerships)
    return {
        "leader_ownerships": [OwnershipRow(o, next_action(o, today)) for o in ownerships],
        "leader_instructions": instructions,
        "leader_can_take": leads and not has_open,
        "leader_can_instruct": leads,
        "leader_default_due": today + dt.timedelta(days=15),
    }


# --- 积案 ---------------------------------------------------------------------------------------------------


@dataclass
class BacklogRow:
    case: Case
    age_days: int
    ownership: CaseOwnership | None


def backlog(user: User | None, *, min_days: int | None = None, limit: int = 500) -> list[BacklogRow]:
    """积案: open items the user may be told about, received at least ``min_days`` ago, oldest first, each
    with the leader in charge of it (its open 包案) if any."""
    min_days = rules.backlog_days() if min_days is None else min_days
    today = clock.today()
    cutoff = today - dt.timedelta(days=min_days)
    qs = (
        secrecy.listable(user, Case.objects.filter(status__in=sorted(OPEN_STATES), received_on__lte=cutoff))
        .select_related("current_unit").order_by("received_on", "pk")[:limit]
    )
    cases = list(qs)
    owners: dict[int, CaseOwnership] = {}
    links = OwnershipItem.objects.filter(
        case__in=cases, ownership__state=CaseOwnership.State.OPEN
    ).select_related("ownership__leader")
    for link in links:
        owners[link.case_id] = link.ownership
    return [BacklogRow(c, (today - c.received_on).days, owners.get(c.pk)) for c in cases]


# --- 领导接访日 and 下访 -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicReceptionDay:
    """What the public page may show: no staff account, no item, no visitor."""

    leader_name: str
    leader_post: str
    on: dt.date
    time: str
    place: str
    topics: str


def upcoming_reception_days(today: dt.date | None = None) -> list[PublicReceptionDay]:
    """Today's and later days still planned: a cancelled day stays on record but is no longer announced."""
    today = today or clock.today()
    return [
        PublicReceptionDay(**row)
        for row in ReceptionDay.objects.filter(on__gte=today, cancelled_at__isnull=True)
        .order_by("on", "pk")
        .values("leader_name", "leader_post", "on", "time", "place", "topics")
    ]


def reception_days_for_staff(user: User | None) -> list[ReceptionDay]:
    if user is None or not may_manage_reception_days(user):
        return []
    return list(ReceptionDay.objects.select_related("cancelled_by").order_by("-on", "-pk")[:200])


def access_reception_day(user: User | None, day_id: int) -> ReceptionDay:
    if user is None or not may_manage_reception_days(user):
        raise NotFound("未找到该接访日")
    day = ReceptionDay.objects.select_related("created_by", "updated_by", "cancelled_by").filter(pk=day_id).first()
    if day is None:
        raise NotFound("未找到该接访日")
    return day


def reception_day_candidates(user: User, day: ReceptionDay) -> list[Case]:
    """Visits registered on the day that ``user`` may see: the ones staff can link to the reception."""
    return list(
        cases_visible_to(user).filter(received_on=day.on, channel="visit").select_related("current_unit")
        .order_by("registered_at", "pk")[:200]
    )


def reception_day_items(user: User, day: ReceptionDay) -> list[Case]:
    return list(secrecy.listable(user, day.items.all()).order_by("pk"))


def down_visits_for(user: User | None) -> list[DownVisit]:
    """The user's own 下访 records (a leader keeps their own; items show only where the reader may see them)."""
    if user is None or not user.is_authenticated:
        return []
    return list(DownVisit.objects.filter(leader=user).order_by("-on", "-pk")[:200])


def access_down_visit(user: User | None, visit_id: int) -> DownVisit:
    """A 下访 record the user may correct; any other looks the same as one that does not exist."""
    visit = DownVisit.objects.select_related("leader").filter(pk=visit_id).first()
    if visit is None or user is None or not user.is_authenticated or not may_edit_down_visit(user, visit):
        raise NotFound("未找到该下访记录")
    return visit


def down_visit_items(user: User, visit: DownVisit) -> list[Case]:
    """The visit's items the user may see: only these are offered for correction."""
    return list(secrecy.listable(user, visit.items.all()).order_by("pk"))


def cases_by_numbers(user: User, numbers: list[str]) -> tuple[list[Case], list[str]]:
    """The items with these numbers that ``user`` may see, and the numbers not found among them (an item out of
    reach is reported exactly like a number that does not exist)."""
    found = list(secrecy.listable(user, Case.objects.filter(number__in=numbers)).order_by("pk"))
    return found, sorted(set(numbers) - {c.number for c in found})


def can_take(user: User | None, case: Case) -> bool:
    return rules.leads_unit(user, case.current_unit) and open_ownership_of(case) is None


def may_edit_ownership(user: User, ownership: CaseOwnership) -> bool:
    return ownership.is_open and may_edit(user, ownership)
