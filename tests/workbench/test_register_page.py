"""登记 page and the earlier-items look-up: who may register where, field-level messages, nothing half-saved,
typed values kept, group visits, repeats, and the visibility boundary of the look-up."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.cases.helpers import D
from xinfang.cases import services as s
from xinfang.cases.models import Attachment, Case, Category, Notification, PersonalDataAccess, Petitioner
from xinfang.cases.states import Status
from xinfang.core.errors import ValidationFailed
from xinfang.orgs.permissions import Role
from xinfang.orgs.services import user_create

pytestmark = pytest.mark.django_db

URL = "/cases/new/"
ITEMS_URL = "/cases/person-items/"
ID_CHEN = "11010519491231002X"  # the petitioner of the ``petition`` fixture
PDF = b"%PDF-1.4 letter scan"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(
        dt.datetime(2026, 11, 26, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False
    ):
        yield


def person(name, id_number="", phone="", address="", rep=False):
    row = {"name": name, "id_number": id_number, "phone": phone, "address": address}
    if rep:
        row["is_representative"] = "on"
    return row


def form_data(county, people=None, **fields):
    """A complete, valid letter as the browser posts it (three petitioner rows, the later ones blank)."""
    people = [person("陈大明", ID_CHEN, "13800138000", "东街村三组8号")] if people is None else people
    rows = max(3, len(people))
    data = {
        "channel": "letter",
        "received_on": "2026-11-25",
        "title": "东街村道路硬化工程拖欠工人工资",
        "content": "本人在东街村道路硬化工程务工，工程结束半年仍未结清工资共计3万元，请求督促支付。",
        "claim_type": "appeal",
        "purpose": "request",
        "category": "",
        "problem_place": str(county.village.pk),
        "problem_address": "东街村三组",
        "responsible_unit": "",
        "accused_unit": "",
        "accused_person": "",
        "people_count": "",
        "earlier_numbers": "",
        "main_petitioner": "0",
        "petitioners-TOTAL_FORMS": str(rows),
        "petitioners-INITIAL_FORMS": "0",
        "petitioners-MIN_NUM_FORMS": "0",
        "petitioners-MAX_NUM_FORMS": "200",
    }
    for i in range(rows):
        for key, value in (people[i] if i < len(people) else person("")).items():
            data[f"petitioners-{i}-{key}"] = value
    data.update(fields)
    return data


def field_errors(html: str, field_id: str) -> str:
    """The error list rendered right under one field (its id is what the input's aria-describedby names)."""
    match = re.search(rf'<ul class="errorlist" id="{re.escape(field_id)}_error">(.*?)</ul>', html, re.S)
    return match.group(1) if match else ""


def nothing_written():
    return not Case.objects.exists() and not Petitioner.objects.exists() and not Attachment.objects.exists()


def success_message(resp) -> str:
    return " ".join(str(m) for m in get_messages(resp.wsgi_request))


# --- who may register where -------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, county):
    for url in (URL, ITEMS_URL + f"?id_number={ID_CHEN}"):
        resp = client.get(url)
        assert resp.status_code == 302 and resp["Location"].startswith("/login/")


def test_registrar_gets_an_empty_form(client, county):
    client.force_login(county.zhang)
    html = client.get(URL).content.decode()
    assert "登记单位：<strong>县信访局</strong>" in html and "信访部门收件" in html
    assert '<select name="unit"' not in html
    # three blank petitioner rows without the script, plus a template row for it to clone
    assert 'name="petitioners-TOTAL_FORMS" value="3"' in html
    assert 'name="petitioners-2-name"' in html and 'name="petitioners-3-name"' not in html
    assert 'name="petitioners-__prefix__-name"' in html
    assert 'value="2026-11-26"' in html  # 收到日期 defaults to today
    assert '<optgroup label="劳动和社会保障">' in html and "工资福利" in html
    assert '<optgroup label="东街镇">' in html  # 问题属地 grouped by township
    for label in ("来信", "来访", "来电", "网上", "传真"):
        assert label in html
    assert "multiple" in html and 'accept=".doc,.docx' in html
    assert "workbench/register.js" in html


def test_supervisor_without_register_grant_is_refused(client, county):
    client.force_login(county.zhao)
    resp = client.get(URL)
    assert resp.status_code == 403 and "您没有登记信访件的权限" in resp.content.decode()
    assert client.post(URL, form_data(county)).status_code == 403
    assert client.post(ITEMS_URL, {"id_number": ID_CHEN}).status_code == 403
    assert nothing_written()


def test_unit_head_of_a_department_registers_at_his_own_unit(client, county):
    client.force_login(county.wang)
    html = client.get(URL).content.decode()
    assert "登记单位：<strong>县人社局</strong>" in html and "直接收件" in html
    resp = client.post(URL, form_data(county))
    case = Case.objects.get()
    assert resp.status_code == 302
    assert case.registering_unit == county.labour and case.number.startswith("RSJ-2026-")
    assert case.status == Status.SIGNED  # a direct submission: his unit decides on acceptance itself


def test_unit_head_cannot_register_at_the_bureau(client, county):
    client.force_login(county.wang)
    resp = client.post(URL, form_data(county, unit=str(county.bureau.pk)))
    assert resp.status_code == 200
    assert "只能在您有登记权限的单位登记" in resp.content.decode()
    assert nothing_written()


def test_user_with_two_register_units_chooses_one(client, county):
    both = user_create(
        username="both",
        password="Xinfang-2026",
        full_name="双岗",
        unit=county.bureau,
        roles=[(Role.REGISTRAR, county.bureau), (Role.HANDLER, county.town)],
    )
    client.force_login(both)
    html = client.get(URL).content.decode()
    assert '<select name="unit"' in html and "县信访局（信访部门收件" in html and "东街镇（直接收件" in html
    assert client.post(URL, form_data(county, unit=str(county.town.pk))).status_code == 302
    assert Case.objects.get().registering_unit == county.town


# --- successful registrations -------------------------------------------------------------------------------


def test_full_letter_registration(client, county):
    client.force_login(county.zhang)
    wages = Category.objects.get(name="工资福利")
    people = [
        person("陈大明", "11010519491231002x", "138 0013 8000", "东街村三组8号"),
        person("陈小明", "", "0571-87654321"),
    ]
    data = form_data(
        county,
        people,
        category=str(wages.pk),
        responsible_unit=str(county.housing.pk),
        main_petitioner="1",
        is_confidential="on",
        attachments=[SimpleUploadedFile("来信扫描件.pdf", PDF, "application/pdf")],
    )
    resp = client.post(URL, data)
    case = Case.objects.get()
    assert resp.status_code == 302 and resp["Location"] == reverse("workbench:case_detail", args=[case.pk])
    assert success_message(resp) == f"已登记：编号 XFJ-2026-000001，查询码 {case.query_code}（请告知信访人：凭查询码和手机号后四位可在 /portal/ 查询办理进展）"
    assert case.channel == "letter" and case.received_on == D(2026, 11, 25) and case.status == Status.ROUTING
    assert case.category == wages and case.responsible_unit == county.housing
    assert case.problem_place == county.village and case.problem_address == "东街村三组"
    assert case.is_confidential and not case.is_group and not case.is_repeat and case.people_count == 2
    chen, xiao = case.petitioners.order_by("pk")
    assert (chen.id_number, chen.phone, chen.is_main) == (ID_CHEN, "13800138000", False)
    assert (xiao.name, xiao.phone, xiao.is_main) == ("陈小明", "0571-87654321", True)
    att = case.attachments.get()
    assert att.original_name == "来信扫描件.pdf" and att.size == len(PDF)


def test_group_visit_of_23_people_with_5_representatives_alerts_the_leaders(client, county):
    client.force_login(county.zhang)
    people = [person(f"代表{i}", rep=True) for i in range(5)]
    data = form_data(
        county,
        people,
        channel="visit",
        people_count="23",
        responsible_unit=str(county.town.pk),
        main_petitioner="2",
    )
    assert client.post(URL, data).status_code == 302
    case = Case.objects.get()
    assert case.is_group and case.people_count == 23 and case.channel == "visit"
    assert case.petitioners.filter(is_representative=True).count() == 5
    assert case.petitioners.get(is_main=True).name == "代表2"
    recipients = set(Notification.objects.filter(case=case).values_list("recipient__username", flat=True))
    assert recipients == {"li_head", "town_sec"}  # the unit's head and the township's party secretary


def test_accusation_fields_are_dropped_for_other_claim_types(client, county):
    client.force_login(county.zhang)
    data = form_data(county, accused_unit=str(county.town.pk), accused_person="某村干部")
    assert client.post(URL, data).status_code == 302
    case = Case.objects.get()
    assert case.accused_unit is None and case.accused_person == ""


def test_accusation_is_registered_with_the_accused(client, county):
    client.force_login(county.zhang)
    data = form_data(
        county,
        claim_type="accusation",
        purpose="expose",
        accused_unit=str(county.town.pk),
        accused_person="某副镇长",
    )
    assert client.post(URL, data).status_code == 302
    case = Case.objects.get()
    assert case.accused_unit == county.town and case.accused_person == "某副镇长"


# --- refused input: the message beside the field, nothing written, typed values kept -----------------------


def test_six_representatives_refused_and_everything_typed_is_kept(client, county):
    client.force_login(county.zhang)
    people = [person(f"代表{i}", phone=f"1380013800{i}", rep=True) for i in range(6)]
    data = form_data(county, people, channel="visit", people_count="23", title="征地补偿款未足额发放")
    resp = client.post(URL, data)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert (
        field_errors(html, "petitioners").count("集体访推选代表不得超过5人（《信访工作条例》第二十条）") == 1
    )
    assert "您勾选了6名代表" in html and 'id="form-errors"' in html
    assert nothing_written() and not Notification.objects.exists()
    assert 'value="征地补偿款未足额发放"' in html and "本人在东街村道路硬化工程务工" in html
    assert 'name="people_count" value="23"' in html
    assert 'value="visit"' in html and re.search(r'value="visit"[^>]*checked', html)
    assert 'name="petitioners-TOTAL_FORMS" value="6"' in html
    for i in range(6):
        assert f'value="代表{i}"' in html and f'value="1380013800{i}"' in html
    assert re.search(r'name="petitioners-5-is_representative"[^>]*checked', html)


def test_bad_id_number_gets_the_check_digit_message_beside_it(client, county):
    client.force_login(county.zhang)
    resp = client.post(URL, form_data(county, [person("陈大明", "110105194912310021")]))
    html = resp.content.decode()
    message = "身份证号码校验位不正确（按前17位计算，最后一位应为X），请核对后重新输入"
    assert message in field_errors(html, "id_petitioners-0-id_number")
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="id_petitioners-0-id_number"', html)
    assert 'value="110105194912310021"' in html
    assert nothing_written()


def test_bad_phone(client, county):
    client.force_login(county.zhang)
    html = client.post(URL, form_data(county, [person("陈大明", phone="12345")])).content.decode()
    assert "联系电话格式不正确：手机号为以1开头的11位数字" in field_errors(html, "id_petitioners-0-phone")
    assert nothing_written()


def test_received_date_in_the_future(client, county):
    client.force_login(county.zhang)
    html = client.post(URL, form_data(county, received_on="2026-11-27")).content.decode()
    assert "收到日期 2026-11-27 晚于今天（2026-11-26），请核对" in field_errors(html, "id_received_on")
    assert nothing_written()


def test_attachment_of_a_wrong_type_and_files_must_be_chosen_again(client, county):
    client.force_login(county.zhang)
    data = form_data(
        county, attachments=[SimpleUploadedFile("工具.exe", b"MZ\x90\x00", "application/octet-stream")]
    )
    html = client.post(URL, data).content.decode()
    assert "附件「工具.exe」的类型不支持" in field_errors(html, "id_attachments")
    assert "附件需要重新选择" in html
    data = form_data(county, attachments=[SimpleUploadedFile("扫描件.pdf", b"MZ\x90\x00", "application/pdf")])
    html = client.post(URL, data).content.decode()
    assert "附件「扫描件.pdf」的内容与扩展名 .pdf 不符" in field_errors(html, "id_attachments")
    assert nothing_written()


def test_people_count_below_listed_petitioners(client, county):
    client.force_login(county.zhang)
    data = form_data(county, [person("甲"), person("乙")], people_count="1")
    html = client.post(URL, data).content.decode()
    assert "信访人数（1）不能少于已填写的信访人（2名）" in field_errors(html, "id_people_count")
    assert nothing_written()


def test_missing_fields_and_no_petitioner(client, county):
    client.force_login(county.zhang)
    data = form_data(county, [], channel="", title="", claim_type="")
    html = client.post(URL, data).content.decode()
    assert "请选择信访形式" in field_errors(html, "id_channel")
    assert "请填写标题" in field_errors(html, "id_title")
    assert "请选择诉求类型" in field_errors(html, "id_claim_type")
    assert "请至少填写一名信访人" in field_errors(html, "petitioners")
    assert nothing_written()


def test_same_id_number_twice_is_pointed_out(client, county):
    client.force_login(county.zhang)
    data = form_data(county, [person("陈大明", ID_CHEN), person("陈大明", ID_CHEN.lower())])
    html = client.post(URL, data).content.decode()
    assert "与第1名信访人的身份证号码相同" in field_errors(html, "id_petitioners-1-id_number")
    assert nothing_written()


def test_accusation_cannot_name_the_accused_unit_as_responsible(client, county):
    client.force_login(county.zhang)
    data = form_data(
        county,
        claim_type="accusation",
        purpose="expose",
        accused_unit=str(county.town.pk),
        responsible_unit=str(county.town.pk),
    )
    html = client.post(URL, data).content.decode()
    assert "检举控告件的责任单位不能是被反映单位或其下级单位" in field_errors(html, "id_responsible_unit")
    assert nothing_written()


def test_service_refusal_is_shown_as_a_form_error(client, county, monkeypatch):
    def refuse(**kwargs):
        raise ValidationFailed("第1名信访人（陈大明）：测试用的服务层拒绝")

    monkeypatch.setattr("xinfang.workbench.views.register.case_register", refuse)
    client.force_login(county.zhang)
    resp = client.post(URL, form_data(county))
    html = resp.content.decode()
    assert resp.status_code == 200 and "测试用的服务层拒绝" in html and 'value="陈大明"' in html
    assert nothing_written()


# --- earlier items of a person and repeats --------------------------------------------------------------------


@pytest.fixture
def earlier(petition, county):
    """An item of 陈大明 registered at the bureau and forwarded to 东街镇 (so 李 sees it; 王 does not)."""
    case = petition()
    return s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2026, 9, 2))


