"""What the documents say: the remedy organ and its last day, names, confidentiality, per-kind facts."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from tests.cases.helpers import D, drive, items, opinion
from tests.documents.items import item_for
from xinfang.cases import services as s
from xinfang.cases.services import PetitionerInput
from xinfang.cases.states import Status
from xinfang.core.errors import ValidationFailed
from xinfang.documents.context import SECRET_ACCUSER, build_context, cn_date
from xinfang.orgs.models import UnitKind
from xinfang.orgs.organs import government_name

NUMBER = "清信〔2026〕3号"
ISSUED = dt.date(2026, 12, 1)


def ctx(case, kind, **extra):
    return build_context(case, kind, number=NUMBER, issued_on=ISSUED, extra=extra)


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("县委县政府", UnitKind.COUNTY, "县人民政府"),
        ("清河县委县政府", UnitKind.COUNTY, "清河县人民政府"),
        ("江州市委市政府", UnitKind.CITY, "江州市人民政府"),
        ("清河县政府", UnitKind.COUNTY, "清河县人民政府"),
        ("江州市人民政府", UnitKind.CITY, "江州市人民政府"),
        ("东街镇", UnitKind.TOWNSHIP, "东街镇人民政府"),
        ("西山乡", UnitKind.TOWNSHIP, "西山乡人民政府"),
        ("城关街道", UnitKind.TOWNSHIP, "城关街道办事处"),
        ("东街镇人民政府", UnitKind.TOWNSHIP, "东街镇人民政府"),
        ("县委办", UnitKind.DEPARTMENT, "县委办"),
    ],
)
def test_government_name(name, kind, expected):
    assert government_name(SimpleNamespace(name=name, kind=kind)) == expected


def test_township_reply_as_recorded_names_the_county_government_never_the_party_committee(petition, county):
    case = drive(petition, county, Status.REPLIED)
    remedy = case.opinions.get(stage="reply").remedy
    assert "向县人民政府书面申请复查" in remedy
    assert "县委" not in remedy


def test_township_reply_document_names_the_county_government(petition, county):
    context = ctx(drive(petition, county, Status.DELIVERED), "reply")
    assert context["remedy"] == "如不服本处理意见，可以自收到本意见书之日起30日内向县人民政府书面申请复查。"
    assert context["issuing_organ"] == "东街镇人民政府"
    assert context["remedy_last_day"] == "2026年11月23日"  # delivered 10-22, +30 = Sat 11-21 → Mon 11-23


def test_county_department_reply_goes_to_the_county_government_or_the_department_above(petition, county):
    case = s.case_forward(case=petition(), actor=county.zhang, target=county.housing, on=D(2026, 9, 2))
    case = s.case_sign(case=case, actor=county.housing_handler, on=D(2026, 9, 3))
    case = s.case_accept(case=case, actor=county.housing_handler, on=D(2026, 9, 4))
    case = s.case_reply(case=case, actor=county.housing_handler, doc=opinion(), items=items(), on=D(2026, 10, 20))
    context = ctx(case, "reply")
    assert "向县人民政府或者上一级主管部门书面申请复查" in context["remedy"]
    assert context["issuing_organ"] == "县住建局"
    assert context["remedy_last_day"] == ""
    assert context["remedy_deadline"] == "复查申请期限自您收到本意见书之日起计算。"


def test_review_decision_points_to_rereview_at_the_next_level_with_its_last_day(petition, county):
    context = ctx(drive(petition, county, Status.REVIEW_DELIVERED), "review_decision")
    assert context["issuing_organ"] == "县人民政府"  # the county reviewed: it signs as the government
    assert "向市人民政府书面申请复核" in context["remedy"]
    # Delivered 2026-11-10 (the decision's date): +30 days = 2026-12-10, a Thursday.
    assert context["remedy_last_day"] == "2026年12月10日"
    assert "复核申请最迟于2026年12月10日前提出" in context["remedy_deadline"]
    assert context["review_outcome"] == "维持"
    assert context["request_received_on"] == "2026年10月30日"


def test_rereview_decision_is_final(petition, county):
    context = ctx(drive(petition, county, Status.CONCLUDED), "rereview_decision")
    assert "最终意见" in context["remedy"] and "不再受理" in context["remedy"]
    assert context["remedy_last_day"] == "" and context["issuing_organ"] == "市人民政府"


def test_the_typed_remedy_of_an_opinion_is_not_what_the_document_says(petition, county):
    case = drive(petition, county, Status.DELIVERED)
    case.opinions.update(remedy="可以向县委申诉")
    assert "县委" not in ctx(case, "reply")["remedy"]


def test_reply_delivered_on_in_extra_computes_the_last_day_in_next_year(petition, county):
    context = ctx(drive(petition, county, Status.REPLIED), "reply", delivered_on=dt.date(2026, 12, 3))
    # 12-03 + 30 = Sat 2027-01-02; 2027 has no confirmed schedule here, so the date is marked provisional.
    assert context["remedy_last_day"] == "2027年1月4日"
    assert "最迟于2027年1月4日（暂定（2027年放假安排尚未录入））前提出" in context["remedy_deadline"]


def test_group_petitioners_are_named_as_the_main_one_and_a_count(petition, county):
    case = petition(petitioners=[PetitionerInput(name="陈大明", is_main=True), PetitionerInput(name="刘小红")],
                    people_count=6)
    assert ctx(case, "transfer")["petitioner"] == "陈大明等6人"


def test_accusation_letters_between_organs_keep_the_accuser_out(petition, county):
    case = petition(claim_type="accusation", purpose="expose", accused_unit=county.village,
                    title="举报东街村干部侵占补偿款", content="本人陈大明举报村干部侵占补偿款。")
    case = s.case_forward(case=case, actor=county.zhang, target=county.town2, on=D(2026, 9, 2))
    context = ctx(case, "transfer")
    assert context["petitioner"] == SECRET_ACCUSER
    assert "陈大明" not in " ".join(str(v) for v in context.values())
    # To the petitioner the notice still names them.
    assert ctx(case, "acceptance_notice")["addressee"] == "陈大明"


def test_extension_notice_states_reason_and_new_due_date(petition, county):
    case = drive(petition, county, Status.EXTENDED)
    context = ctx(case, "extension_notice")
    clock = case.clocks.get(rule_code="handling_extended", superseded=False)
    assert context["extended_due"] == cn_date(clock.due_on) == "2026年12月3日"  # 9-4 + 90 days
    assert context["extension_reason"] == "需补充调查" and context["extension_days"] == "30"


def test_acceptance_notice_gives_the_handling_due_date(petition, county):
    context = ctx(drive(petition, county, Status.HANDLING), "acceptance_notice")
    assert context["accepted_on"] == "2026年9月4日" and context["handling_due"] == "2026年11月3日"


def test_refusal_notice_routes(petition, county):
    case = item_for("refusal_notice", petition, county)
    assert ctx(case, "refusal_notice")["ground"] == "已进入诉讼程序"
    assert "政法部门" in ctx(case, "refusal_notice", route="legal")["redirect"]
    assert "请您向县人社局提出" in ctx(case, "refusal_notice", route="organ", organ="县人社局")["redirect"]
    with pytest.raises(ValidationFailed, match="有权处理的机关"):
        ctx(case, "refusal_notice", route="organ")
    with pytest.raises(ValidationFailed, match="告知去向无效"):
        ctx(case, "refusal_notice", route="elsewhere")


def test_assignment_letter_has_due_date_and_asks_for_the_report(petition, county):
    case = item_for("assignment", petition, county)
    context = ctx(case, "assignment")
    assert context["due_on"] == "2026年10月30日"
    assert context["addressee"] == "东街镇人民政府" and context["issuing_organ"] == "县信访局"


def test_request_refusal_names_the_closed_window(petition, county):
    context = ctx(item_for("request_refusal_notice", petition, county), "request_refusal_notice")
    assert context["doc_title"] == "复查申请不予受理告知书"
    assert "期限已于2026年11月23日届满" in context["refusal_reason"]
    assert context["issuing_organ"] == "县人民政府"


def test_receipt_refuses_an_unknown_delivery_method(petition, county):
    case = item_for("delivery_receipt", petition, county)
    with pytest.raises(ValidationFailed, match="送达方式无效"):
        ctx(case, "delivery_receipt", method="快递到家")
    assert "☑邮寄" in ctx(case, "delivery_receipt", method="邮寄")["methods"]


def test_opinion_kind_without_opinion_is_refused_in_chinese(petition, county):
    with pytest.raises(ValidationFailed, match="尚无复查意见书"):
        ctx(drive(petition, county, Status.HANDLING), "review_decision")


def test_review_that_orders_the_matter_redone_offers_no_rereview_yet(petition, county):
    case = drive(petition, county, Status.UNDER_REVIEW)
    case = s.case_review_decide(method="post", case=case, actor=county.county_head, outcome="redo", doc=opinion(),
                                delivered_on=D(2026, 11, 10))
    context = ctx(case, "review_decision")
    assert context["review_outcome"] == "责令重新办理"
    assert "重新办理" in context["remedy"] and "复核" not in context["remedy"]
    assert context["remedy_last_day"] == ""


def test_a_departments_reply_names_the_county_government_or_the_department_above(county):
    from xinfang.cases.models import Opinion
    from xinfang.cases.services import remedy_text

    department = remedy_text(Opinion.Stage.REPLY, county.county, county.housing)
    assert department == "如不服本处理意见，可以自收到本意见书之日起30日内向县人民政府或者上一级主管部门书面申请复查。"
    township = remedy_text(Opinion.Stage.REPLY, county.county, county.town)
    assert township == "如不服本处理意见，可以自收到本意见书之日起30日内向县人民政府书面申请复查。"
