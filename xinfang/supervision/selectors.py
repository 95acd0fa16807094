"""Scoped reads of supervision: the board, its item lists, the 督办 lists, the item panel, the error register.

Scope: a user sees the clocks, 督办 and error entries of the units inside their grants (``policies``), and
items only through ``cases_visible_to``. The board counts by the item's current unit (as kept on each running
clock, ``Clock.unit``, and in the running-clock tally, ``cases.ClockTally``): routing always gives the current
unit access to the item (``workflow``), so every counted item is one the user may open, and the drill-down list
applies ``cases_visible_to`` again. Another unit's user sees none of it (404 or empty).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, QuerySet, Sum

from xinfang.cases.choices import CLOCK_LABELS, PETITIONER_CLOCKS
from xinfang.cases.models import Case, Category, Clock, ClockTally
from xinfang.cases.selectors import cases_visible_to
from xinfang.cases.states import OPEN_STATES
from xinfang.core import clock
from xinfang.core.errors import NotFound
from xinfang.orgs import policies
from xinfang.orgs.models import Unit, User
from xinfang.orgs.permissions import Perm
from xinfang.supervision import ladder
from xinfang.supervision.models import ErrorEntry, Reminder, Supervision

# The petitioner's own windows are not a unit's duty: they are left off the board. The same tuple, in the same
# order, as the condition of the index ``clock_running_unit`` (PostgreSQL matches the two expressions).
PETITIONER_RULES = PETITIONER_CLOCKS
LIST_LIMIT = 500
OPEN = sorted(s.value for s in OPEN_STATES)


def rule_labels() -> dict[str, str]:
    """Chinese names of the clock types: the deadline rules' titles, with the item page's names first."""
    from xinfang.deadlines.models import DeadlineRule

    labels = {code: title for code, title in DeadlineRule.objects.exclude(title="").values_list("code", "title")}
    labels.update(CLOCK_LABELS)
    return labels


def scope_unit_ids(user: User | None) -> list[int]:
    return policies.unit_ids_with(user, Perm.VIEW)


def subtree_ids(unit: Unit) -> list[int]:
    return list(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))


@dataclass
class BoardFilters:
    unit: Unit | None = None
    township: Unit | None = None
    category: Category | None = None
    start_from: dt.date | None = None
    start_to: dt.date | None = None
    level: str = ""
    rule: str = ""

    def query(self, **override) -> str:
        from urllib.parse import urlencode

        values = {
            "unit": self.unit.pk if self.unit else "",
            "township": self.township.pk if self.township else "",
            "category": self.category.pk if self.category else "",
            "from": self.start_from.isoformat() if self.start_from else "",
            "to": self.start_to.isoformat() if self.start_to else "",
            "level": self.level,
            "rule": self.rule,
        }
        values.update(override)
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})

    @property
    def row_query(self) -> str:
        """The filters a board cell's link keeps (the cell adds its own unit, type and level)."""
        return self.query(unit="", level="", rule="")

    @property
    def total_query(self) -> str:
        """The filters a level total's link keeps (it adds its level)."""
        return self.query(level="", rule="")


def running_clocks(user: User | None, filters: BoardFilters) -> QuerySet[Clock]:
    """The running clocks of the items at the user's units, narrowed by the filters (no level yet)."""
    unit_ids = scope_unit_ids(user)
    if not unit_ids:
        return Clock.objects.none()
    # Open items only (those waiting for an organ to act): the same list, in the same order, as the partial
    # index of migration 0002, which PostgreSQL can use only for exactly this condition.
    qs = Clock.objects.filter(ladder.RUNNING, case__status__in=OPEN).exclude(rule_code__in=PETITIONER_RULES)
    if filters.unit is not None:
        if filters.unit.pk not in unit_ids:
            return Clock.objects.none()
        qs = qs.filter(case__current_unit_id=filters.unit.pk)
    else:
        qs = qs.filter(case__current_unit_id__in=unit_ids)
    if filters.township is not None:
        qs = qs.filter(case__problem_place_id__in=subtree_ids(filters.township))
    if filters.category is not None:
        qs = qs.filter(case__category_id__in=_category_ids(filters.category))
    if filters.start_from is not None:
        qs = qs.filter(started_on__gte=filters.start_from)
    if filters.start_to is not None:
        qs = qs.filter(started_on__lte=filters.start_to)
    if filters.rule:
        qs = qs.filter(rule_code=filters.rule)
    return qs


