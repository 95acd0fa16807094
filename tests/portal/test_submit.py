"""网上信访 (/portal/submit/): a petitioner submits without an account; the item lands in the 县信访局's queue with
channel 网上 like any other registration; every refusal says why in Chinese and stores nothing; uploads are
judged by their content; submissions are limited per phone and per address; a double submit registers once;
the system account that registers online items cannot sign in or see anything."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
import time_machine
from captcha.models import CaptchaStore
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from xinfang.cases import online
from xinfang.cases import services as s
from xinfang.cases.models import Attachment, Case, CaseEvent, Petitioner, SubmissionToken
from xinfang.cases.selectors import cases_visible_to, queue_for
from xinfang.cases.states import Status
from xinfang.orgs import policies
from xinfang.orgs.models import Grant, User
from xinfang.orgs.permissions import ONLINE_INTAKE_ROLE, Perm

pytestmark = pytest.mark.django_db
SUBMIT, RECEIPT, QUERY = "/portal/submit/", "/portal/submit/receipt/", "/portal/"

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 64 + b"This program cannot be run in DOS mode"


def docx(members: dict[str, bytes] | None = None, content_types: bytes = b'<?xml version="1.0"?><Types/>') -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", content_types)
        z.writestr("word/document.xml", b'<?xml version="1.0"?><w:document/>')
        for name, content in (members or {}).items():
            z.writestr(name, content)
    return buffer.getvalue()


EXTERNAL_TEMPLATE = (
    b'<Relationships><Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/attachedTemplate" Target="http://example.invalid/t.dotm" TargetMode="External"/></Relationships>'
)


@pytest.fixture(autouse=True)
def _clean(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    cache.clear()
    # Friday 2026-10-23, 10:00 in the county.
    with time_machine.travel(dt.datetime(2026, 10, 23, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        yield
    cache.clear()


def blank_form(client) -> tuple[str, str, str]:
    """A fresh form: its challenge key, the expected answer (read where the server keeps it) and its token."""
    page = client.get(SUBMIT).content.decode()
    key = re.search(r'name="challenge_0" value="([0-9a-f]+)"', page).group(1)
    token = re.search(r'name="submission_token" value="([^"]+)"', page).group(1)
    return key, CaptchaStore.objects.get(hashkey=key).response, token


def fields(county, **overrides):
    data = {
        "claim": "request",
        "title": "东街村道路硬化工程拖欠工人工资",
        "content": "本人在东街村道路硬化工程务工，工程结束半年仍未结清工资共计3万元，请求督促支付。",
        "problem_place": str(county.village.pk),
        "problem_address": "东街村三组村道",
        "name": "陈大明",
        "phone": "139 0013 9000",
        "address": "东街村三组12号",
        "email": "chen@example.com",
        "promise": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def send(client, county, *, files=(), answer=None, addr="10.1.1.1", form=None, **overrides):
    key, expected, token = form or blank_form(client)
    data = fields(county, **overrides)
    data.update(challenge_0=key, challenge_1=expected if answer is None else answer, submission_token=token)
    if files:
        data["attachments"] = [SimpleUploadedFile(name, content) for name, content in files]
    return client.post(SUBMIT, data, REMOTE_ADDR=addr)


def stored_files() -> list[str]:
    if not default_storage.exists("attachments"):
        return []
    found = []
    for folder in default_storage.listdir("attachments")[0]:
        found += default_storage.listdir(f"attachments/{folder}")[1]
    return found


def assert_nothing_stored() -> None:
    assert Case.objects.count() == 0
    assert Petitioner.objects.count() == 0 and Attachment.objects.count() == 0
    assert SubmissionToken.objects.count() == 0 and CaseEvent.objects.count() == 0
    assert stored_files() == []


def _cn(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# --- the happy path ----------------------------------------------------------------------------------------------


def test_a_submission_lands_in_the_bureau_queue_as_an_online_item(client, county):
    resp = send(client, county, files=[("欠条.pdf", PDF), ("工地照片.jpg", JPEG)])
    assert resp.status_code == 302 and resp["Location"] == RECEIPT
    case = Case.objects.get()
    assert case.channel == "online" and case.get_channel_display() == "网上"
    assert case.registering_unit == county.bureau and case.current_unit == county.bureau
    assert case.status == Status.ROUTING and case.due_rule == "bureau_routing"
    assert (case.claim_type, case.purpose, case.problem_place) == ("appeal", "request", county.village)
    assert case.received_on == dt.date(2026, 10, 23)
    person = case.petitioners.get()
    assert (person.name, person.phone, person.address, person.email, person.is_main) == (
        "陈大明", "13900139000", "东街村三组12号", "chen@example.com", True)
    assert case.registered_by.username == online.ONLINE_USERNAME
    assert sorted(a.original_name for a in case.attachments.all()) == ["工地照片.jpg", "欠条.pdf"]
    assert len(stored_files()) == 2
    # In the registrar's queue like any other channel; the history says who registered it.
    assert case.pk in [row.case.pk for row in queue_for(county.zhang).others]
    assert case.events.get().data["channel"] == "online"

    receipt = client.get(RECEIPT)
    page = receipt.content.decode()
    assert receipt.status_code == 200
    assert case.number in page and case.query_code in page
    # What happens next, with the date the deadline engine computed and the periods of the rules in force.
    from xinfang.deadlines.services import get_rule

    assert f"县信访局应在{_cn(case.due_on)}" in page
    assert f"应在{get_rule('acceptance_notice', case.received_on).days}自然日内书面告知您是否受理" in page
    assert "手机号码的后四位" in page
    # Reloading the receipt registers nothing.
    assert client.get(RECEIPT).status_code == 200 and Case.objects.count() == 1


def test_the_receipts_query_code_opens_the_item(client, county):
    send(client, county)
    case = Case.objects.get()
    code = re.search(r'data-testid="query-code">([^<]+)<', client.get(RECEIPT).content.decode()).group(1)
    # A random code of at least 10 characters, without characters read alike (0/O, 1/I).
    assert code == case.query_code and len(code) >= 10 and not set(code) & set("0O1I")
    resp = client.post(QUERY, {"code": code.lower(), "phone_last4": "9000"})
    assert resp.status_code == 302 and resp["Location"] == "/portal/case/"
    assert case.number in client.get("/portal/case/").content.decode()
    assert len({s._new_query_code() for _ in range(200)}) == 200


def test_the_online_item_gets_the_same_repeat_suggestions(client, county, petition):
    earlier = petition(petitioners=[s.PetitionerInput(name="陈大明", phone="13900139000")])
    send(client, county)
    online_item = Case.objects.exclude(pk=earlier.pk).get()
    client.force_login(county.zhang)
    hints = client.get(f"/cases/{online_item.pk}/suggestions/").json()["repeats"]
    assert [h["number"] for h in hints][:1] == [earlier.number]
    assert hints[0]["reason"] == "联系电话相同"


def test_an_anonymous_accusation_is_registered_and_kept_confidential(client, county):
    resp = send(client, county, claim="accusation", anonymous="on", name="", address="", phone="", email="",
                title="检举某单位工作人员违规发放补贴", accused_person="某科长")
    assert resp.status_code == 302
    case = Case.objects.get()
    assert case.is_accusation and case.purpose == "expose" and case.is_confidential
    # Nothing protects the accuser until the accused unit is known: the item can go nowhere before that.
    assert case.accused_unit is None and case.accused_unit_unknown and case.accused_person == "某科长"
    person = case.petitioners.get()
    assert (person.name, person.phone, person.address, person.id_number) == ("匿名", "", "", "")
    assert case.current_unit == county.bureau
    page = client.get(RECEIPT).content.decode()
    assert case.query_code in page
    assert "您没有留下手机号码，无法在网上查询办理进展" in page
    assert "不会向您书面告知是否受理" in page and "不能申请复查、复核" in page


def test_a_named_accusation_names_the_accused_unit_and_hides_the_typed_identity_fields(client, county):
    resp = send(client, county, claim="accusation", accused_unit=str(county.town.pk), title="检举东街镇违规发放补贴")
    assert resp.status_code == 302
    case = Case.objects.get()
    assert case.accused_unit == county.town and not case.accused_unit_unknown and case.is_confidential
    assert case.petitioners.get().name == "陈大明"


def test_an_accusation_against_the_bureau_itself_goes_to_the_discipline_organ_at_once(client, county):
    resp = send(client, county, claim="accusation", accused_unit=str(county.bureau.pk), title="检举县信访局工作人员")
    assert resp.status_code == 302
    case = Case.objects.get()
    assert case.registering_unit == county.bureau and case.current_unit == county.discipline
    assert case.pk not in [row.case.pk for row in queue_for(county.zhang).others]
    page = client.get(RECEIPT).content.decode()
    # The receipt names no unit of an accusation; the deadline is the organ's acceptance notice.
    assert "有权处理的机关应在" in page and "县纪委监委" not in page and "县信访局应在" not in page


def test_the_form_explains_privacy_the_confidentiality_promise_and_anonymity(client, county):
    page = client.get(SUBMIT).content.decode()
    for words in ("个人信息保护说明", "保密承诺", "不得打击报复检举控告人", "匿名意味着什么", "不能对处理结果申请复查、复核",
                  "《信访工作条例》第十九条", "看不清？换一张", 'alt="验证码图片'):
        assert words in page, words
    assert "<script" not in page
    assert len(page.encode()) < 100_000


# --- refusals store nothing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"claim": None}, "请选择诉求类型"),
        ({"claim": "consult"}, "请选择列出的诉求类型"),
        ({"title": ""}, "请填写标题"),
        ({"content": "欠薪"}, "至少 10 字"),
        ({"content": "字" * 5001}, "最多 5000 字"),
        ({"name": ""}, "请填写真实姓名"),
        ({"phone": ""}, "请填写联系电话"),
        ({"phone": "12345"}, "联系电话格式不正确"),
        ({"address": ""}, "请填写住址"),
        ({"id_number": "110105194912310021"}, "身份证号码校验位不正确"),
        ({"email": "chen@"}, "电子邮箱格式不正确"),
        ({"promise": None}, "请确认所反映的情况真实"),
        ({"problem_place": "999999"}, "请从列出的地方中选择"),
        # 匿名 is for accusations only: the box is ignored for other types, and then the name is missing.
        ({"anonymous": "on", "name": ""}, "请填写真实姓名"),
    ],
)
def test_every_invalid_field_is_refused_in_chinese_and_nothing_is_stored(client, county, overrides, message):
    resp = send(client, county, files=[("欠条.pdf", PDF)], **overrides)
    assert resp.status_code == 400
    page = resp.content.decode()
    assert message in page and "提交没有成功" in page
    assert "附件没有保存，请重新选择" in page
    assert_nothing_stored()
    # What was typed is kept (except the field at fault); the challenge is new.
    assert "东街村三组12号" in page or overrides.get("address") == ""


def test_the_service_refuses_what_the_form_would_and_writes_nothing(county):
    data = online.OnlinePetition(claim="suggestion", title="建议", content="建议增加公交线路班次，方便群众出行。",
                                 anonymous=True, attachments=[s.UploadInput("a.pdf", PDF)])
    with pytest.raises(s.ValidationFailed) as err:
        online.case_register_online(data=data)
    assert "只有检举控告可以匿名提出" in str(err.value)
    assert_nothing_stored()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("照片.jpg", EXE, "实际是Windows 可执行程序"),
        ("起诉状.pdf", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "实际是网页（HTML）文件"),
        ("说明.txt", b"#!/bin/sh\nrm -rf ~\n", "实际是脚本"),
        ("图.png", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "SVG"),
        ("照片.exe.jpg", JPEG, "双重扩展名（.exe）"),
        ("gpj.exe", EXE, "类型不支持"),
        ("证据.pdf", JPEG, "内容与扩展名 .pdf 不符"),
        ("材料.pdf", b"%PDF-1.4\n1 0 obj<</OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj", "含有脚本"),
        ("材料2.pdf", b"%PDF-1.4\n1 0 obj<</S/J#61vaScript/JS(x)>>endobj", "含有脚本"),
        ("合同.docx", docx({"word/vbaProject.bin": b"\x00" * 10}), "含有宏"),
        ("合同2.docx", docx(content_types=b"<Types><Default ContentType='application/vnd.ms-word.document.macroEnabled.main+xml'/></Types>"),
         "含有宏"),
        ("合同3.docx", docx({"word/_rels/settings.xml.rels": EXTERNAL_TEMPLATE}), "引用了外部模板"),
        ("合同4.docx", docx({"word/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0"}), "嵌入的程序对象"),
        ("空壳.docx", b"PK\x03\x04" + b"\x00" * 40, "不是有效的 Word"),
        ("旧文档.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64 + "Macros\x00".encode("utf-16-le"), "含有宏"),
        ("空.pdf", b"", "空文件"),
    ],
)
def test_disguised_and_dangerous_attachments_are_refused(client, county, name, content, message):
    resp = send(client, county, files=[("欠条.pdf", PDF), (name, content)])
    assert resp.status_code == 400
    assert message in resp.content.decode()
    assert_nothing_stored()


def test_a_name_that_reads_backwards_is_refused():
    # Browsers send the name as the device shows it; U+202E makes «报告\u202egpj.exe» read «报告exe.jpg».
    with pytest.raises(s.ValidationFailed, match="特殊字符"):
        online.check_public_upload("报告\u202egpj.pdf", PDF)


def test_a_plain_docx_and_a_text_file_are_accepted(client, county):
    resp = send(client, county, files=[("申请书.docx", docx()), ("说明.txt", "情况说明：工资未结清。".encode("gb18030"))])
    assert resp.status_code == 302
    assert sorted(a.content_type for a in Attachment.objects.all()) == [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "text/plain"]


def test_six_attachments_are_refused(client, county):
    resp = send(client, county, files=[(f"材料{i}.pdf", PDF) for i in range(6)])
    assert resp.status_code == 400
    assert "最多上传 5 个附件（您选择了 6 个）" in resp.content.decode()
    assert_nothing_stored()


def test_size_limits_per_file_and_in_total(client, county, settings):
    settings.XINFANG_PORTAL_ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024
    big = PDF + b"0" * (2 * 1024 * 1024)
    resp = send(client, county, files=[("扫描件.pdf", big)])
    assert resp.status_code == 400 and "超过上限 2 MB" in resp.content.decode()
    settings.XINFANG_PORTAL_ATTACHMENTS_TOTAL_BYTES = 3 * 1024 * 1024
    half = PDF + b"0" * (1536 * 1024)
    resp = send(client, county, files=[("一.pdf", half), ("二.pdf", half), ("三.pdf", PDF)])
    assert resp.status_code == 400 and "附件合计 3.0 MB，超过上限 3 MB" in resp.content.decode()
    # A request far above the cap is refused before any file is looked at.
    settings.XINFANG_PORTAL_ATTACHMENTS_TOTAL_BYTES = 0
    resp = send(client, county, files=[("大.pdf", PDF + b"0" * (1100 * 1024))])
    assert resp.status_code == 413 and "附件合计不能超过 0 MB" in resp.content.decode()
    assert_nothing_stored()


# --- the challenge -------------------------------------------------------------------------------------------------


def test_a_wrong_challenge_answer_is_refused_and_burns_the_challenge(client, county):
    form = blank_form(client)
    resp = send(client, county, form=form, answer="ZZZZ")
    assert resp.status_code == 400
    assert "验证码不正确或已过期，请输入新图片中的字符" in resp.content.decode()
    assert_nothing_stored()
    # The same challenge cannot be tried again, not even with its right answer.
    assert send(client, county, form=form).status_code == 400
    assert_nothing_stored()
    # An empty answer is refused too.
    resp = send(client, county, answer="")
    assert resp.status_code == 400 and "请输入图片中的 4 个字符" in resp.content.decode()


def test_the_challenge_image_is_served_without_login_and_can_be_replaced(client, county):
    key, _, token = blank_form(client)
    image = client.get(f"/portal/submit/challenge/{key}.png")
    assert image.status_code == 200 and image["Content-Type"] == "image/png" and image.content[:4] == b"\x89PNG"
    assert client.get("/portal/submit/challenge/nosuchkey.png").status_code == 410
    # 换一张 without a script: the form comes back with what was typed and a new challenge; nothing stored.
    resp = client.post(SUBMIT, {**fields(county), "challenge_0": key, "challenge_1": "", "submission_token": token,
                                "new_challenge": "1"})
    page = resp.content.decode()
    assert resp.status_code == 200 and "已换一张验证码图片" in page and "东街村三组12号" in page
    assert f'value="{key}"' not in page and token in page
    assert "提交没有成功" not in page
    assert_nothing_stored()


def test_repeated_wrong_answers_from_one_address_are_throttled(client, county, settings):
    settings.XINFANG_PORTAL_CHALLENGE_FAILURES = 3
    for _ in range(3):
        assert send(client, county, answer="ZZZZ").status_code == 400
    resp = send(client, county)
    assert resp.status_code == 429 and "验证码输入错误次数过多，请于今天 10:15 后再试" in resp.content.decode()
    assert send(client, county, addr="10.9.9.9").status_code == 302


# --- limits --------------------------------------------------------------------------------------------------------


def test_submissions_are_limited_per_phone(client, county, settings):
    settings.XINFANG_PORTAL_SUBMITS_PER_PHONE = 2
    assert send(client, county, addr="10.0.0.1").status_code == 302
    assert send(client, county, addr="10.0.0.2", phone="13900139000").status_code == 302
    resp = send(client, county, addr="10.0.0.3")
    page = resp.content.decode()
    assert resp.status_code == 429 and int(resp["Retry-After"]) == 24 * 3600
    assert "同一手机号 24 小时内最多提交 2 件信访事项，请于明天 10:00 后再试" in page
    assert "东街村三组12号" in page  # what was typed is not lost
    assert Case.objects.count() == 2
    assert send(client, county, addr="10.0.0.4", phone="13700137000").status_code == 302


def test_submissions_are_limited_per_address(client, county, settings):
    settings.XINFANG_PORTAL_SUBMITS_PER_ADDRESS = 2
    assert send(client, county, phone="13700137001").status_code == 302
    assert send(client, county, phone="13700137002").status_code == 302
    resp = send(client, county, phone="13700137003")
    assert resp.status_code == 429 and "Retry-After" in resp
    assert "同一网络每 60 分钟最多提交 2 件，请于今天 11:00 后再试" in resp.content.decode()
    assert Case.objects.count() == 2
    with time_machine.travel(dt.datetime(2026, 10, 23, 11, 1, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        assert send(client, county, phone="13700137003").status_code == 302


def test_the_address_behind_the_trusted_proxy_is_the_one_counted(client, county, settings):
    settings.XINFANG_PORTAL_SUBMITS_PER_ADDRESS = 1
    settings.XINFANG_TRUSTED_PROXY_COUNT = 1
    key, answer, token = blank_form(client)
    data = {**fields(county, phone="13700137001"), "challenge_0": key, "challenge_1": answer, "submission_token": token}
    assert client.post(SUBMIT, data, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 302
    key, answer, token = blank_form(client)
    data = {**fields(county, phone="13700137002"), "challenge_0": key, "challenge_1": answer, "submission_token": token}
    # Another visitor behind the same proxy is not blocked by the first one.
    assert client.post(SUBMIT, data, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 302


# --- a double submit ----------------------------------------------------------------------------------------------


def test_a_double_submit_registers_one_item(client, county):
    form = blank_form(client)
    first = send(client, county, form=form, files=[("欠条.pdf", PDF)])
    # The second click carries the same form: its challenge is spent, its token finds the first item.
    again = send(client, county, form=form, files=[("欠条.pdf", PDF)])
    assert first.status_code == again.status_code == 302 and again["Location"] == RECEIPT
    assert Case.objects.count() == 1 and Attachment.objects.count() == 1 and len(stored_files()) == 1
    assert Case.objects.get().number in client.get(RECEIPT).content.decode()


def test_the_service_returns_the_first_item_for_the_same_token(county):
    data = online.OnlinePetition(claim="suggestion", title="增加公交班次", content="建议增加城关至东街镇的公交班次。",
                                 name="陈大明", phone="13900139000", address="东街村三组12号", submission_token="t" * 40)
    first = online.case_register_online(data=data)
    again = online.case_register_online(data=data)
    assert first.created and not again.created and first.case.pk == again.case.pk
    assert Case.objects.count() == 1


def test_the_receipt_needs_the_session_that_submitted(client, county):
    send(client, county)
    from django.test import Client

    assert Client().get(RECEIPT)["Location"] == SUBMIT
    client.post("/portal/submit/receipt/close/")
    assert client.get(RECEIPT)["Location"] == SUBMIT


# --- the system account ---------------------------------------------------------------------------------------------


def signs_in(client, password: str) -> bool:
    resp = client.post("/login/", {"username": online.ONLINE_USERNAME, "password": password})
    return resp.status_code == 302 or "_auth_user_id" in client.session


def test_the_system_account_cannot_sign_in_or_see_anything(client, county):
    send(client, county)
    account = User.objects.get(username=online.ONLINE_USERNAME)
    assert account.is_active and not account.is_staff and not account.is_superuser
    assert not account.has_usable_password() and account.unit is None
    assert list(Grant.objects.filter(user=account).values_list("role", "unit")) == [(ONLINE_INTAKE_ROLE, county.bureau.pk)]
    for password in ("", "!", account.password, "xinfang-demo-2026"):
        assert not signs_in(client, password)
    # It may register at the receiving unit and nothing else: no item, no list, no personal data.
    assert policies.can(account, Perm.REGISTER, county.bureau)
    for perm in (Perm.VIEW, Perm.ROUTE, Perm.ADMINISTER, Perm.VIEW_ACCESS_LOG):
        assert not policies.granted_paths(account, perm)
    assert not cases_visible_to(account).exists()
    # Even a session forced onto it opens nothing.
    client.force_login(account)
    assert client.get(f"/cases/{Case.objects.get().pk}/").status_code == 404


def test_an_altered_system_account_is_restored_on_its_next_use(client, county):
    send(client, county)
    account = User.objects.get(username=online.ONLINE_USERNAME)
    account.set_password("guessable-1")
    account.is_staff = True
    account.save()
    from xinfang.orgs.permissions import Role
    from xinfang.orgs.services import grant_role

    grant_role(user=account, role=Role.REGISTRAR, unit=county.county)
    from django.test import Client

    mistaken = Client()
    assert signs_in(mistaken, "guessable-1")  # what the mistake allows until the account's next use
    send(client, county, phone="13700137000", addr="10.2.2.2")
    account.refresh_from_db()
    assert not account.has_usable_password() and not account.is_staff
    assert list(Grant.objects.filter(user=account).values_list("role", flat=True)) == [ONLINE_INTAKE_ROLE]
    assert not signs_in(Client(), "guessable-1")
    # The session opened meanwhile ends with the password it was opened with.
    assert mistaken.get("/").status_code == 302


# --- closed ------------------------------------------------------------------------------------------------------


def test_the_form_is_closed_without_a_receiving_bureau(client, db, settings):
    resp = client.get(SUBMIT)
    assert resp.status_code == 503 and "网上信访暂未开通" in resp.content.decode()


def test_the_form_can_be_switched_off_or_pointed_at_a_unit(client, county, settings):
    settings.XINFANG_ONLINE_OPEN = False
    assert client.get(SUBMIT).status_code == 503
    settings.XINFANG_ONLINE_OPEN = True
    settings.XINFANG_ONLINE_UNIT_CODE = "NOPE"
    assert client.get(SUBMIT).status_code == 503
    settings.XINFANG_ONLINE_UNIT_CODE = "XFJ"
    assert client.get(SUBMIT).status_code == 200
