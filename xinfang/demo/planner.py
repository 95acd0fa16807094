"""Plan each demo item before anything is written: its final state, the path to it and the date of every step.

Dates are fixed by simulating the statutory clocks with ``compute_deadline`` (the same computation the workflow
uses), so a plan is only kept if every clock it starts falls in a year whose holiday calendar is loaded, every
step lies on or before today, and steps that must meet a deadline (异议, 延期, 复查/复核申请) meet it.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from xinfang.cases.states import Status
from xinfang.core.errors import XinfangError
from xinfang.deadlines.services import compute_deadline
from xinfang.demo.content import Filled, Topic

DAY = dt.timedelta(days=1)

# How many items of every 400 end in each state. Large shares for the states a county really has most of
# (closed and archived items, items in handling); every state gets at least a few.
STATE_WEIGHTS: dict[str, int] = {
    Status.ROUTING: 14,
    Status.PENDING_SIGN: 12,
    Status.OBJECTION: 5,
    Status.SIGNED: 12,
    Status.LEGAL_ROUTED: 10,
    Status.DISCIPLINE_ROUTED: 10,
    Status.FILED: 12,
    Status.NOT_ACCEPTED: 10,
    Status.NOT_REACCEPTED: 6,
    Status.REDIRECTED: 8,
    Status.SIMPLE_HANDLING: 8,
    Status.HANDLING: 40,
    Status.EXTENDED: 14,
    Status.REPLIED: 12,
    Status.DELIVERED: 22,
    Status.UNDER_REVIEW: 8,
    Status.REVIEW_DELIVERED: 6,
    Status.UNDER_REREVIEW: 5,
    Status.HEARING: 3,
    Status.CONCLUDED: 85,
    Status.ARCHIVED: 98,
}
MIN_ITEMS = 30

# Days between today and the last step of an item left open in that state. Chosen around the length of the
# state's running clock, so the work queue shows a mix of overdue, due-soon and comfortable items.
OPEN_AGES: dict[str, tuple[int, int]] = {
    Status.ROUTING: (0, 22),
    Status.PENDING_SIGN: (0, 18),
    Status.OBJECTION: (0, 10),
    Status.SIGNED: (0, 20),
    Status.SIMPLE_HANDLING: (0, 15),
    Status.HANDLING: (20, 85),
    Status.EXTENDED: (3, 50),
    Status.REPLIED: (0, 14),
    Status.DELIVERED: (1, 27),
    Status.UNDER_REVIEW: (1, 40),
    Status.REVIEW_DELIVERED: (1, 27),
    Status.UNDER_REREVIEW: (1, 35),
    Status.HEARING: (0, 12),
}
# The oldest receipt date, in days before today (early January when today is late November).
HISTORY_DAYS = 325


@dataclass
class Step:
    kind: str
    on: dt.date
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    index: int
    target: str
    kinds: list[str]
    topic_kind: str  # general / legal / accusation / consult
    group: bool = False
    simple: bool = False
    steps: list[Step] = field(default_factory=list)
    concluded_on: dt.date | None = None
    # Filled in by the content phase.
    topic: Topic | None = None
    filled: Filled | None = None
    place: Any = None
    handler_unit: Any = None
    wrong_unit: Any = None
    accused_unit: Any = None
    repeat_of: Plan | None = None
    petitioners: list[Any] = field(default_factory=list)
    people_count: int = 1
    channel: str = "letter"
    is_confidential: bool = False
    is_skip_level: bool = False
    # Filled in while running.
    case_pk: int | None = None
    case: Any = None
    failure: str = ""

    @property
    def received_on(self) -> dt.date:
        return self.steps[0].on

    @property
    def direct(self) -> bool:
        return self.kinds[0] == "register_direct"


def allocate(n: int, rng: random.Random) -> list[str]:
    """The target state of each of ``n`` items, every state at least a few times, in random order."""
    total = sum(STATE_WEIGHTS.values())
    floor = max(1, min(3, n // 40))
    counts = {s: max(floor, round(n * w / total)) for s, w in STATE_WEIGHTS.items()}
    # Absorb rounding in the big states so the small ones keep their minimum.
    order = sorted(STATE_WEIGHTS, key=lambda s: -STATE_WEIGHTS[s])
    i = 0
    while sum(counts.values()) != n:
        s = order[i % 3]
        if sum(counts.values()) > n:
            if counts[s] > floor:
                counts[s] -= 1
        else:
            counts[s] += 1
        i += 1
    targets = [s for s, c in counts.items() for _ in range(c)]
    rng.shuffle(targets)
    return targets


# --- the path to each state -------------------------------------------------------------------------------


def _pick(rng: random.Random, options: list[tuple[Any, float]]) -> Any:
    total = sum(w for _, w in options)
    x = rng.random() * total
    for value, w in options:
        x -= w
        if x < 0:
            return value
    return options[-1][0]


_PREFIXES = {
    "std": ["register", "forward", "sign"],
    "assign": ["register", "assign", "sign"],
    "direct": ["register_direct"],
    "reject": ["register", "forward", "object", "reject_objection"],
    "reforward": ["register", "forward_wrong", "object", "approve_objection", "forward", "sign"],
}


def _prefix(rng: random.Random, *, assign: bool = True, simple: bool = False) -> list[str]:
    """From registration to 已签收待受理 at the competent organ.

    The simplified procedure must be chosen within 3 working days of receipt, so it never follows a 交办
    (excluded by the service) or a rejected objection (the objection alone takes that long).
    """
    key = _pick(
        rng,
        [
            ("std", 60),
            ("assign", 15 if assign and not simple else 0),
            ("direct", 12),
            ("reject", 0 if simple else 5),
            ("reforward", 8),
        ],
    )
    return list(_PREFIXES[key])


def _handling(rng: random.Random, *, simple: bool) -> list[str]:
    """From acceptance to the written reply (处理意见书)."""
    if simple:
        return _pick(rng, [(["accept_simple", "reply"], 75), (["accept_simple", "convert", "reply"], 25)])
    return _pick(rng, [(["accept", "reply"], 70), (["accept", "extend", "reply"], 30)])


def _to_reply(rng: random.Random, flags: dict[str, bool]) -> list[str]:
    simple = not flags["group"] and rng.random() < 0.18
    prefix = _prefix(rng, simple=simple)
    flags["simple"] = simple
    return prefix + _handling(rng, simple=simple)


def _concluded(rng: random.Random, flags: dict[str, bool]) -> list[str]:
    variant = _pick(rng, [("lapse", 45), ("mediate", 20), ("rereview", 13), ("review_lapse", 14), ("redo", 8)])
    if variant == "mediate":
        simple = not flags["group"] and rng.random() < 0.15
        flags["simple"] = simple
        if simple:
            return _prefix(rng, simple=True) + ["accept_simple", "mediate"]
        middle = ["accept", "extend"] if rng.random() < 0.3 else ["accept"]
        return _prefix(rng) + middle + ["mediate"]
    path = _to_reply(rng, flags) + ["deliver"]
    if variant == "lapse":
        return path + ["lapse"]
    if variant == "review_lapse":
        return path + ["request_review", "review_decide", "lapse"]
    if variant == "redo":
        return path + ["request_review", "review_redo", "reply", "deliver", "lapse"]
    hearing = ["start_hearing", "end_hearing"] if rng.random() < 0.4 else []
    return path + ["request_review", "review_decide", "request_rereview", *hearing, "rereview_decide"]


def scenario(target: str, rng: random.Random) -> tuple[list[str], str, bool, bool]:
    """(step kinds, topic kind, group visit, simple procedure) for an item that should end in ``target``."""
    group_candidate = rng.random() < 0.1
    flags = {"group": group_candidate, "simple": False}
    kind = "general"
    S = Status
    if target == S.ROUTING:
        kinds = ["register"] if rng.random() < 0.85 else ["register", "forward_wrong", "object", "approve_objection"]
    elif target == S.PENDING_SIGN:
        kinds = ["register", rng.choice(["forward", "forward", "assign"])]
    elif target == S.OBJECTION:
        kinds = ["register", "forward_wrong", "object"]
    elif target == S.SIGNED:
        kinds = _prefix(rng)
    elif target == S.LEGAL_ROUTED:
        kinds, kind = ["register", "route_legal"], "legal"
    elif target == S.DISCIPLINE_ROUTED:
        kinds, kind = ["register", "route_discipline"], "accusation"
    elif target == S.FILED:
        kinds, kind = ["register", "file"], "consult"
    elif target == S.NOT_ACCEPTED:
        kinds = ["register", "decline"] if rng.random() < 0.6 else _prefix(rng, assign=False) + ["refuse"]
    elif target == S.NOT_REACCEPTED:
        kinds = ["register", "not_reaccept"]
        flags["group"] = False
    elif target == S.REDIRECTED:
        kinds = _prefix(rng) + ["redirect"]
    elif target == S.SIMPLE_HANDLING:
        flags.update(group=False, simple=True)
        kinds = _prefix(rng, simple=True) + ["accept_simple"]
    elif target == S.HANDLING:
        variant = _pick(rng, [("accept", 65), ("convert", 10), ("review_redo", 17), ("rereview_redo", 8)])
        if variant == "accept":
            kinds = _prefix(rng) + ["accept"]
        elif variant == "convert":
            flags.update(group=False, simple=True)
            kinds = _prefix(rng, simple=True) + ["accept_simple", "convert"]
        elif variant == "review_redo":
            kinds = _to_reply(rng, flags) + ["deliver", "request_review", "review_redo"]
        else:
            kinds = _to_reply(rng, flags) + [
                "deliver", "request_review", "review_decide", "request_rereview", "rereview_redo",
            ]
    elif target == S.EXTENDED:
        kinds = _prefix(rng) + ["accept", "extend"]
    elif target == S.REPLIED:
        kinds = _to_reply(rng, flags)
    elif target == S.DELIVERED:
        kinds = _to_reply(rng, flags) + ["deliver"]
    elif target == S.UNDER_REVIEW:
        kinds = _to_reply(rng, flags) + ["deliver", "request_review"]
    elif target == S.REVIEW_DELIVERED:
        kinds = _to_reply(rng, flags) + ["deliver", "request_review", "review_decide"]
    elif target == S.UNDER_REREVIEW:
        hearing = ["start_hearing", "end_hearing"] if rng.random() < 0.35 else []
        kinds = _to_reply(rng, flags) + ["deliver", "request_review", "review_decide", "request_rereview", *hearing]
    elif target == S.HEARING:
        kinds = _to_reply(rng, flags) + ["deliver", "request_review", "review_decide", "request_rereview", "start_hearing"]
    elif target == S.CONCLUDED:
        kinds = _concluded(rng, flags)
    elif target == S.ARCHIVED:
        variant = _pick(
            rng,
            [("concluded", 72), ("file", 8), ("decline", 6), ("legal", 5), ("discipline", 5), ("redirect", 4)],
        )
        if variant == "concluded":
            kinds = _concluded(rng, flags)
        elif variant == "file":
            kinds, kind = ["register", "file"], "consult"
        elif variant == "decline":
            kinds = ["register", "decline"]
        elif variant == "legal":
            kinds, kind = ["register", "route_legal"], "legal"
        elif variant == "discipline":
            kinds, kind = ["register", "route_discipline"], "accusation"
        else:
            kinds = _prefix(rng) + ["redirect"]
        kinds = kinds + ["archive"]
    else:  # pragma: no cover - every Status is listed above
        raise ValueError(target)
    group = flags["group"] and kind == "general" and not flags["simple"]
    return kinds, kind, group, flags["simple"]


# --- dates ------------------------------------------------------------------------------------------------


class _Invalid(Exception):
    """The simulated path breaks a constraint; try other dates."""


@dataclass
class _Sim:
    steps: list[Step]
    concluded_on: dt.date | None
    window_due: dt.date | None  # the running 复查/复核 request window at the end, if any


def _simulate(kinds: list[str], received: dt.date, seed: float, today: dt.date, evaluate: bool) -> _Sim:
    rng = random.Random(seed)

    def gap(lo: int, hi: int) -> dt.timedelta:
        if hi < lo:
            raise _Invalid
        return dt.timedelta(days=rng.randint(lo, hi))

    def due(rule: str, start: dt.date, extra: int = 0) -> dt.date:
        try:
            return compute_deadline(rule, start, extra_days=extra, rule_date=received).due
        except XinfangError as exc:  # a year without calendar data, most likely
            raise _Invalid from exc

    steps: list[Step] = []
    d = received
    prev = ""
    accepted = objection_due = handling_due = window = rereview_from = hearing_from = None
    hearing_days = 0
    concluded: dt.date | None = None
    routed = received  # the organ's receipt date, from which the simplified procedure's 3 days run
    for i, kind in enumerate(kinds):
        params: dict[str, Any] = {}
        next_kind = kinds[i + 1] if i + 1 < len(kinds) else ""
        if kind == "register":
            due("bureau_routing", d)
        elif kind == "register_direct":
            due("acceptance_notice", d)
        elif kind in ("forward", "assign", "forward_wrong"):
            # A few items are routed after the 15-day limit, as happens in real offices.
            d += gap(14, 17) if rng.random() < 0.07 else gap(1, 8)
            routed = d
            objection_due = due("objection", d)
            due("acceptance_notice", d)
            if kind == "assign":
                # The 交办 limit is a date set by the bureau, not a computed clock; keep it inside the year too.
                params["assign_due_on"] = d + gap(20, min(45, (dt.date(d.year, 12, 31) - d).days))
        elif kind == "object":
            assert objection_due is not None
            d += gap(1, min(4, (objection_due - d).days))
        elif kind in ("approve_objection", "reject_objection"):
            d += gap(1, 3)
            if kind == "approve_objection":
                due("bureau_routing", d)
        elif kind == "sign":
            d += gap(1, 1) if next_kind == "accept_simple" else gap(1, 4)
        elif kind in ("accept", "accept_simple"):
            if kind == "accept":
                d += gap(1, 8)
            else:
                d += gap(1, min(3, (due("simple_acceptance", routed) - d).days))
            accepted = d
            handling_due = due("handling" if kind == "accept" else "simple_handling", d)
        elif kind == "convert":
            assert accepted is not None
            d += gap(2, 6)
            handling_due = due("handling", accepted)
        elif kind == "extend":
            assert accepted is not None and handling_due is not None
            # Approved before the 60 days run out (the service refuses later extensions).
            d = accepted + gap(35, min(57, (handling_due - accepted).days))
            params["days"] = rng.randint(10, 30)
            handling_due = due("handling_extended", accepted, params["days"])
        elif kind == "reply":
            lo, hi = {"accept": (15, 55), "extend": (5, 25), "accept_simple": (3, 9), "convert": (10, 35)}.get(
                prev, (15, 45)
            )
            d += gap(lo, hi)
        elif kind == "mediate":
            lo, hi = {"extend": (5, 20), "accept_simple": (3, 8)}.get(prev, (10, 45))
            d += gap(lo, hi)
            concluded = d
        elif kind == "deliver":
            d += gap(1, 5)
            window = due("review_request", d)
            evaluation_due = due("evaluation", d)
            steps.append(Step(kind, d, params))
            prev = kind
            # Most petitioners evaluate within days of the first reply (dated then, inside its window; a later
            # reply opens no new evaluation); the rest are marked 超期未评价 by the daily job.
            first_reply = not any(step.kind == "deliver" for step in steps[:-1])
            if evaluate and first_reply and d < today and rng.random() < 0.7:
                steps.append(Step("evaluate", min(today, d + gap(1, 10), evaluation_due)))
            continue
        elif kind == "request_review":
            assert window is not None
            d += gap(3, min(27, (window - d).days))
            due("review", d)
            window = None
        elif kind in ("review_decide", "review_redo"):
            d += gap(10, 28)
            if kind == "review_decide":
                params["outcome"] = "uphold" if rng.random() < 0.75 else "revoke"
                window = due("rereview_request", d)
            else:
                accepted = d
                handling_due = due("handling", d)
        elif kind == "request_rereview":
            assert window is not None
            d += gap(3, min(27, (window - d).days))
            rereview_from = d
            due("rereview", d)
            window = None
        elif kind == "start_hearing":
            d += gap(3, 10)
            hearing_from = d
        elif kind == "end_hearing":
            assert hearing_from is not None and rereview_from is not None
            d += gap(1, 4)
            hearing_days += (d - hearing_from).days + 1
            due("rereview", rereview_from, hearing_days)
        elif kind in ("rereview_decide", "rereview_redo"):
            d += gap(5, 25)
            if kind == "rereview_decide":
                params["outcome"] = "uphold" if rng.random() < 0.8 else "revoke"
                concluded = d
            else:
                accepted = d
                handling_due = due("handling", d)
        elif kind == "lapse":
            # The daily job concludes the item on the first day after the request window.
            assert window is not None
            d = window + DAY
            window = None
            concluded = d
        elif kind == "archive":
            d += gap(3, 40)
        elif kind in ("route_legal", "route_discipline", "file", "decline", "not_reaccept"):
            d += gap(1, 7)
        elif kind in ("refuse", "redirect"):
            d += gap(1, 5)
        else:  # pragma: no cover
            raise ValueError(kind)
        steps.append(Step(kind, d, params))
        prev = kind
    if any(s.on > today for s in steps):
        raise _Invalid
    return _Sim(steps=steps, concluded_on=concluded, window_due=window)


def schedule(plan: Plan, rng: random.Random, today: dt.date, *, received_range: tuple[dt.date, dt.date] | None = None) -> bool:
    """Give ``plan`` dates. Returns False if no valid dating was found (the item is then skipped)."""
    earliest = today - dt.timedelta(days=HISTORY_DAYS)
    for _attempt in range(80):
        seed = rng.random()
        evaluate = rng.random() < 0.9
        try:
            if received_range is not None:
                lo, hi = received_range
                if hi < lo:
                    return False
                received = lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))
            else:
                # Simulate once from the earliest date to learn the span, then place the last step at the
                # wanted distance from today and simulate again with the same draws.
                probe = _simulate(plan.kinds, earliest, seed, today, evaluate)
                span = (probe.steps[-1].on - earliest).days
                lo_age, hi_age = OPEN_AGES.get(plan.target, (0, (today - earliest).days - span))
                if hi_age < lo_age:
                    continue
                received = today - dt.timedelta(days=rng.randint(lo_age, hi_age) + span)
                if received < earliest:
                    continue
            sim = _simulate(plan.kinds, received, seed, today, evaluate)
        except _Invalid:
            continue
        # An item left waiting for a 复查/复核 request must still be inside its window today, or the daily
        # job would conclude it.
        if plan.target in (Status.DELIVERED, Status.REVIEW_DELIVERED) and (
            sim.window_due is None or sim.window_due < today
        ):
            continue
        plan.steps, plan.concluded_on = sim.steps, sim.concluded_on
        return True
    return False
