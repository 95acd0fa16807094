"""The metrics a county is judged by (decisions §7), each defined once: its numerator and denominator as sums of
the facts of ``stats.facts``, and the definition text shown beside every number."""

from __future__ import annotations

from dataclasses import dataclass

Term = tuple[str, str | None]  # (fact metric, subgroup or None for all subgroups)


@dataclass(frozen=True)
class Metric:
    name: str
    numerator: tuple[Term, ...]
    denominator: tuple[Term, ...]
    definition: str
    higher_is_better: bool = True


METRICS: tuple[Metric, ...] = (
    Metric("及时受理率", (("accept_on_time", None),), (("accept_due", None),),
           "受理告知期限届满日在本期内的信访件中，在期限内作出受理或不予受理告知的比例；期限已过仍未告知的计为不及时。"),
    Metric("按期办结率", (("handle_on_time", None),), (("handle_due", None),),
           "办理期限（含批准延长后的期限）届满日在本期内的信访件中，在期限内送达书面处理意见（或达成调解协议）的比例。"),
    Metric("参评率", (("evaluated", "unit"),), (("evaluated", "unit"), ("evaluation_overdue", "unit")),
           "本期内信访人对办理单位作出评价的件数 ÷（评价件数 + 超期未评价件数）。"),
    Metric("满意率", (("satisfied", "unit"),), (("evaluated", "unit"),),
           "本期内对办理单位的评价中，「满意」和「基本满意」所占比例。"),
    Metric("初信初访办结率", (("first_handle_on_time", None),), (("first_handle_due", None),),
           "初次信访（非重件）中，办理期限届满日在本期内、且在期限内送达书面处理意见（或调解结案）的比例。"),
    Metric("息诉罢访", (("settled", None),), (("settle_due", None),),
           "初次信访办结后观察期（默认90天）在本期内届满的信访件中，期间未申请复查、未评价不满意、同一信访人未就同一事项"
           "再次信访的件数（一次性化解）及其比例。"),
    Metric("重复信访率", (("repeat_items", None),), (("items", None),),
           "本期收到的信访件中，确认为重件（同一信访人就同一事项再次信访）的比例。", higher_is_better=False),
    Metric("越级上访率", (("skip_level_visits", None),), (("items", "visit"),),
           "本期来访中越级走访的比例（按件次）。", higher_is_better=False),
    Metric("集体上访率", (("group_visits", None),), (("items", "visit"),),
           "本期来访中5人以上集体访的比例（按件次；按人次见「集体上访率（人次）」）。", higher_is_better=False),
    Metric("集体上访率（人次）", (("group_visit_persons", None),), (("persons", "visit"),),
           "本期来访人次中集体访人次的比例（集体访每一人都计入人次）。", higher_is_better=False),
    Metric("包案化解率", (("owned_resolved", None),), (("owned", None),),
           "本期领导包案的信访件中，包案领导已记录化解结果的比例。"),
    Metric("就地化解率", (("local_resolved", None),), (("concluded", None),),
           "本期办结（送达书面处理意见或调解结案）的信访件中，由问题发生地的村（社区）、乡镇（街道）或县直部门办结，"
           "且未申请复查、之后没有同一事项重复信访的比例。"),
)
BY_NAME = {m.name: m for m in METRICS}

# Volumes (件次, 人次) and their breakdowns.
VOLUME_DEFINITIONS = {
    "件次": "本期收到（按收到日期）的信访件数。",
    "人次": "本期收到的信访件的信访人数之和：集体访的每一人都计入。",
}


def fact_metrics() -> set[str]:
    """Every fact metric a page needs to read."""
    names = {"items", "persons", "items_claim", "first_items", "repeat_items"}
    for m in METRICS:
        names |= {t[0] for t in m.numerator + m.denominator}
    return names


def rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None