def _category_ids(category: Category) -> list[int]:
    ids, frontier = [category.pk], [category.pk]
    while frontier:
        frontier = list(Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


@dataclass
class BoardRow:
    unit: Unit
    rule: str
    rule_label: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def cells(self) -> list[tuple[str, int, str]]:
        return [(lv.value, self.counts.get(lv.value, 0), ladder.LEVEL_CSS[lv]) for lv in ladder.LEVELS]


@dataclass
class Board:
    rows: list[BoardRow]
    totals: dict[str, int] = field(default_factory=dict)
    today: dt.date | None = None

    @property
    def total(self) -> int:
        return sum(self.totals.values())

    def total_cells(self) -> list[tuple[str, str, int, str]]:
        return [(lv.value, lv.label, self.totals.get(lv.value, 0), ladder.LEVEL_CSS[lv]) for lv in ladder.LEVELS]


def board_counts(user: User | None, filters: BoardFilters, today: dt.date) -> list[tuple[int, str, str, int]]:
    """The board's numbers: (unit id, clock type, level, count) rows.

    Without an item filter (category, township) they come from the running-clock tally (``cases.ClockTally``,
    kept by the state machine): some ten thousand rows by unit, type, start and due date, judged and summed in SQL
    (``ladder.tally_level_expression``) instead of a million clocks. With an item filter the running clocks are
    joined to the open items and judged in SQL (``ladder.level_expression``)."""
    if filters.township is not None or filters.category is not None:
        return _fetch_with_memory(
            running_clocks(user, filters)
            .annotate(level=ladder.level_expression(today))
            .values_list("case__current_unit_id", "rule_code", "level")
            .annotate(n=Count("*"))
            .order_by()
        )
    return [row for row in _tallied(user, filters, today) if row[3]]


def _tallied(user: User | None, filters: BoardFilters, today: dt.date) -> QuerySet:
    unit_ids = scope_unit_ids(user)
    if not unit_ids or (filters.unit is not None and filters.unit.pk not in unit_ids):
        return ClockTally.objects.none()
    qs = ClockTally.objects.filter(unit_id__in=[filters.unit.pk] if filters.unit is not None else unit_ids)
    if filters.start_from is not None:
        qs = qs.filter(started_on__gte=filters.start_from)
    if filters.start_to is not None:
        qs = qs.filter(started_on__lte=filters.start_to)
    if filters.rule:
        qs = qs.filter(rule_code=filters.rule)
    # Keys whose deltas sum to zero add nothing to their level's sum; a level left at zero is dropped above.
    return (qs.annotate(level=ladder.tally_level_expression(today))
            .values_list("unit_id", "rule_code", "level").annotate(total=Sum("n")).order_by())


def board(user: User | None, filters: BoardFilters, today: dt.date | None = None) -> Board:
    """Counts per level × current unit × clock type."""
    today = today or clock.today()
    cells: dict[tuple[int, str], dict[str, int]] = defaultdict(dict)
    totals: dict[str, int] = defaultdict(int)
    for unit_id, rule, level, n in board_counts(user, filters, today):
        cells[(unit_id, rule)][level] = n
        totals[level] += n
    units = Unit.objects.in_bulk({u for u, _ in cells})
    labels = rule_labels()
    rows = [BoardRow(units[u], r, labels.get(r, r), counts) for (u, r), counts in cells.items()]
    rows.sort(key=lambda row: (row.unit.path, row.rule))
    return Board(rows=rows, totals=dict(totals), today=today)


def _fetch_with_memory(qs) -> list:
    """Run the filtered board's grouping (clocks joined to items) with enough sort memory to aggregate in memory.

    With PostgreSQL's default work_mem (4 MB) a county of a few hundred thousand running clocks sorted its
    groups on disk (bench/supervision_board.py: 332 ms → 223 ms at 1,000,000 items). SET LOCAL lasts only for
    this transaction, so no other statement of the request is affected. JIT is off: compiling cost more than
    the statement itself at 1,000,000 items."""
    if connection.vendor != "postgresql":
        return list(qs)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL jit = off")
        # The planner underestimates the running clocks of the scope and sorts them for a group aggregate;
        # hashing the few hundred groups is faster. The statement has no ORDER BY: this changes only how it groups.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        return list(qs)


@dataclass
class ItemRow:
    case: Case
    clock: Clock
    level: str
    level_label: str
    css: str
    days: int  # days left (negative: days overdue)


def board_items(user: User | None, filters: BoardFilters, today: dt.date | None = None) -> tuple[list[ItemRow], bool]:
    """The items behind one board count (at most ``LIST_LIMIT``; the flag says the list was cut)."""
    today = today or clock.today()
    qs = (
        running_clocks(user, filters)
        .filter(case__in=cases_visible_to(user).values("pk"))
        .annotate(level=ladder.level_expression(today))
    )
    if filters.level:
        qs = qs.filter(level=filters.level)
    qs = qs.select_related("case", "case__current_unit").order_by("due_on", "pk")
    found = list(qs[: LIST_LIMIT + 1])
    rows = [
        ItemRow(case=c.case, clock=c, level=c.level, level_label=ladder.level_label(c.level),
                css=ladder.LEVEL_CSS[ladder.Level(c.level)], days=(c.due_on - today).days)
        for c in found[:LIST_LIMIT]
    ]
    return rows, len(found) > LIST_LIMIT


def units_in_scope(user: User | None) -> list[Unit]:
    return list(Unit.objects.filter(pk__in=scope_unit_ids(user)).order_by("path"))


def townships_in_scope(user: User | None) -> list[Unit]:
    """The townships offered by the board's place filter: those whose items the user's counts can include.

    A township's (or village's) user counts only items at their own township; a county-level unit (the bureau,
    a department, the county) handles problems anywhere in its county, so it is offered every township there."""
    from django.db.models import Q

    from xinfang.orgs.models import UnitKind

    counties = dict(Unit.objects.filter(kind=UnitKind.COUNTY).values_list("pk", "path"))
    on_paths: set[int] = set()
    prefixes: set[str] = set()
    for kind, path in Unit.objects.filter(pk__in=scope_unit_ids(user)).values_list("kind", "path"):
        ids = [int(x) for x in path.strip("/").split("/")]
        if kind in (UnitKind.TOWNSHIP, UnitKind.VILLAGE):
            on_paths.update(ids)  # the township on the unit's own path: itself, or a village's township
        else:
            # Every township of the unit's county (its nearest county ancestor; a city: everything below it).
            prefixes.add(next((counties[i] for i in reversed(ids) if i in counties), path))
    wanted = Q(pk__in=sorted(on_paths))
    for prefix in sorted(prefixes):
        wanted |= Q(path__startswith=prefix)
    return list(Unit.objects.filter(wanted, kind=UnitKind.TOWNSHIP, is_active=True).order_by("path"))


# --- 督办 ----------------------------------------------------------------------------------------------------


def _supervisions_for(user: User | None) -> QuerySet[Supervision]:
    unit_ids = set(scope_unit_ids(user)) | set(policies.unit_ids_with(user, Perm.SUPERVISE))
    if not unit_ids:
        return Supervision.objects.none()
    return Supervision.objects.filter(unit_id__in=sorted(unit_ids), case__in=cases_visible_to(user).values("pk"))


def access_supervision(user: User | None, supervision_id: int) -> Supervision:
    sup = _supervisions_for(user).select_related("case", "unit", "issued_by").filter(pk=supervision_id).first()
    if sup is None:
        raise NotFound("未找到该督办")
    return sup


def open_supervisions(user: User | None) -> list[Supervision]:
    """The bureau's list: 督办 not yet closed on units under the user's 督办 grants, oldest answer date first."""
    unit_ids = policies.unit_ids_with(user, Perm.SUPERVISE)
    if not unit_ids:
        return []
    return list(
        _supervisions_for(user).filter(unit_id__in=unit_ids).exclude(state=Supervision.State.CLOSED)
        .select_related("case", "unit", "letter").order_by("answer_due_on", "pk")[:LIST_LIMIT]
    )


def awaiting_reply(user: User | None) -> list[Supervision]:
    """「督办待回复」: open 督办 on units where the user handles items."""
    unit_ids = policies.unit_ids_with(user, Perm.HANDLE)
    if not unit_ids:
        return []
    return list(
        _supervisions_for(user).filter(unit_id__in=unit_ids, state=Supervision.State.OPEN)
        .select_related("case", "unit", "letter").order_by("answer_due_on", "pk")[:LIST_LIMIT]
    )


@dataclass
class PanelEntry:
    supervision: Supervision
    can_answer: bool
    can_close: bool
    can_urge: bool
    overdue: bool


def item_panel(user: User | None, case: Case) -> dict:
    """The supervision panel of the item page (督办, 提醒函, 差错, and each running clock's level).

    ``case`` has already been checked by ``access_case``."""
    today = clock.today()
    may_supervise = policies.can(user, Perm.SUPERVISE, case.current_unit)
    entries = []
    sups = case.supervisions.select_related("unit", "letter", "issued_by").prefetch_related("replies", "urges")
    for sup in sups.order_by("-pk"):
        supervises = policies.can(user, Perm.SUPERVISE, sup.unit)
        if not (supervises or policies.can(user, Perm.VIEW, sup.unit)):
            continue
        entries.append(PanelEntry(
            supervision=sup,
            can_answer=sup.state != Supervision.State.CLOSED and policies.can(user, Perm.HANDLE, sup.unit),
            can_close=supervises and sup.state == Supervision.State.ANSWERED,
            can_urge=supervises and sup.state == Supervision.State.OPEN,
            overdue=sup.state == Supervision.State.OPEN and today > sup.answer_due_on,
        ))
    levels = []
    for c in case.clocks.filter(ladder.RUNNING).exclude(rule_code__in=PETITIONER_RULES).order_by("due_on"):
        lv = ladder.clock_level(c, today, case.hearing_started_on)
        levels.append({"label": c.label, "due_on": c.due_on, "level": lv.label, "css": ladder.LEVEL_CSS[lv]})
    errors = list(case.error_entries.filter(unit_id__in=scope_unit_ids(user)).order_by("pk"))
    reminders = list(Reminder.objects.filter(case=case).select_related("document", "unit").order_by("pk"))
    return {
        "supervision_entries": entries,
        "supervision_levels": levels,
        "supervision_reminders": reminders if (may_supervise or policies.can(user, Perm.VIEW, case.current_unit)) else [],
        "supervision_errors": errors,
        "supervision_can_issue": may_supervise,
        "supervision_level_choices": Supervision.Level.choices,
        "supervision_default_due": today + dt.timedelta(days=10),
    }


# --- 差错登记 ------------------------------------------------------------------------------------------------


def _errors_for(user: User | None) -> QuerySet[ErrorEntry]:
    unit_ids = set(scope_unit_ids(user)) | set(policies.unit_ids_with(user, Perm.SUPERVISE))
    if not unit_ids:
        return ErrorEntry.objects.none()
    return ErrorEntry.objects.filter(unit_id__in=sorted(unit_ids))


def access_error(user: User | None, entry_id: int) -> ErrorEntry:
    entry = _errors_for(user).select_related("unit", "case").filter(pk=entry_id).first()
    if entry is None:
        raise NotFound("未找到该差错登记")
    return entry


def error_list(user: User | None, *, unit: Unit | None = None, month: dt.date | None = None) -> tuple[list, bool]:
    qs = _errors_for(user)
    if unit is not None:
        qs = qs.filter(unit=unit)
    if month is not None:
        nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        qs = qs.filter(occurred_on__gte=month, occurred_on__lt=nxt)
    qs = qs.select_related("unit", "case").prefetch_related("notes__author").order_by("-occurred_on", "-pk")
    rows = list(qs[: LIST_LIMIT + 1])
    visible = set(cases_visible_to(user).filter(pk__in=[e.case_id for e in rows]).values_list("pk", flat=True))
    for e in rows:
        e.may_contest = e.contest == ErrorEntry.Contest.NONE and policies.can(user, Perm.HANDLE, e.unit)
        e.may_decide = e.contest == ErrorEntry.Contest.CONTESTED and policies.can(user, Perm.SUPERVISE, e.unit)
        e.case_visible = e.case_id in visible
    return rows[:LIST_LIMIT], len(rows) > LIST_LIMIT


def error_units(user: User | None) -> list[Unit]:
    ids = set(scope_unit_ids(user)) | set(policies.unit_ids_with(user, Perm.SUPERVISE))
    return list(Unit.objects.filter(pk__in=ids).order_by("path"))

