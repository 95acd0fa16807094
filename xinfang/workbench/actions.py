"""The actions a user can start from an item's page: which transitions each one covers, its form, and the
one service it calls. The view stays a loop over this table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from xinfang.cases import services as s
from xinfang.cases.models import Case
from xinfang.cases.selectors import cases_visible_to
from xinfang.core.errors import ValidationFailed
from xinfang.workbench import forms_actions as f


@dataclass(frozen=True)
class UiAction:
    code: str
    label: str
    transitions: frozenset[str]
    form: type
    run: Callable[[Case, Any, dict[str, Any], list[s.RequestOutcome] | None], Any]
    done: str = ""  # success message; a run that returns a string overrides it
    danger: bool = False
    help: str = ""


def _forward(case, user, d, _):
    s.case_forward(
        case=case, actor=user, target=d["target"], on=d["on"], note=d.get("note", ""),
        assign_due_on=d["assign_due_on"] if d.get("assign") else None,
    )
    return f"已{'交办' if d.get('assign') else '转送'}至{d['target'].name}"


def _route_special(case, user, d, _):
    s.case_route_special(case=case, actor=user, target=d["target"], note=d.get("note", ""), on=d["on"])
    return f"已转至{d['target'].name}"


def _not_reaccept(case, user, d, _):
    earlier = cases_visible_to(user).filter(number=d["earlier_number"].strip()).first()
    if earlier is None:
        raise ValidationFailed(f"未找到编号为 {d['earlier_number']} 的信访件（或您无权查看）")
    s.case_not_reaccept(case=case, actor=user, earlier=earlier, reason=d["reason"], on=d["on"])
    return "已作出不再受理决定"


def _doc(d) -> s.OpinionInput:
    return s.OpinionInput(
        request_summary=d["request_summary"], facts=d["facts"], opinion=d["opinion"], legal_basis=d["legal_basis"],
    )


def _request(review: bool):
    def run(case, user, d, _):
        fn = s.case_request_review if review else s.case_request_rereview
        result = fn(case=case, actor=user, received_on=d["on"], reason=d["reason"])
        if not result.accepted:
            raise _Refused(result.reason)
        return f"已受理{'复查' if review else '复核'}申请"

    return run


class _Refused(Exception):
    """A request that was recorded and refused (for example a late 复查 request): shown as a warning."""


def _decide(review: bool):
    def run(case, user, d, _):
        fn = s.case_review_decide if review else s.case_rereview_decide
        fn(case=case, actor=user, outcome=d["outcome"], doc=_doc(d), delivered_on=d["on"], method=d["method"],
           signer=d.get("signer", ""))
        return "已记录结论并送达意见书"

    return run


UI_ACTIONS: list[UiAction] = [
    UiAction("forward", "转送 / 交办", frozenset({"forward", "assign", "forward_down", "assign_down"}), f.ForwardForm,
             _forward),
    UiAction("route_special", "转政法部门 / 纪检监察机关", frozenset({"route_legal", "route_discipline"}),
             f.RouteSpecialForm, _route_special),
    UiAction("report_major", "报请党委政府（重大紧急）", frozenset({"report_major"}), f.NoteForm,
             lambda c, u, d, _: s.case_report_major(case=c, actor=u, note=d["note"], on=d["on"]),
             done="已记录报请"),
    UiAction("file", "直接答复 / 存档", frozenset({"file"}), f.ReasonForm,
             lambda c, u, d, _: s.case_file(case=c, actor=u, reason=d["reason"], on=d["on"]),
             done="已直接答复/存档"),
    UiAction("decline", "不予受理", frozenset({"decline", "refuse"}), f.DeclineForm,
             lambda c, u, d, _: s.case_decline(case=c, actor=u, ground=d["reason"], on=d["on"], route=d["route"],
                                              organ=d.get("organ", "")),
             done="已作出不予受理决定，并出具不予受理告知书",
             danger=True, help="须写明理由和依据，并书面告知信访人"),
    UiAction("not_reaccept", "不再受理", frozenset({"not_reaccept"}), f.NotReacceptForm, _not_reaccept, danger=True),
    UiAction("sign", "签收", frozenset({"sign"}), f.DateOnlyForm,
             lambda c, u, d, _: s.case_sign(case=c, actor=u, on=d["on"]),
             done="已签收"),
    UiAction("object", "提出异议（退回信访部门）", frozenset({"object"}), f.ReasonForm,
             lambda c, u, d, _: s.case_object(case=c, actor=u, reason=d["reason"], on=d["on"]),
             done="已提出异议",
             help="收到之日起5个工作日内，须详细说明不属本单位职责的理由"),
    UiAction("decide_objection", "核查异议", frozenset({"approve_objection", "reject_objection"}),
             f.ObjectionDecisionForm,
             lambda c, u, d, _: s.case_decide_objection(case=c, actor=u, approve=d["approve"], note=d.get("note", ""), on=d["on"]),
             done="已处理异议"),
    UiAction("accept", "受理", frozenset({"accept", "accept_simple"}), f.AcceptForm,
             lambda c, u, d, _: s.case_accept(case=c, actor=u, simple=d["procedure"] == "simple", on=d["on"], note=d.get("note", "")),
             done="已受理，并出具受理告知书"),
    UiAction("redirect", "导入法定程序", frozenset({"redirect"}), f.ReasonForm,
             lambda c, u, d, _: s.case_redirect(case=c, actor=u, procedure=d["reason"], on=d["on"]),
             done="已导入法定程序"),
    UiAction("convert", "转为普通程序", frozenset({"convert_to_normal"}), f.ReasonForm,
             lambda c, u, d, _: s.case_convert_to_normal(case=c, actor=u, reason=d["reason"], on=d["on"]),
             done="已转为普通程序"),
    UiAction("extend", "延长办理期限", frozenset({"extend"}), f.ExtendForm,
             lambda c, u, d, _: s.case_extend(case=c, actor=u, days=d["days"], reason=d["reason"], on=d["on"]),
             done="已批准延期，并出具延期告知书",
             help="只能延长一次，不超过30日，须告知信访人延期理由"),
    UiAction("mediate", "达成调解 / 和解协议", frozenset({"mediate"}), f.MediateForm,
             lambda c, u, d, _: s.case_mediate(case=c, actor=u, agreement=d["agreement"], on=d["on"]),
             done="已记录调解协议，信访事项终结"),
    UiAction("reply", "出具信访处理意见书", frozenset({"reply"}), f.ReplyForm,
             lambda c, u, d, items: s.case_reply(case=c, actor=u, doc=_doc(d), items=items or [], on=d["on"]),
             done="已出具信访处理意见书（文号自动编排）"),
    UiAction("deliver", "送达处理意见书", frozenset({"deliver"}), f.DeliverForm,
             lambda c, u, d, _: s.case_deliver(case=c, actor=u, delivered_on=d["on"], method=d["method"],
                                               signer=d.get("signer", "")),
             done="已记录送达"),
    UiAction("request_review", "登记复查申请", frozenset({"request_review", "refuse_review"}), f.RequestReviewForm,
             _request(True), help="收到书面答复之日起30日内提出；逾期申请将被记录并不予受理"),
    UiAction("review_decide", "复查决定", frozenset({"review_decide", "review_redo"}), f.DecideForm, _decide(True)),
    UiAction("request_rereview", "登记复核申请", frozenset({"request_rereview", "refuse_rereview"}),
             f.RequestReviewForm, _request(False), help="收到复查意见之日起30日内提出"),
    UiAction("start_hearing", "开始听证（期限暂停）", frozenset({"start_hearing"}), f.NoteForm,
             lambda c, u, d, _: s.case_start_hearing(case=c, actor=u, on=d["on"], note=d["note"]),
             done="听证开始，复核期限暂停"),
    UiAction("end_hearing", "结束听证", frozenset({"end_hearing"}), f.NoteForm,
             lambda c, u, d, _: s.case_end_hearing(case=c, actor=u, on=d["on"], note=d["note"]),
             done="听证结束，复核期限已顺延"),
    UiAction("rereview_decide", "复核决定", frozenset({"rereview_decide", "rereview_redo"}), f.DecideForm, _decide(False)),
    UiAction("archive", "归档", frozenset({"archive"}), f.ArchiveForm,
             lambda c, u, d, _: s.case_archive(case=c, actor=u, on=d["on"]),
             done="已归档"),
]
BY_CODE = {a.code: a for a in UI_ACTIONS}

Refused = _Refused


def actions_for(transitions: set[str]) -> list[UiAction]:
    return [a for a in UI_ACTIONS if a.transitions & transitions]
