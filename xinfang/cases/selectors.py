"""Scoped reads. Every list starts from ``cases_visible_to``; every single item comes through ``access_case``.

"No such item" and "not yours" raise the same ``NotFound`` so that nobody can probe for items of other units.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from xinfang.cases.models import Case, CaseAccess, CaseEvent, PersonalDataAccess
from xinfang.cases.workflow import TRANSITIONS, Transition, actions_from
from xinfang.core import clock
from xinfang.core.errors import NotFound
from xinfang.orgs import policies
from xinfang.orgs.models import User
from xinfang.orgs.permissions import Perm


def cases_visible_to(user: User | None) -> QuerySet[Case]:
    """Items routed to (or registered at) a unit inside the user's grants."""
    paths = policies.granted_paths(user, Perm.VIEW)
    if not paths:
        return Case.objects.none()
    unit_q = Q()
    for path in paths:
        unit_q |= Q(unit__path__startswith=path)
    return Case.objects.filter(Exists(CaseAccess.objects.filter(unit_q, case=OuterRef("pk"))))


def access_case(user: User | None, case_id: int, *, for_update: bool = False) -> Case:
    qs = cases_visible_to(user).select_related(
        "current_unit", "registering_unit", "responsible_unit", "accused_unit", "category", "problem_place"
    )
    case = qs.filter(pk=case_id).first()
    if case is None:
        raise NotFound()
    return case


def can_see_identity(user: User | None, case: Case) -> bool:
    """False for users of the accused unit (or below it) on a 检举控告 item ([T22-30], decisions §5)."""
    if user is None:
        return False
    if not case.is_accusation:
        return True
    if case.accused_unit_id is None:
        return True
    if user.unit is None:
        return True
    return not user.unit.is_within(case.accused_unit)


def petitioners_for(user: User, case: Case, *, purpose: str = "查看信访件") -> list:
    """The petitioners of an item as this user may see them; every disclosure is logged (decisions §5)."""
    if not can_see_identity(user, case):
        return []
    people = list(case.petitioners.all())
    PersonalDataAccess.objects.create(user=user, case=case, purpose=purpose, created_at=clock.now())
    return people


def attachments_for(user: User, case: Case) -> list:
    if not can_see_identity(user, case):
        return []
    return list(case.attachments.all())


def available_actions(user: User, case: Case) -> list[Transition]:
    """The transitions this user may start on this item now (the page shows only these)."""
    result = []
    for t in actions_from(case.status):
        if t.perm is None:
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
