"""Scoped reads of the prevention registers. Every list starts from a ``*_visible_to`` function; every single record
comes through an ``access_*`` function, where "no such record" and "not yours" raise the same ``NotFound``.

Reading follows the petition scope (``case.view`` on a subtree): whoever may see a township's items may see its
disputes. Writing the ledger needs ``prevention.record`` on a village or township (``reporting_units``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from xinfang.cases import secrecy
from xinfang.cases.models import Case
from xinfang.cases.selectors import cases_visible_to
from xinfang.core.errors import NotFound
from xinfang.orgs import policies
from xinfang.orgs.models import Unit, UnitKind, User
from xinfang.orgs.permissions import Perm
from xinfang.prevention.models import (
    AssessmentLink,
    DisputeEntry,
    DisputeType,
    FollowUp,
    JointMeeting,
    MeetingDecision,
    Resolution,
    Revision,
    RiskLevel,
    StabilityAssessment,
)

PLACE_KINDS = (UnitKind.TOWNSHIP, UnitKind.VILLAGE)


def may_see_ledger(user: User | None) -> bool:
    return bool(policies.granted_paths(user, Perm.VIEW))


def reporting_units(user: User | None) -> list[Unit]:
    """The villages and townships on which ``user`` holds ``prevention.record``: they screen disputes there.

    County staff hold the permission too (for meetings and 稳评), but the ledger is written where disputes arise,
    so only grants on a village or township count here.
    """
    paths = policies.granted_paths(user, Perm.PREVENTION_RECORD)
    if not paths:
        return []
    return list(Unit.objects.filter(path__in=paths, kind__in=PLACE_KINDS, is_active=True))


def reporting_places(user: User | None) -> QuerySet[Unit]:
    """Villages and townships the user may file entries for (their reporting units and what lies below)."""
    units = reporting_units(user)
    if not units:
        return Unit.objects.none()
    q = Q()
    for unit in units:
        q |= Q(path__startswith=unit.path)
    return Unit.objects.filter(q, kind__in=PLACE_KINDS, is_active=True).order_by("path")


def may_report(user: User | None, place: Unit | None) -> bool:
    if place is None or place.kind not in PLACE_KINDS:
        return False
    return any(place.is_within(unit) for unit in reporting_units(user))


def may_record(user: User | None, unit: Unit | None) -> bool:
    """Meetings, decisions and 稳评 are recorded by holders of ``prevention.record`` on the unit."""
    return policies.can(user, Perm.PREVENTION_RECORD, unit)


def township_of(place: Unit) -> Unit | None:
    if place.kind == UnitKind.TOWNSHIP:
        return place
    for unit in reversed(place.ancestors()):
        if unit.kind == UnitKind.TOWNSHIP:
            return unit
    return None


# --- the ledger ----------------------------------------------------------------------------------------------


def entries_visible_to(user: User | None) -> QuerySet[DisputeEntry]:
    """Entries whose place, or whose responsible unit, lies inside the user's subtrees."""
    if not policies.granted_paths(user, Perm.VIEW):
        return DisputeEntry.objects.none()
    scope = policies.units_q(user, Perm.VIEW, "place__path") | policies.units_q(
        user, Perm.VIEW, "responsible_unit__path"
    )
    return DisputeEntry.objects.filter(scope).select_related("place", "township", "responsible_unit")


def access_entry(user: User | None, entry_id: int) -> DisputeEntry:
    entry = entries_visible_to(user).filter(pk=entry_id).first()
    if entry is None:
        raise NotFound("未找到该排查台账记录")
    return entry


def may_edit_entry(user: User | None, entry: DisputeEntry) -> bool:
    return may_report(user, entry.place)


def entry_followup(entry: DisputeEntry, followup_id: int) -> FollowUp:
    """A follow-up of an entry the caller has already opened (``access_entry``)."""
    followup = entry.followups.select_related("author").filter(pk=followup_id).first()
    if followup is None:
        raise NotFound("未找到该跟进记录")
    return followup


def _is_author(user: User | None, followup: FollowUp) -> bool:
    return user is not None and user.is_authenticated and followup.author_id == user.pk