def items_for(client, user, **params):
    client.force_login(user)
    resp = client.post(ITEMS_URL, params)
    assert resp.status_code == 200
    return resp.json()["items"]


def test_person_items_lists_the_earlier_items_the_user_may_see(client, county, earlier):
    items = items_for(client, county.li, id_number="11010519491231002x")
    assert items == [
        {
            "id": earlier.pk,
            "number": earlier.number,
            "received_on": "2026-09-01",
            "title": "东街村道路硬化工程拖欠工人工资",
            "status": Case.objects.get(pk=earlier.pk).get_status_display(),
            "url": reverse("workbench:case_detail", args=[earlier.pk]),
        }
    ]
    assert [i["id"] for i in items_for(client, county.li, phone="138 0013 8000")] == [earlier.pk]
    assert (
        items_for(client, county.li, phone="13800138000", name="别人") == []
    )  # a shared phone, another name
    assert items_for(client, county.li, name="陈大明") == []  # a name alone finds nobody
    assert items_for(client, county.li, id_number="110105194912310021") == []  # invalid number: no match
    assert (
        PersonalDataAccess.objects.filter(
            user=county.li, case=earlier, purpose__startswith="登记查重"
        ).count()
        == 2
    )


def test_person_items_shows_nothing_of_another_unit(client, county, earlier):
    assert items_for(client, county.wang, id_number=ID_CHEN) == []
    assert items_for(client, county.wang, phone="13800138000") == []
    assert not PersonalDataAccess.objects.filter(user=county.wang).exists()


