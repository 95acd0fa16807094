"""Drive an item to any state through the real services, with explicit dates (2026, see test_normal_path)."""

from __future__ import annotations

import datetime as dt

from xinfang.cases import services as s
from xinfang.cases.states import Status

D = dt.date


def opinion() -> s.OpinionInput:
    return s.OpinionInput(
        request_summary="请求督促支付拖欠工资3万元",
        facts="经调查，施工单位确欠陈大明工资3万元",
        opinion="责令施工单位于30日内足额支付",
        legal_basis="《保障农民工工资支付条例》第三条",
    )


def items() -> list[s.RequestOutcome]:
    return [s.RequestOutcome(request="支付拖欠工资3万元", outcome="support")]


# Each step: (state reached, function(case, county) performing the step).
def _steps():
    return [
        (Status.PENDING_SIGN, lambda c, u: s.case_forward(case=c, actor=u.zhang, target=u.town, on=D(2026, 9, 2))),
        (Status.SIGNED, lambda c, u: s.case_sign(case=c, actor=u.li, on=D(2026, 9, 3))),
        (Status.HANDLING, lambda c, u: s.case_accept(case=c, actor=u.li, on=D(2026, 9, 4))),
        (Status.EXTENDED, lambda c, u: s.case_extend(case=c, actor=u.li_head, days=30, reason="需补充调查", on=D(2026, 10, 10))),
        (Status.REPLIED, lambda c, u: s.case_reply(case=c, actor=u.li, doc=opinion(), items=items(), on=D(2026, 10, 20))),
        (Status.DELIVERED, lambda c, u: s.case_deliver(method="post", case=c, actor=u.li, delivered_on=D(2026, 10, 22))),
        (
            Status.UNDER_REVIEW,
            lambda c, u: s.case_request_review(case=c, actor=u.county_head, received_on=D(2026, 10, 30), reason="对处理意见不服").case,
        ),
        (
            Status.REVIEW_DELIVERED,
            lambda c, u: s.case_review_decide(method="post", case=c, actor=u.county_head, outcome="uphold", doc=opinion(), delivered_on=D(2026, 11, 10)),
        ),
        (
            Status.UNDER_REREVIEW,
            lambda c, u: s.case_request_rereview(case=c, actor=u.city_head, received_on=D(2026, 11, 12), reason="仍不服").case,
        ),
        (Status.HEARING, lambda c, u: s.case_start_hearing(case=c, actor=u.city_head, on=D(2026, 11, 16))),
        (Status.UNDER_REREVIEW, lambda c, u: s.case_end_hearing(case=c, actor=u.city_head, on=D(2026, 11, 18))),
        (
            Status.CONCLUDED,
            lambda c, u: s.case_rereview_decide(method="post", case=c, actor=u.city_head, outcome="uphold", doc=opinion(), delivered_on=D(2026, 11, 20)),
        ),
        (Status.ARCHIVED, lambda c, u: s.case_archive(case=c, actor=u.zhang, on=D(2026, 11, 21))),
    ]


def drive(petition, county, target: str):
    """Register an item and move it along the normal path until it reaches ``target``."""
    if target not in {state for state, _ in _steps()} | {Status.ROUTING}:
        return _side(petition, county, target)
    case = petition()
    if case.status == target:
        return case
    for state, step in _steps():
        case = step(case, county)
        assert case.status == state
        if state == target:
            return case
    raise AssertionError(target)


def _side(petition, county, target: str):
    side = {
        Status.OBJECTION: lambda: s.case_object(case=_at(petition, county, Status.PENDING_SIGN), actor=county.li,
                                                reason="该事项属县住建局职责，不属本镇", on=D(2026, 9, 3)),
        Status.LEGAL_ROUTED: lambda: s.case_route_special(case=petition(), actor=county.zhang, target=county.police, on=D(2026, 9, 2)),
        Status.DISCIPLINE_ROUTED: lambda: s.case_route_special(
            case=petition(claim_type="accusation", purpose="expose", accused_unit=county.village), actor=county.zhang,
            target=county.discipline,
            on=D(2026, 9, 2),
        ),
        Status.FILED: lambda: s.case_file(case=petition(), actor=county.zhang, reason="咨询类，已当场答复", on=D(2026, 9, 2)),
        Status.NOT_ACCEPTED: lambda: s.case_decline(case=petition(), actor=county.zhang, ground="已进入诉讼程序", on=D(2026, 9, 2)),
        Status.REDIRECTED: lambda: s.case_redirect(case=_at(petition, county, Status.SIGNED), actor=county.li, procedure="行政复议", on=D(2026, 9, 4)),
        Status.SIMPLE_HANDLING: lambda: s.case_accept(case=_at(petition, county, Status.SIGNED), actor=county.li, simple=True, on=D(2026, 9, 4)),
    }
    if target == Status.NOT_REACCEPTED:
        earlier = drive(petition, county, Status.CONCLUDED)
        return s.case_not_reaccept(case=petition(), actor=county.zhang, earlier=earlier, reason="与前次事实理由相同", on=D(2026, 11, 22))
    return side[target]()


def _at(petition, county, state):
    return drive(petition, county, state)


def accusation(petition, county, **overrides):
    """A 检举控告 against 东街镇 registered at the bureau through the real service (``overrides`` win)."""
    data = dict(
        claim_type="accusation",
        purpose="expose",
        title="举报东街镇干部违规发放低保",
        content="东街镇民政干部把低保名额给了亲属，本人多次申请未获批准。",
        accused_unit=county.town,
        accused_person="某民政干部",
    )
    data.update(overrides)
    return petition(**data)
