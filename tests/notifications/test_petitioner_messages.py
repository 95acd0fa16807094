"""What the petitioner is told: short texts for each act, to the main petitioner's mobile and e-mail, signed by
the 信访局, naming no staff and, for a 检举控告, nothing about the accused."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from tests.cases.helpers import D, accusation, drive, items, opinion
from tests.notifications.conftest import SHANGHAI, file_records
from xinfang.cases import messages
from xinfang.cases import services as s
from xinfang.cases.models import Case, Petitioner
from xinfang.cases.states import Status
from xinfang.notifications.models import Outbox
from xinfang.orgs.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def sms_of(case) -> list[tuple[str, str]]:
    return list(Outbox.objects.filter(case_id=case.pk, channel="sms").order_by("pk").values_list("kind", "body"))


def test_registration_sends_the_receipt_with_number_query_code_and_portal(petition):
    case = petition()
    [row] = Outbox.objects.filter(case_id=case.pk)
    assert (row.channel, row.kind, row.address, row.state) == ("sms", "receipt", "13800138000", "pending")
    assert row.case_number == case.number
    assert row.body == (f"【县信访局】您的信访事项已登记，编号{case.number}，查询码{case.query_code}，"
                        "可在/portal/查询办理进展。")


def test_each_step_of_the_normal_path_tells_the_petitioner_what_happened_and_the_next_date(petition, county):
    case = drive(petition, county, Status.CONCLUDED)
    n = case.number
    assert sms_of(case)[1:] == [
        ("accepted", f"【县信访局】您的信访事项（编号{n}）已受理，依法应于11月3日前办结。"),
        ("extended", f"【县信访局】您的信访事项（编号{n}）办理期限依法延长至12月3日，理由见延期告知书。"),
        ("reply_delivered", f"【县信访局】您的信访事项（编号{n}）处理意见书已送达，可在11月23日前申请复查，"
                            "并请在此前评价办理工作。"),
        ("review_accepted", f"【县信访局】您的复查申请（信访事项编号{n}）已受理，复查机关将于11月30日前作出复查意见。"),
        ("review_decided", f"【县信访局】您的信访事项（编号{n}）复查意见书已送达，如不服可在12月10日前申请复核。"),
        ("rereview_accepted", f"【县信访局】您的复核申请（信访事项编号{n}）已受理，复核机关将于12月14日前作出复核意见。"),
        ("rereview_decided", f"【县信访局】您的信访事项（编号{n}）复核意见书已送达，复核意见为最终意见。"),
    ]
    # Forwarding, signing, the reply before its delivery, hearings: nothing the petitioner must act on.
    assert Outbox.objects.filter(case_id=case.pk).count() == 8


def test_refusals_and_the_simplified_procedure(petition, county):
    declined = drive(petition, county, Status.NOT_ACCEPTED)
    assert sms_of(declined)[-1] == (
        "refused", f"【县信访局】您的信访事项（编号{declined.number}）不予受理，理由和其他途径见不予受理告知书，可在/portal/查看。")
    repeated = drive(petition, county, Status.NOT_REACCEPTED)
    assert sms_of(repeated) == [sms_of(repeated)[0], (
        "not_reaccepted", f"【县信访局】您的信访事项（编号{repeated.number}）依法不再受理，理由见不再受理告知书，可在/portal/查看。")]
    simple = drive(petition, county, Status.SIMPLE_HANDLING)
    assert sms_of(simple)[-1] == (
        "accepted", f"【县信访局】您的信访事项（编号{simple.number}）已受理（简易办理），依法应于9月18日前办结。")


def test_late_requests_are_refused_and_said_so(petition, county):
    case = drive(petition, county, Status.DELIVERED)  # 复查 window until 11-23
    s.case_request_review(case=case, actor=county.county_head, received_on=D(2026, 11, 24), reason="不服")
    assert sms_of(case)[-1] == (
        "review_refused", f"【县信访局】您的复查申请（信访事项编号{case.number}）不予受理，理由见告知书，可在/portal/查看。")
    later = drive(petition, county, Status.REVIEW_DELIVERED)  # 复核 window until 12-10
    with time_machine.travel(dt.datetime(2026, 12, 14, 10, tzinfo=SHANGHAI), tick=False):
        s.case_request_rereview(case=later, actor=county.city_head, received_on=D(2026, 12, 11), reason="不服")
    assert sms_of(later)[-1][0] == "rereview_refused" and "您的复核申请" in sms_of(later)[-1][1]


def test_an_order_to_handle_again_gives_the_new_deadline(petition, county):
    case = drive(petition, county, Status.UNDER_REVIEW)
    s.case_review_decide(case=case, actor=county.county_head, outcome="redo", doc=opinion(),
                         delivered_on=D(2026, 11, 10), method="post")
    # The new 60 days reach 2027, whose holiday schedule is not loaded here: the date is marked provisional.
    assert sms_of(case)[-1] == ("review_decided", f"【县信访局】您的信访事项（编号{case.number}）复查意见书已送达，"
                                                  "责令重新办理，应于2027年1月11日（暂定）前办结。")


def test_e_mail_goes_to_the_main_petitioners_address_too(petition, county):
    case = petition(petitioners=[s.PetitionerInput(name="陈大明", phone="13800138000", is_main=True),
                                 s.PetitionerInput(name="陈小明", phone="13900139000")], people_count=2)
    Petitioner.objects.filter(case=case, is_main=True).update(email="chen@example.com")
    s.case_decline(case=case, actor=county.zhang, ground="已进入诉讼程序", on=D(2026, 9, 2))
    rows = Outbox.objects.filter(case_id=case.pk, kind="refused")
    assert sorted(rows.values_list("channel", "address")) == [("email", "chen@example.com"), ("sms", "13800138000")]
    mail = rows.get(channel="email")
    assert mail.subject == f"信访事项办理进展（编号{case.number}）"
    assert mail.body.startswith(f"您的信访事项（编号{case.number}）不予受理") and "\n\n县信访局\n" in mail.body
    # Only the main petitioner: nobody else's number.
    assert not Outbox.objects.filter(address="13900139000").exists()


def test_the_receipt_by_e_mail(petition, county):
    case = Case(number="XFJ-2026-000777", query_code="ABCDEFGHJK", registering_unit=county.bureau,
                claim_type="appeal")
    [sms, mail] = messages.registration_messages(
        case, "register", [Petitioner(name="陈大明", phone="138 0013 8000", email="chen@example.com", is_main=True)], {})
    assert (sms.channel, sms.address) == ("sms", "13800138000")
    assert (mail.channel, mail.address, mail.subject) == ("email", "chen@example.com", "信访事项已登记（编号XFJ-2026-000777）")
    assert "查询码ABCDEFGHJK" in mail.body and mail.pk is None and mail.case_id is None


def test_an_anonymous_item_or_a_landline_gets_no_sms(petition, county):
    anonymous = petition(petitioners=[s.PetitionerInput(name="匿名")])
    landline = petition(petitioners=[s.PetitionerInput(name="陈大明", phone="0571-12345678")])
    for case in (anonymous, landline):
        s.case_decline(case=case, actor=county.zhang, ground="已进入诉讼程序", on=D(2026, 9, 2))
        assert not Outbox.objects.filter(case_id=case.pk).exists()


def test_an_item_received_directly_by_a_township_is_signed_by_the_county_bureau(petition, county):
    case = petition(actor=county.li, unit=county.town)
    assert case.registering_unit == county.town
    assert Outbox.objects.get(case_id=case.pk).body.startswith("【县信访局】您的信访事项已登记")


def test_an_accusation_against_the_bureau_itself_is_not_signed_with_its_name(county):
    case = Case(claim_type="accusation", accused_unit=county.bureau, registering_unit=county.bureau)
    assert messages.signature(case) == "信访部门"


def test_an_accusation_message_says_nothing_about_the_accused_nor_what_is_alleged(petition, county):
    case = accusation(petition, county)  # against 东街镇 and 某民政干部: 「举报东街镇干部违规发放低保」
    Petitioner.objects.filter(case=case).update(email="chen@example.com")
    case = s.case_forward(case=case, actor=county.zhang, target=county.housing, on=D(2026, 9, 2))
    handler = county.housing_handler
    case = s.case_sign(case=case, actor=handler, on=D(2026, 9, 3))
    case = s.case_accept(case=case, actor=handler, on=D(2026, 9, 4))
    case = s.case_extend(case=case, actor=handler, days=30, reason="需补充调查", on=D(2026, 10, 10))
    case = s.case_reply(case=case, actor=handler, doc=opinion(), items=items(), on=D(2026, 10, 20))
    case = s.case_deliver(case=case, actor=handler, delivered_on=D(2026, 10, 22), method="post")
    rows = list(Outbox.objects.filter(case_id=case.pk))
    assert {r.kind for r in rows} == {"receipt", "accepted", "extended", "reply_delivered"}
    assert {r.channel for r in rows} == {"sms", "email"}  # the receipt went before the e-mail address was known
    said = "\n".join(r.subject + r.body for r in Outbox.objects.filter(case_id=case.pk))
    for secret in ("东街镇", "某民政干部", case.title, "低保", "检举", "控告", "举报", "县住建局"):
        assert secret not in said, secret


def test_no_message_names_a_member_of_staff_or_a_handling_unit(petition, county):
    case = drive(petition, county, Status.CONCLUDED)
    said = "\n".join(Outbox.objects.filter(case_id=case.pk).values_list("body", flat=True))
    for user in User.objects.exclude(full_name=""):
        assert user.full_name not in said
    for unit in ("东街镇", "县委县政府", "县人民政府", "市人民政府"):
        assert unit not in said
    assert case.title not in said


def test_every_sms_fits_one_segment_with_a_county_signature(petition, county, settings):
    settings.XINFANG_MESSAGE_SIGNATURE = "清河县信访局"
    cases = [drive(petition, county, state) for state in
             (Status.CONCLUDED, Status.NOT_ACCEPTED, Status.NOT_REACCEPTED, Status.SIMPLE_HANDLING)]
    bodies = Outbox.objects.filter(case_id__in=[c.pk for c in cases], channel="sms").values_list("body", flat=True)
    assert len(bodies) >= 12
    for body in bodies:
        assert body.startswith("【清河县信访局】") and len(body) <= 70, (len(body), body)


def test_the_daily_job_sends_the_petitioners_messages(petition, county, sms_file):
    case = drive(petition, county, Status.DELIVERED)
    out = StringIO()
    call_command("tick", "--date", "2026-11-24", stdout=out, stderr=StringIO())
    assert "自动终结：1 件" in out.getvalue() and "消息发送：成功 4 条" in out.getvalue()
    sent = [r["text"] for r in file_records(sms_file)]
    assert len(sent) == 4 and all(case.number in text for text in sent)
    assert set(Outbox.objects.values_list("state", flat=True)) == {"sent"}