def test_person_items_hides_accusations_from_the_accused_unit(client, county, petition):
    accusation = petition(
        claim_type="accusation", purpose="expose", accused_unit=county.bureau, title="检举信访局工作人员"
    )
    # 张 sees the item (it was registered at his bureau) but works in the accused unit; 县领导 does not.
    assert items_for(client, county.zhang, id_number=ID_CHEN) == []
    assert [i["id"] for i in items_for(client, county.county_head, id_number=ID_CHEN)] == [accusation.pk]


def test_linking_an_earlier_item_marks_a_repeat(client, county, earlier):
    client.force_login(county.li)
    data = form_data(county, earlier_items=[str(earlier.pk)], title="工资仍未支付，再次反映")
    assert client.post(URL, data).status_code == 302
    case = Case.objects.exclude(pk=earlier.pk).get()
    assert case.registering_unit == county.town and case.is_repeat
    assert list(case.earlier_items.all()) == [earlier]


def test_linking_by_number_without_the_script(client, county, earlier):
    client.force_login(county.zhang)
    data = form_data(county, earlier_numbers=f" {earlier.number.lower()}， ")
    assert client.post(URL, data).status_code == 302
    case = Case.objects.exclude(pk=earlier.pk).get()
    assert case.is_repeat and list(case.earlier_items.all()) == [earlier]


