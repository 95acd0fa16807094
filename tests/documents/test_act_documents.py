"""The acts the law ties to a written document issue it in their own transaction, or do not happen at all."""

from __future__ import annotations

import pytest

from tests.cases.helpers import D, drive, items, opinion
from xinfang.cases import services as s
from xinfang.cases.models import Case
from xinfang.cases.states import Status
from xinfang.cases.workflow import TRANSITIONS, IllegalTransition, register_document_hook
from xinfang.core.errors import ValidationFailed
from xinfang.documents import services as ds
from xinfang.documents.models import DocumentCounter, IssuedDocument

pytestmark = pytest.mark.usefixtures("fake_renderer", "december_first")


def test_the_table_ties_every_act_the_regulation_puts_in_writing():
    tied = {code: (t.document, t.delivers) for code, t in TRANSITIONS.items() if t.document or t.delivers}
    assert tied == {
        "decline": ("refusal_notice", ""),
        "refuse": ("refusal_notice", ""),
        "not_reaccept": ("no_further_notice", ""),
        "accept": ("acceptance_notice", ""),
        "accept_simple": ("acceptance_notice", ""),
        "extend": ("extension_notice", ""),
        "reply": ("reply", ""),
        "deliver": ("", "reply"),
        "refuse_review": ("request_refusal_notice", ""),
        "review_decide": ("review_decision", "review_decision"),
        "review_redo": ("review_decision", "review_decision"),
        "refuse_rereview": ("request_refusal_notice", ""),
        "rereview_decide": ("rereview_decision", "rereview_decision"),
        "rereview_redo": ("rereview_decision", "rereview_decision"),
    }


# (state the item is driven to, the act) — one per tied act that a unit performs from the workbench.
ACTS = {
    "accept": (Status.SIGNED, lambda c, u: s.case_accept(case=c, actor=u.li, on=D(2026, 9, 4))),
    "refuse": (Status.SIGNED, lambda c, u: s.case_decline(case=c, actor=u.li, ground="不属于信访事项", on=D(2026, 9, 4))),
    "decline": (Status.ROUTING, lambda c, u: s.case_decline(case=c, actor=u.zhang, ground="已进入诉讼程序", on=D(2026, 9, 2))),
    "extend": (Status.HANDLING, lambda c, u: s.case_extend(case=c, actor=u.li_head, days=30, reason="需补充调查", on=D(2026, 10, 10))),
    "reply": (Status.HANDLING, lambda c, u: s.case_reply(case=c, actor=u.li, doc=opinion(), items=items(), on=D(2026, 10, 20))),
    "deliver": (Status.REPLIED, lambda c, u: s.case_deliver(case=c, actor=u.li, delivered_on=D(2026, 10, 22), method="post")),
    "review_decide": (Status.UNDER_REVIEW, lambda c, u: s.case_review_decide(
        case=c, actor=u.county_head, outcome="uphold", doc=opinion(), delivered_on=D(2026, 11, 10), method="post")),
    "rereview_decide": (Status.UNDER_REREVIEW, lambda c, u: s.case_rereview_decide(
        case=c, actor=u.city_head, outcome="uphold", doc=opinion(), delivered_on=D(2026, 11, 20), method="post")),
}


def _footprint(case: Case) -> tuple:
    case = Case.objects.get(pk=case.pk)
    return (case.status, case.current_unit_id, case.events.count(), case.opinions.count(), case.clocks.count(),
            IssuedDocument.objects.filter(case=case).count(), IssuedDocument.objects.filter(
                case=case, delivered_on__isnull=False).count(), DocumentCounter.objects.count())


@pytest.mark.parametrize("act", sorted(ACTS))
def test_without_its_document_the_act_is_refused_and_leaves_nothing(act, petition, county):
    state, perform = ACTS[act]
    case = drive(petition, county, state)
    before = _footprint(case)
    previous = register_document_hook(None)
    try:
        with pytest.raises(IllegalTransition, match="须同时出具并记录书面文书"):
            perform(case, county)
    finally:
        register_document_hook(previous)
    assert _footprint(case) == before
    # With its document the same act goes through, and the document is there.
    done = perform(case, county)
    assert done.status != state or act == "refuse_review"
    assert _footprint(done)[5] > before[5] or act == "deliver"
    assert _footprint(done)[6] > before[6] or act not in ("deliver", "review_decide", "rereview_decide")


