"""What a petitioner may read about their own item, found with its query code and the last four digits of
their phone number: public stage names and dates, the documents addressed to them, and the running deadlines
in plain words. Never internal notes, staff names, other people's data or anything of the accused unit's
side; for a 检举控告 only generic stages and no unit names (《信访工作条例》第三十条).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from xinfang.cases.models import Case
from xinfang.cases.states import Status
from xinfang.core import clock as clock_module
from xinfang.documents.models import IssuedDocument
from xinfang.documents.selectors import NOT_TO_PETITIONER

# The query code alphabet has no look-alikes; people still type 0/O, 1/I and spaces or dashes.
_TYPED = str.maketrans({"O": "0", "I": "1", "L": "1"})
CODE_PATTERN = re.compile(r"[A-Z0-9]{10,12}")


def normalize_code(raw: str) -> str:
    return re.sub(r"[\s\-]", "", (raw or "")).upper()


def find_case(code: str, phone_last4: str) -> Case | None:
    """The item with this query code whose petitioner's phone ends in ``phone_last4``; None otherwise (the
    caller answers a wrong code and a wrong phone alike)."""
    code = normalize_code(code)
    if not CODE_PATTERN.fullmatch(code) or not re.fullmatch(r"\d{4}", phone_last4 or ""):
        return None
    case = Case.objects.filter(query_code__in={code, code.translate(_TYPED)}).first()
    if case is None or not case.petitioners.filter(phone__endswith=phone_last4).exists():
        return None
    return case


# Public names of the stages, by the status an act led to. Several internal states read the same to the
# petitioner; what is not listed here is not shown.
PUBLIC_STAGES = {
    Status.ROUTING: "已登记，信访部门正在分流",
    Status.PENDING_SIGN: "已转送有权处理机关",
    Status.SIGNED: "有权处理机关已签收",
    Status.OBJECTION: "正在确定有权处理机关",
    Status.HANDLING: "已受理，正在办理",
    Status.SIMPLE_HANDLING: "已受理（简易办理），正在办理",
    Status.EXTENDED: "办理期限已依法延长",
    Status.REPLIED: "已出具处理意见书，待送达",
    Status.DELIVERED: "处理意见书已送达",
    Status.NOT_ACCEPTED: "不予受理，已书面告知",
    Status.NOT_REACCEPTED: "不再受理，已书面告知",
    Status.REDIRECTED: "已告知通过法定途径解决",
    Status.LEGAL_ROUTED: "已转政法部门依法处理",
    Status.DISCIPLINE_ROUTED: "已转纪检监察机关依规依纪依法处理",
    Status.UNDER_REVIEW: "复查申请已受理，正在复查",
    Status.REVIEW_DELIVERED: "复查意见书已送达",
    Status.UNDER_REREVIEW: "复核申请已受理，正在复核",
    Status.HEARING: "复核听证中",
    Status.CONCLUDED: "已办结",
    Status.FILED: "已办结",
    Status.ARCHIVED: "已归档",
}
# For a 检举控告 the petitioner sees that their matter moves, not where.
ACCUSATION_STAGES = {
    Status.ROUTING: "已登记",
    Status.HANDLING: "已受理，正在办理",
    Status.DISCIPLINE_ROUTED: "已转有关机关依规依纪依法处理",
    Status.DELIVERED: "处理意见书已送达",
    Status.CONCLUDED: "已办结",
    Status.ARCHIVED: "已归档",
}


@dataclass
class Stage:
    on: dt.date
    label: str


def public_stages(case: Case) -> list[Stage]:
    names = ACCUSATION_STAGES if case.is_accusation else PUBLIC_STAGES
    stages: list[Stage] = [Stage(case.received_on, "已收到您的信访事项")]
    events = case.events.exclude(to_status="").order_by("effective_on", "pk").values_list(
        "effective_on", "from_status", "to_status"
    )
    for on, before, after in events:
        label = names.get(after)
        if label is None or before == after or (stages and stages[-1].label == label):
            continue
        stages.append(Stage(on, label))
    return stages


def _cn(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# Windows that are the petitioner's to use, not an organ's duty.
PETITIONER_WINDOWS = frozenset({"review_request", "rereview_request", "evaluation"})

# Running deadlines in plain words; ``{unit}`` is the organ that owes the act (omitted for a 检举控告).
DEADLINE_WORDS = {
    "acceptance_notice": "{unit}应在{due}前书面告知您是否受理",
    "simple_acceptance": "{unit}应在{due}前书面告知您是否受理",
    "handling": "{unit}应在{due}前办结并书面答复您",
    "handling_extended": "{unit}应在{due}前办结并书面答复您（已依法延期）",
    "simple_handling": "{unit}应在{due}前办结并答复您",
    "review": "复查机关应在{due}前作出复查意见",
    "rereview": "复核机关应在{due}前作出复核意见",
    "review_request": "您如不服处理意见，可以在{due}前书面申请复查",
    "rereview_request": "您如不服复查意见，可以在{due}前书面申请复核",
    "evaluation": "您可以在{due}前对办理结果作出评价",
}


def plain_deadlines(case: Case) -> list[str]:
    unit = "承办机关" if case.is_accusation or case.current_unit is None else case.current_unit.name
    lines = []
    today = clock_module.today()
    for clock in case.clocks.filter(stopped_on__isnull=True, superseded=False).order_by("due_on", "pk"):
        words = DEADLINE_WORDS.get(clock.rule_code)
        if words is None:
            continue
        # The petitioner's own window that has ended is no longer an offer (the daily job closes it; until
        # it has run, the page must not promise a day that is gone).
        if clock.rule_code in PETITIONER_WINDOWS and clock.due_on < today:
            continue
        due = _cn(clock.due_on) + ("（暂定，以国家公布的放假安排为准）" if clock.provisional else "")
        lines.append(words.format(unit=unit, due=due) + "。")
    return lines


def petitioner_documents(case: Case) -> list[IssuedDocument]:
    """The latest version of every document addressed to the petitioner (no letters between organs, no
    receipts)."""
    return list(
        IssuedDocument.objects.filter(case=case, superseded_by__isnull=True)
        .exclude(kind__in=NOT_TO_PETITIONER)
        .order_by("issued_on", "pk")
    )


def evaluation_open(case: Case) -> bool:
    """Whether the petitioner may evaluate now: the evaluation window runs (decisions §6)."""
    return case.clocks.filter(
        rule_code="evaluation", stopped_on__isnull=True, superseded=False, due_on__gte=clock_module.today()
    ).exists()


# The periods a petitioner meets, in the order they meet them (public guide page).
GUIDE_RULES = ("bureau_routing", "acceptance_notice", "handling", "review_request", "review", "rereview_request",
               "rereview", "evaluation")


@dataclass
class GuideRule:
    title: str
    period: str
    start_event: str
    legal_basis: str
    description: str


def public_rules(on: dt.date) -> list[GuideRule]:
    """The statutory periods in force on ``on``, read from the deadline engine's own rules (so the guide and
    every computed date agree)."""
    from xinfang.deadlines.calendar import PERIOD_UNIT_LABELS
    from xinfang.deadlines.services import get_rule, rule_codes

    known = set(rule_codes())
    rules = []
    for code in GUIDE_RULES:
        if code not in known:
            continue
        spec = get_rule(code, on)
        period = f"{spec.days}{PERIOD_UNIT_LABELS[spec.unit]}"
        if spec.max_extra_days:
            period += f"（依法可延长，最多{spec.max_extra_days}日）"
        rules.append(GuideRule(spec.title or code, period, spec.start_event, spec.legal_basis, spec.description))
    return rules