def test_linking_an_item_the_user_cannot_see_is_refused(client, county, earlier):
    client.force_login(county.wang)
    html = client.post(URL, form_data(county, earlier_items=[str(earlier.pk)])).content.decode()
    assert "所选的前次信访件不存在或您无权查看" in field_errors(html, "id_earlier_items")
    assert earlier.number not in html
    html = client.post(URL, form_data(county, earlier_numbers=earlier.number)).content.decode()
    assert f"未找到编号为 {earlier.number} 的信访件，或您无权查看" in html
    assert Case.objects.count() == 1


def test_linked_items_survive_a_failed_save(client, county, earlier):
    client.force_login(county.li)
    data = form_data(county, [person("陈大明", phone="12345")], earlier_items=[str(earlier.pk)])
    html = client.post(URL, data).content.decode()
    assert re.search(rf'name="earlier_items" value="{earlier.pk}" checked', html)
    assert earlier.number in html
    assert Case.objects.count() == 1


def test_group_visit_without_representative_refused_with_the_typed_values_kept(client, county):
    client.force_login(county.zhang)
    people = [person("甲"), person("乙")]
    data = form_data(county, people, channel="visit", people_count="8", title="征地补偿款未足额发放")
    resp = client.post(URL, data)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "8人走访属集体访，应推选代表（1至5人）" in html
    assert nothing_written() and 'value="征地补偿款未足额发放"' in html