def test_a_document_that_cannot_be_rendered_refuses_the_act_and_leaves_no_gap(petition, county, monkeypatch):
    from xinfang.documents import render

    case = drive(petition, county, Status.SIGNED)
    working = render.render_docx

    def broken(kind, context, template=None):
        raise KeyError("petitioner_name")

    monkeypatch.setattr(render, "render_docx", broken)
    with pytest.raises(ValidationFailed, match="「受理告知书」生成失败.*本次操作未保存"):
        s.case_accept(case=case, actor=county.li, on=D(2026, 9, 4))
    case.refresh_from_db()
    assert case.status == Status.SIGNED and not case.documents.exists()
    assert not DocumentCounter.objects.exists()

    monkeypatch.setattr(render, "render_docx", working)
    case = s.case_accept(case=case, actor=county.li, on=D(2026, 9, 4))
    assert case.status == Status.HANDLING and case.documents.get().seq == 1


def test_a_refusal_says_where_to_go_instead(petition, county):
    case = drive(petition, county, Status.ROUTING)
    with pytest.raises(ValidationFailed, match="告知去向无效"):
        s.case_decline(case=case, actor=county.zhang, ground="属劳动争议", route="court")
    with pytest.raises(ValidationFailed, match="请写明有权处理的机关名称"):
        s.case_decline(case=case, actor=county.zhang, ground="属劳动争议", route="organ", organ=" ")
    assert Case.objects.get(pk=case.pk).status == Status.ROUTING and not case.documents.exists()
    case = s.case_decline(case=case, actor=county.zhang, ground="属劳动争议", route="organ",
                          organ="县劳动人事争议仲裁委员会", on=D(2026, 9, 2))
    doc = case.documents.get()
    assert doc.kind == "refusal_notice" and doc.issuing_unit == county.bureau and doc.issued_by == county.zhang
    assert doc.data["route"] == "organ" and doc.data["organ"] == "县劳动人事争议仲裁委员会"


def test_a_review_sent_back_for_redo_serves_its_decision_on_the_petitioner(petition, county):
    case = drive(petition, county, Status.UNDER_REVIEW)
    case = s.case_review_decide(case=case, actor=county.county_head, outcome="redo", doc=opinion(),
                                delivered_on=D(2026, 11, 10), method="in_person", signer="陈大明")
    assert case.status == Status.HANDLING and case.current_unit == county.town
    doc = case.documents.get(kind="review_decision")
    assert doc.issuing_unit == county.county and doc.delivered_on == D(2026, 11, 10)
    assert doc.delivery_signer == "陈大明"


def test_a_correction_says_what_the_act_said_apart_from_the_fix(petition, county):
    case = drive(petition, county, Status.ROUTING)
    case = s.case_decline(case=case, actor=county.zhang, ground="属劳动争议", route="organ",
                          organ="县劳动人事争议仲裁委员会", on=D(2026, 9, 2))
    first = case.documents.get()
    second = ds.document_correct(document=first, actor=county.zhang, reason="告知书中受理时间笔误")
    assert second.data["route"] == "organ" and second.data["organ"] == "县劳动人事争议仲裁委员会"
    assert ds.issued_with(second) == {"route": "organ", "organ": "县劳动人事争议仲裁委员会"}


def test_a_reply_corrected_after_delivery_is_delivered_again_on_its_own(petition, county):
    case = drive(petition, county, Status.DELIVERED)  # delivered by post on 2026-10-22
    first = case.documents.get(kind="reply")
    second = ds.document_correct(document=first, actor=county.li, reason="诉求事项表述有误")
    second = ds.document_record_delivery(document=second, actor=county.li, delivered_on=D(2026, 12, 1),
                                         method="in_person", signer="陈大明")
    assert second.delivered_on == D(2026, 12, 1) and second.remedy_last_day == D(2026, 12, 31)
    case.refresh_from_db()
    # The item's own delivery (and its clocks) stay those of the first delivery.
    assert case.status == Status.DELIVERED and case.reply_delivered_on == D(2026, 10, 22)
    assert case.events.filter(action="deliver").count() == 1
