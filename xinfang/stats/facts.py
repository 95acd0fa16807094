"""What one item contributes to the statistics, worked out from its recorded history alone (decisions §7).

``item_facts(history, as_of)`` is a pure function: the item's registration record (columns fixed at
registration), its events in order (each with the unit that held the item after it, and the clocks it stopped
and started as the state machine logged them), and the later items registered as repeats of it. Nothing is read
from the item's mutable fields, so a later change of a due date or a status cannot rewrite a past figure; a
backdated act counts on its stated date (``effective_on``).

Every fact is (day, metric, subgroup, unit, n); the caller adds the item's place and category.
- Volumes count on the date of receipt, at the unit the item was first routed to (the registering unit if it
  never was): ``items``/``persons`` by channel, ``items_claim`` by claim type, ``repeat_items``, ``first_items``,
  and of visits ``skip_level_visits``/``group_visits`` (+ ``…_persons``).
- A clock counts on its (final) due date at the unit that decided it (or holds it, while it runs):
  ``accept_due``/``accept_on_time`` for the acceptance decision, ``handle_due``/``handle_on_time`` for the
  written reply (``first_…`` for first-time items). A clock replaced by a recomputation (a changed procedure, an
  extension) or ended by handing the duty on (an upheld objection) does not count; its successor does. One still
  running counts in the denominator only, once its due date has passed (``as_of``): undecided then is late.
- Evaluation: ``evaluated``, ``satisfied`` and ``evaluation_overdue``, subgroup ``unit`` (the handling unit) or
  ``bureau`` (the registering 信访部门), on the day of the evaluation or of the overdue mark.
- A conclusion (reply delivered, or a mediation agreement) counts ``concluded`` on its day at the concluding unit,
  and ``local_resolved`` when that unit is where the matter arose (village, township, department, 政法) and no
  复查 was requested and no repeat item followed. A first-time item's ``settle_due`` counts on the day its
  息诉罢访 window ends (conclusion + ``settle_days``), only once that day has come (``as_of``), and ``settled`` with
  it when no 复查 request, no 不满意 and no repeat item came within the window.
- 包案: ``owned`` on the day a leader took the item, ``owned_resolved`` with it once the leader recorded the outcome.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

ACCEPT_RULES = frozenset({"acceptance_notice", "simple_acceptance"})
HANDLE_RULES = frozenset({"handling", "handling_extended", "simple_handling"})
ROUTING_ACTIONS = frozenset({
    "forward", "assign", "forward_down", "assign_down", "route_legal", "route_discipline", "transfer_accused",
})
CONCLUDING_ACTIONS = frozenset({"deliver", "mediate"})
# The acts that decide acceptance (受理, 简易受理, 不予受理告知, 导入法定程序). Any other act that stops an acceptance
# clock hands the duty on (an upheld objection, 转送 to a subordinate unit): that clock counts for no one, and the
# next holder's clock counts. Likewise a handling clock counts only when a conclusion stops it.
ACCEPT_DECISIONS = frozenset({"accept", "accept_simple", "refuse", "redirect"})
REPEAT_ACTIONS = frozenset({"mark_repeat", "not_reaccept"})
REVIEW_REQUESTS = frozenset({"request_review", "request_rereview"})
LOCAL_KINDS = frozenset({"village", "township", "department", "legal"})
SATISFIED = frozenset({"satisfied", "basic"})
VISIT = "visit"

Fact = tuple[dt.date, str, str, int, int]  # day, metric, subgroup, unit id (0: none), n


@dataclass(frozen=True)
class Event:
    id: int
    action: str
    effective_on: dt.date
    unit_id: int | None  # the item's unit after the act
    actor_unit_id: int | None
    data: dict[str, Any]


@dataclass
class History:
    case_id: int
    received_on: dt.date
    channel: str
    people_count: int
    is_group: bool
    is_skip_level: bool
    claim_type: str
    registering_unit_id: int
    events: list[Event] = field(default_factory=list)
    repeats_received: list[dt.date] = field(default_factory=list)  # later items confirmed as repeats of this one


@dataclass
class _Clock:
    due: dt.date
    unit: int


def _day(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def item_facts(h: History, as_of: dt.date, *, settle_days: int, unit_kinds: dict[int, str]) -> Counter:
    """The item's facts as ``Counter({(day, metric, sub, unit): n})`` (zero counts dropped)."""
    out: Counter = Counter()
    unit_now = h.registering_unit_id
    routed_to: int | None = None
    clocks: dict[str, _Clock] = {}
    finished: list[tuple[str, _Clock, bool]] = []
    repeat = False
    review_requested = False
    unsatisfied_on: dt.date | None = None
    conclusion: tuple[dt.date, int] | None = None
    owned: tuple[dt.date, int] | None = None
    resolved = False
    evaluations: list[tuple[dt.date, str, str]] = []  # day, subgroup, value ("" for overdue)
    for e in h.events:
        unit_before = unit_now
        unit_after = e.unit_id or e.actor_unit_id or unit_before
        logged = e.data.get("clocks") or {}
        for stop in logged.get("stopped", ()):
            c = clocks.pop(stop["rule"], None)
            if c is None or stop.get("on_time") is None:  # None: replaced by a recomputation, not decided
                continue
            rule = stop["rule"]
            if (rule in ACCEPT_RULES and e.action in ACCEPT_DECISIONS) or (
                rule in HANDLE_RULES and e.action in CONCLUDING_ACTIONS
            ):
                c.unit = e.actor_unit_id or unit_before  # the unit that decided
                finished.append((rule, c, bool(stop["on_time"])))
        for change in e.data.get("recomputed", ()) if e.action == "calendar_recompute" else ():
            if change["rule"] in clocks:
                clocks[change["rule"]].due = _day(change["to"])
        unit_now = unit_after
        for c in clocks.values():  # running clocks follow the item
            c.unit = unit_now
        for start in logged.get("started", ()):
            clocks[start["rule"]] = _Clock(due=_day(start["due_on"]), unit=unit_now)
        action = e.action
        if action in ROUTING_ACTIONS and routed_to is None:
            routed_to = unit_after
        elif action in REPEAT_ACTIONS or (action in ("register", "register_direct") and e.data.get("earlier_items")):
            repeat = True
        elif action in REVIEW_REQUESTS:
            review_requested = True
        elif action in CONCLUDING_ACTIONS and conclusion is None:
            conclusion = (e.effective_on, unit_before)
        elif action == "evaluate":
            for sub in ("unit", "bureau"):
                value = e.data.get(sub, "")
                evaluations.append((e.effective_on, sub, value))
                if value == "unsatisfied" and unsatisfied_on is None:
                    unsatisfied_on = e.effective_on
        elif action == "evaluation_overdue":
            evaluations.extend((e.effective_on, sub, "") for sub in ("unit", "bureau"))
        elif action == "ownership_take" and owned is None:
            owned = (e.effective_on, unit_after)
        elif action == "ownership_conclude":
            resolved = True

    _volumes(out, h, routed_to or h.registering_unit_id, repeat)
    for rule, c, on_time in finished:
        _clock(out, rule, c, on_time, first=not repeat)
    for rule, c in clocks.items():
        if c.due < as_of:  # undecided past its due date: late; before that it is not yet due, and not counted
            _clock(out, rule, c, False, first=not repeat)
    handler = conclusion[1] if conclusion else (routed_to or h.registering_unit_id)
    for day, sub, value in evaluations:
        unit = handler if sub == "unit" else h.registering_unit_id
        if value:
            out[(day, "evaluated", sub, unit)] += 1
            if value in SATISFIED:
                out[(day, "satisfied", sub, unit)] += 1
        else:
            out[(day, "evaluation_overdue", sub, unit)] += 1
    if conclusion is not None:
        day, unit = conclusion
        out[(day, "concluded", "", unit)] += 1
        if unit_kinds.get(unit) in LOCAL_KINDS and not review_requested and not h.repeats_received:
            out[(day, "local_resolved", "", unit)] += 1
        window_end = day + dt.timedelta(days=settle_days)
        if not repeat and window_end <= as_of:
            out[(window_end, "settle_due", "", unit)] += 1
            relapsed = any(r <= window_end for r in h.repeats_received)
            if not review_requested and unsatisfied_on is None and not relapsed:
                out[(window_end, "settled", "", unit)] += 1
    if owned is not None:
        out[(owned[0], "owned", "", owned[1])] += 1
        if resolved:
            out[(owned[0], "owned_resolved", "", owned[1])] += 1
    return +out


def _volumes(out: Counter, h: History, unit: int, repeat: bool) -> None:
    day, persons = h.received_on, max(1, h.people_count)
    out[(day, "items", h.channel, unit)] += 1
    out[(day, "persons", h.channel, unit)] += persons
    out[(day, "items_claim", h.claim_type, unit)] += 1
    out[(day, "repeat_items" if repeat else "first_items", "", unit)] += 1
    if h.channel == VISIT:
        if h.is_skip_level:
            out[(day, "skip_level_visits", "", unit)] += 1
            out[(day, "skip_level_visit_persons", "", unit)] += persons
        if h.is_group:
            out[(day, "group_visits", "", unit)] += 1
            out[(day, "group_visit_persons", "", unit)] += persons


def _clock(out: Counter, rule: str, c: _Clock, on_time: bool, *, first: bool) -> None:
    if rule in ACCEPT_RULES:
        names = ["accept"]
    elif rule in HANDLE_RULES:
        names = ["handle", "first_handle"] if first else ["handle"]
    else:
        return
    for name in names:
        out[(c.due, f"{name}_due", "", c.unit)] += 1
        if on_time:
            out[(c.due, f"{name}_on_time", "", c.unit)] += 1
