"""Hostile and unusual input through the real pages: every one gets a 4xx or the form with a Chinese message,
never a 500 and never a half-written item; Unicode digits are folded or refused, never misread."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests.cases.helpers import D, drive
from tests.workbench.test_register_page import (
    ID_CHEN,
    ITEMS_URL,
    URL,
    field_errors,
    form_data,
    nothing_written,
    person,
)
from xinfang.cases.models import Case, Petitioner
from xinfang.cases.states import Status
from xinfang.cases.validators import normalize_id_number, normalize_phone
from xinfang.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db

FULLWIDTH_ID = "１１０１０５１９４９１２３１００２ｘ"  # ID_CHEN typed with a Chinese input method
SUGGEST = reverse("workbench:suggest")


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 26, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        yield


# --- digits ----------------------------------------------------------------------------------------------


def test_fullwidth_identity_and_phone_numbers_are_folded():
    assert normalize_id_number(FULLWIDTH_ID) == ID_CHEN
    assert normalize_id_number("110105 19491231 002x") == ID_CHEN
    assert normalize_phone("１３８００１３８０００") == "13800138000"
    assert normalize_phone("（０５７１）－１２３４５６７８") == "0571-12345678"
    assert normalize_phone("+86 138 0013 8000") == "13800138000"


@pytest.mark.parametrize(
    "value", ["١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", "11010519491231002²", "11010519491231002\x00"]
)
def test_other_unicode_digits_are_refused_in_identity_numbers(value):
    with pytest.raises(ValidationFailed, match="身份证号码"):
        normalize_id_number(value)


def test_arabic_indic_digits_are_refused_in_phones():
    with pytest.raises(ValidationFailed, match="联系电话格式不正确"):
        normalize_phone("١٣٨٠٠١٣٨٠٠٠")


def test_registration_stores_fullwidth_numbers_as_ascii_and_matches_repeats(client, county, petition):
    earlier = petition()  # stored with ID_CHEN in ASCII
    client.force_login(county.zhang)
    people = [person("陈大明", FULLWIDTH_ID, "１３８ ００１３ ８０００")]
    assert client.post(URL, form_data(county, people=people)).status_code == 302
    p = Petitioner.objects.exclude(case=earlier).get()
    assert (p.id_number, p.phone) == (ID_CHEN, "13800138000")
    found = client.post(ITEMS_URL, {"id_number": FULLWIDTH_ID}).json()["items"]
    assert {i["id"] for i in found} >= {earlier.pk}


@pytest.mark.parametrize("value", ["²", "٣", "１٠"])
def test_people_count_in_other_digits_is_a_form_error(client, county, value):
    client.force_login(county.zhang)
    resp = client.post(URL, form_data(county, people_count=value))
    assert resp.status_code == 200
    assert "阿拉伯数字" in field_errors(resp.content.decode(), "id_people_count")
    assert nothing_written()


def test_fullwidth_people_count_is_read(client, county):
    client.force_login(county.zhang)
    assert client.post(URL, form_data(county, people_count="２")).status_code == 302
    assert Case.objects.get().people_count == 2


@pytest.mark.parametrize("field", ["earlier_items", "main_petitioner"])
def test_superscript_digits_in_hidden_numbers_do_not_break_registration(client, county, field):
    client.force_login(county.zhang)
    resp = client.post(URL, form_data(county, **{field: "²"}))
    if field == "earlier_items":
        assert resp.status_code == 200 and "关联的前次信访件无效" in resp.content.decode()
        assert nothing_written()
    else:
        assert resp.status_code == 302  # an unreadable radio value falls back to the first row
        assert Petitioner.objects.get().is_main


def test_extension_days_in_other_digits_are_a_form_error(client, petition, county):
    case = drive(petition, county, Status.HANDLING)
    client.force_login(county.li_head)
    url = reverse("workbench:case_action", args=[case.pk, "extend"])
    for value in ("²", "٣٠"):
        resp = client.post(url, {"days": value, "reason": "需补充调查", "on": "2026-10-10", "confirm": "on"})
        assert resp.status_code == 200 and "阿拉伯数字" in resp.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.HANDLING


def test_superscript_ids_in_suggestions_and_category_choice(client, petition, county):
    case = petition()
    client.force_login(county.zhang)
    assert client.post(SUGGEST, {"title": "拖欠工资", "category": "²", "problem_place": "³"}).status_code == 200
    resp = client.post(reverse("workbench:case_set_category", args=[case.pk]), {"category": "²"})
    assert resp.status_code == 302
    assert Case.objects.get(pk=case.pk).category is None


def test_list_page_number_in_other_digits(client, county):
    client.force_login(county.zhang)
    assert client.get(reverse("workbench:case_list"), {"page": "²"}).status_code == 200


# --- NUL bytes -------------------------------------------------------------------------------------------


def test_nul_bytes_in_the_person_lookup(client, petition, county):
    petition()
    client.force_login(county.zhang)
    for params in (
        {"id_number": ID_CHEN + "\x00"},
        {"phone": "13800138000", "name": "陈大明\x00"},
        {"name": "\x00"},
    ):
        resp = client.post(ITEMS_URL, params)
        assert resp.status_code == 200, params
    # the NUL is dropped, not matched literally: the person is still found
    assert len(client.post(ITEMS_URL, {"id_number": "\x00" + ID_CHEN}).json()["items"]) == 1


def test_nul_bytes_in_suggestions_search_and_forms(client, petition, county):
    case = petition()
    client.force_login(county.zhang)
    resp = client.post(SUGGEST, {"title": "拖欠\x00工资", "content": "\x00", "id_number": "\x00", "phone": "\x00"})
    assert resp.status_code == 200
    assert client.get(reverse("workbench:case_list"), {"q": "陈\x00"}).status_code == 200
    resp = client.post(URL, form_data(county, title="拖欠\x00工资"))
    assert resp.status_code == 200 and "空字符" in resp.content.decode()
    assert Case.objects.count() == 1
    url = reverse("workbench:case_action", args=[case.pk, "file"])
    resp = client.post(url, {"reason": "咨询\x00", "on": "2026-11-26", "confirm": "on"})
    assert resp.status_code == 200 and Case.objects.get(pk=case.pk).status == Status.ROUTING


# --- lengths ---------------------------------------------------------------------------------------------


def test_signer_longer_than_its_column_is_a_form_error(client, petition, county):
    case = drive(petition, county, Status.REPLIED)
    client.force_login(county.li)
    data = {"on": "2026-10-22", "method": "in_person", "signer": "陈" * 61, "confirm": "on"}
    resp = client.post(reverse("workbench:case_action", args=[case.pk, "deliver"]), data)
    assert resp.status_code == 200 and "不能超过 60 个字" in resp.content.decode()
    case.refresh_from_db()
    assert case.status == Status.REPLIED and case.documents.get(kind="reply").delivered_on is None


# --- personal data stays out of URLs ----------------------------------------------------------------------


def test_lookups_refuse_get(client, petition, county):
    client.force_login(county.zhang)
    assert client.get(ITEMS_URL, {"id_number": ID_CHEN}).status_code == 405
    assert client.get(SUGGEST, {"title": "拖欠工资", "id_number": ID_CHEN}).status_code == 405


def test_lookups_need_the_csrf_token(county):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(county.zhang)
    assert browser.post(ITEMS_URL, {"id_number": ID_CHEN}).status_code == 403
    assert browser.post(SUGGEST, {"title": "拖欠工资"}).status_code == 403


def test_long_petition_text_fits_in_a_suggestion_request(client, petition, county):
    first = petition()
    client.force_login(county.zhang)
    data = client.post(SUGGEST, {"title": first.title, "content": first.content * 40}).json()
    assert data["empty_text"] == "暂无建议"


def test_page_scripts_post_their_lookups(client, county):
    from django.contrib.staticfiles import finders

    register_js = open(finders.find("workbench/register.js"), encoding="utf-8").read()  # noqa: SIM115
    intel_js = open(finders.find("workbench/intel.js"), encoding="utf-8").read()  # noqa: SIM115
    assert 'method: "POST"' in register_js and 'lookupUrl + "?"' not in register_js
    assert 'options.method = "POST"' in intel_js and 'intelUrl + "?"' not in intel_js


def test_service_still_refuses_a_received_on_before_2005(petition):
    with pytest.raises(ValidationFailed, match="2005-05-01"):
        petition(received_on=D(2004, 12, 31))


# --- double submission and files left behind ---------------------------------------------------------------


def token_of(html: str) -> str:
    import re

    match = re.search(r'name="submission_token" value="([^"]+)"', html)
    assert match, "the registration form carries a one-time token"
    return match.group(1)


def stored_files() -> list[str]:
    from django.core.files.storage import default_storage

    found = []
    if not default_storage.exists("attachments"):
        return found
    for folder in default_storage.listdir("attachments")[0]:
        found += default_storage.listdir(f"attachments/{folder}")[1]
    return found


def test_a_resubmitted_registration_creates_one_item(client, county):
    client.force_login(county.zhang)
    token = token_of(client.get(URL).content.decode())
    assert token != token_of(client.get(URL).content.decode())  # a new token for each blank form
    data = form_data(county, submission_token=token)
    first = client.post(URL, data)
    again = client.post(URL, data)  # the browser retries, or the button was clicked twice
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Case.objects.count() == 1 and Petitioner.objects.count() == 1


def test_a_form_returned_with_errors_keeps_its_token_and_registers_once(client, county):
    client.force_login(county.zhang)
    token = token_of(client.get(URL).content.decode())
    bad = client.post(URL, form_data(county, title="", submission_token=token))
    assert bad.status_code == 200 and token_of(bad.content.decode()) == token
    assert client.post(URL, form_data(county, submission_token=token)).status_code == 302
    assert client.post(URL, form_data(county, submission_token=token)).status_code == 302
    assert Case.objects.count() == 1


def test_another_users_token_registers_nothing(client, county):
    client.force_login(county.zhang)
    token = token_of(client.get(URL).content.decode())
    client.post(URL, form_data(county, submission_token=token))
    client.force_login(county.li)
    resp = client.post(URL, form_data(county, submission_token=token))
    assert resp.status_code == 200 and "登记表单已失效" in resp.content.decode()
    assert Case.objects.count() == 1


def test_two_submissions_at_the_same_moment_create_one_item(petition, county, monkeypatch):
    # Both requests pass the look-up before either commits; the unique token decides, and the loser
    # returns the winner's item and leaves none of its files behind.
    from xinfang.cases import services

    before = set(stored_files())  # the test storage lives as long as the test process
    first = petition(submission_token="t" * 43, attachments=[services.UploadInput("a.pdf", b"%PDF-1.4 x")])
    real = services._registered_with
    calls = []

    def racing(token, actor):
        calls.append(token)
        return None if len(calls) == 1 else real(token, actor)

    monkeypatch.setattr(services, "_registered_with", racing)
    second = petition(submission_token="t" * 43, attachments=[services.UploadInput("b.pdf", b"%PDF-1.4 y")])
    assert second.pk == first.pk and len(calls) == 2
    assert Case.objects.count() == 1
    assert len(set(stored_files()) - before) == 1


def test_a_failed_attachment_leaves_no_file(petition, county, monkeypatch):
    from django.db import DatabaseError

    from xinfang.cases import services
    from xinfang.cases.models import Attachment

    case = petition()
    before = set(stored_files())  # the test storage lives as long as the test process

    def broken_save(self, *args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(Attachment, "save", broken_save)
    with pytest.raises(DatabaseError):
        services.case_add_attachment(case=case, actor=county.zhang, upload=services.UploadInput("证据.pdf", b"%PDF-1.4"))
    with pytest.raises(DatabaseError):
        petition(attachments=[services.UploadInput("a.pdf", b"%PDF-1.4 x")])
    assert set(stored_files()) == before
    assert Case.objects.count() == 1


@pytest.mark.postgres
def test_two_app_servers_receiving_the_same_form_register_once(transactional_db, county):
    """PostgreSQL: the same form posted to two servers at the same moment. Both pass the look-up; the unique
    token makes the second insert wait for the first and then return the first item."""
    import threading

    from django.db import connection, connections

    from xinfang.cases import services

    if connection.vendor != "postgresql":
        pytest.skip("并发测试需要 PostgreSQL")

    def register():
        data = services.RegistrationInput(
            channel="letter", received_on=D(2026, 11, 25), title="东街村道路硬化工程拖欠工人工资",
            content="工程结束半年仍未结清工资共计3万元，请求督促支付。", claim_type="appeal", purpose="request",
            petitioners=[services.PetitionerInput(name="陈大明", id_number=ID_CHEN)], submission_token="same" * 10,
        )
        return services.case_register(actor=county.zhang, unit=county.bureau, data=data)

    barrier = threading.Barrier(2)
    results: list = [None, None]

    def run(i):
        try:
            barrier.wait()
            results[i] = register().pk
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results[0] == results[1] and isinstance(results[0], int), results
    assert Case.objects.count() == 1