def may_edit_followup(user: User | None, entry: DisputeEntry, followup: FollowUp) -> bool:
    """Its author may correct a follow-up, and so may whoever may add one (``followup_add``'s permission)."""
    return _is_author(user, followup) or may_edit_entry(user, entry)


def followup_rows(user: User | None, entry: DisputeEntry) -> list[FollowUp]:
    """The entry's follow-ups with their earlier versions, each marked ``may_correct`` as ``may_edit_followup``
    decides (the reporting check once for the list, not once per row)."""
    editor = may_edit_entry(user, entry)
    rows = list(
        entry.followups.select_related("author", "edited_by").prefetch_related(
            Prefetch("revisions", queryset=Revision.objects.select_related("actor"))
        )
    )
    for f in rows:
        f.may_correct = editor or _is_author(user, f)
    return rows


def linked_case(user: User | None, entry: DisputeEntry) -> Case | None:
    """The item the entry became, if the user may open it (a link does not make an item visible)."""
    if entry.case_id is None:
        return None
    return cases_visible_to(user).filter(pk=entry.case_id).first()


def filter_entries(
    qs: QuerySet[DisputeEntry],
    *,
    q: str = "",
    dispute_type: str = "",
    risk_level: str = "",
    resolution: str = "",
) -> QuerySet[DisputeEntry]:
    if q:
        qs = qs.filter(Q(parties__icontains=q) | Q(summary__icontains=q) | Q(place__name__icontains=q))
    if dispute_type:
        qs = qs.filter(dispute_type=dispute_type)
    if risk_level:
        qs = qs.filter(risk_level=risk_level)
    if resolution:
        qs = qs.filter(resolution=resolution)
    return qs


# --- monthly summary -----------------------------------------------------------------------------------------


@dataclass
class Summary:
    month: dt.date
    townships: list[str]
    by_type: list[tuple[str, list[int], int]]  # (type label, count per township, total)
    by_resolution: list[tuple[str, list[int], int]]
    by_risk: list[tuple[str, list[int], int]]
    township_totals: list[int]
    total: int
    new_in_month: int
    resolved_in_month: int
    petitions_in_month: int


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def monthly_summary(user: User | None, month: dt.date) -> Summary:
    """Counts of the entries the user sees that were on the ledger at the month's end (reported by then).

    Type, status and risk are the entries' current values; "new" counts entries reported in the month and
    "resolved" those whose 化解日期 falls in it.
    """
    first, last = month_bounds(month)
    rows = list(
        entries_visible_to(user)
        .filter(reported_on__lte=last)
        .values_list(
            "township__name", "dispute_type", "resolution", "risk_level", "reported_on", "resolved_on"
        )
    )
    townships = sorted({r[0] for r in rows})
    cells: Counter[tuple[str, str, str]] = Counter()
    for town, kind, resolution, risk, _reported, _resolved in rows:
        cells["type", kind, town] += 1
        cells["resolution", resolution, town] += 1
        cells["risk", risk, town] += 1

    def table(axis: str, choices) -> list[tuple[str, list[int], int]]:
        out = []
        for value, label in choices:
            counts = [cells[axis, value, town] for town in townships]
            out.append((label, counts, sum(counts)))
        return out

    by_type = table("type", DisputeType.choices)
    return Summary(
        month=first,
        townships=townships,
        by_type=by_type,
        by_resolution=table("resolution", Resolution.choices),
        by_risk=table("risk", RiskLevel.choices),
        township_totals=[sum(row[1][i] for row in by_type) for i in range(len(townships))],
        total=len(rows),
        new_in_month=sum(1 for r in rows if first <= r[4] <= last),
        resolved_in_month=sum(1 for r in rows if r[5] is not None and first <= r[5] <= last),
        petitions_in_month=entries_visible_to(user)
        .filter(resolution=Resolution.PETITION, case__received_on__range=(first, last))
        .count(),
    )


# --- 联席研判 -------------------------------------------------------------------------------------------------


def meetings_visible_to(user: User | None) -> QuerySet[JointMeeting]:
    """Meetings convened inside the user's subtrees, or that gave a task to a unit inside them."""
    if not policies.granted_paths(user, Perm.VIEW):
        return JointMeeting.objects.none()
    scope = policies.units_q(user, Perm.VIEW, "unit__path") | policies.units_q(
        user, Perm.VIEW, "decisions__owner_unit__path"
    )
    ids = JointMeeting.objects.filter(scope).values("pk")
    return JointMeeting.objects.filter(pk__in=ids).select_related("unit")


def access_meeting(user: User | None, meeting_id: int) -> JointMeeting:
    meeting = meetings_visible_to(user).filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("未找到该联席研判记录")
    return meeting


def open_decisions_for(user: User | None) -> QuerySet[MeetingDecision]:
    """Tasks still open for units inside the user's subtrees, earliest deadline first."""
    if not policies.granted_paths(user, Perm.VIEW):
        return MeetingDecision.objects.none()
    return MeetingDecision.objects.filter(
        policies.units_q(user, Perm.VIEW, "owner_unit__path"), done_on__isnull=True
    ).select_related("meeting", "owner_unit")


def may_complete_decision(user: User | None, decision: MeetingDecision) -> bool:
    return may_record(user, decision.owner_unit) or may_record(user, decision.meeting.unit)


def meeting_decision(meeting: JointMeeting, decision_id: int) -> MeetingDecision:
    """A decision of a meeting the caller has already opened (``access_meeting``)."""
    decision = (
        MeetingDecision.objects.select_related("meeting__unit", "owner_unit")
        .filter(pk=decision_id, meeting=meeting)
        .first()
    )
    if decision is None:
        raise NotFound("未找到该议定事项")
    return decision


def may_edit_meeting(user: User | None, meeting: JointMeeting) -> bool:
    """The record and its decisions are the convening unit's: whoever may record meetings there may change
    them. An owner unit completes its task but does not move its own deadline."""
    return may_record(user, meeting.unit)


def meeting_links(user: User | None, meeting: JointMeeting) -> tuple[list[Case], list[DisputeEntry]]:
    """The items and entries discussed, limited to those the user may open."""
    cases = list(cases_visible_to(user).filter(pk__in=meeting.cases.values("pk")).order_by("pk"))
    entries = list(entries_visible_to(user).filter(pk__in=meeting.entries.values("pk")).order_by("pk"))
    return cases, entries


# --- 稳评 -----------------------------------------------------------------------------------------------------


def assessments_visible_to(user: User | None) -> QuerySet[StabilityAssessment]:
    if not policies.granted_paths(user, Perm.VIEW):
        return StabilityAssessment.objects.none()
    return StabilityAssessment.objects.filter(policies.units_q(user, Perm.VIEW, "unit__path")).select_related(
        "unit"
    )


def access_assessment(user: User | None, assessment_id: int) -> StabilityAssessment:
    assessment = assessments_visible_to(user).filter(pk=assessment_id).first()
    if assessment is None:
        raise NotFound("未找到该稳评记录")
    return assessment


def assessment_cases(user: User | None, assessment: StabilityAssessment) -> list[tuple[Case, str]]:
    """Linked items the user may open, with the note of each link."""
    notes = dict(assessment.links.values_list("case_id", "note"))
    cases = cases_visible_to(user).filter(pk__in=list(notes)).order_by("received_on", "pk")
    return [(case, notes[case.pk]) for case in cases]


def assessments_for_case(user: User | None, case: Case) -> list[StabilityAssessment]:
    """The decisions an item is linked to, for the item page (the caller has already opened the item)."""
    return list(assessments_visible_to(user).filter(links__case=case).distinct())


# --- the panel on the item page ------------------------------------------------------------------------------


def item_panel(user: User | None, case: Case) -> dict:
    """Context for ``prevention/_item_panel.html``: the 稳评 the item is linked to and the ledger entry it came
    from, each only if the user may open it (the caller has already opened ``case``). Two queries.
    """
    if not may_see_ledger(user) or secrecy.on_accused_side(user, case):
        # The accused side of a 检举控告 must not learn where it came from: the entry names the parties.
        return {}
    links = list(
        AssessmentLink.objects.filter(case=case, assessment__in=assessments_visible_to(user).values("pk"))
        .select_related("assessment__unit")
        .order_by("-assessment__decided_on", "-assessment_id")
    )
    source = entries_visible_to(user).filter(case=case).first()
    return {"prevention_assessment_links": links, "prevention_source_entry": source}
