"""An item's issued documents on the workbench: the 「文书」 panel, the .docx download and the print view, with
the real renderer, through the real pages, for each persona."""

from __future__ import annotations

import datetime as dt
import hashlib
from urllib.parse import quote

import pytest
import time_machine
from django.urls import reverse

from tests.cases import helpers
from tests.cases.helpers import D, drive
from xinfang.cases import services as s
from xinfang.cases.models import PersonalDataAccess
from xinfang.cases.states import Status
from xinfang.documents import selectors
from xinfang.documents import services as ds
from xinfang.documents.models import DocumentKind as K
from xinfang.orgs.permissions import Role
from xinfang.orgs.services import user_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    # 12-10: a reply delivered today leaves the 复查 window running into 2027, whose schedule is not loaded.
    with time_machine.travel(dt.datetime(2026, 12, 10, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        yield


@pytest.fixture(autouse=True)
def _fresh_storage(settings):
    """A new in-memory storage per test (item numbers, hence file names, repeat from test to test)."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}


@pytest.fixture
def issued(petition, county):
    """A delivered reply with its documents: 受理告知书 (issued by 受理), 处理意见书 v1 (issued by 出具意见) corrected
    by v2, which is delivered today, and its 送达回证."""
    county.town.doc_prefix = "东政信"
    county.town.save()
    case = drive(petition, county, Status.REPLIED)
    notice = case.documents.get(kind=K.ACCEPTANCE_NOTICE)
    first = case.documents.get(kind=K.REPLY)
    second = ds.document_correct(document=first, actor=county.li, reason="诉求事项表述有误")
    second = ds.document_record_delivery(document=second, actor=county.li, delivered_on=D(2026, 12, 10),
                                         method="in_person", signer="陈大明")
    receipt = ds.document_issue(case=case, kind=K.DELIVERY_RECEIPT, actor=county.li,
                                extra=selectors.receipt_extra(second, deliverer="李承办"))
    case.refresh_from_db()
    assert case.status == Status.DELIVERED  # the reply's delivery was the workflow's 送达
    return case, {"notice": notice, "first": first, "second": second, "receipt": receipt}


def detail(case):
    return reverse("workbench:case_detail", args=[case.pk])


def download(case, doc):
    return reverse("workbench:document", args=[case.pk, doc.pk])


def printing(case, doc):
    return reverse("workbench:document_print", args=[case.pk, doc.pk])


def logged(user, purpose):
    return PersonalDataAccess.objects.filter(user=user, purpose=purpose).count()


def test_urls_are_the_documented_ones(issued):
    case, docs = issued
    doc = docs["notice"]
    assert download(case, doc) == f"/cases/{case.pk}/documents/{doc.pk}.docx"
    assert printing(case, doc) == f"/cases/{case.pk}/documents/{doc.pk}/print/"


def test_panel_lists_every_version_with_correction_delivery_and_provisional_remedy(client, county, issued):
    case, docs = issued
    client.force_login(county.li)
    html = client.get(detail(case)).content.decode()
    panel = html.split('id="h-docs"')[1].split('id="h-timeline"')[0]
    first, second = docs["first"], docs["second"]
    assert "受理告知书" in panel and docs["notice"].number in panel
    assert "信访处理意见书" in panel and "送达回证" in panel
    # both versions of the corrected reply stay listed; the old one is marked, with the reason
    old_row = panel.split(f'id="document-{first.pk}"')[1].split("</tr>")[0]
    new_row = panel.split(f'id="document-{second.pk}"')[1].split("</tr>")[0]
    assert first.number == second.number and first.number in old_row and first.number in new_row
    assert "第1版" in old_row and "已更正" in old_row and "诉求事项表述有误" in old_row
    assert "第2版" in new_row and "已更正" not in new_row and "更正原因：诉求事项表述有误" in new_row
    assert "待送达" in old_row and "2026-10-20" in old_row
    # delivered 12-10 in person: the 复查 window (30 days) ends in 2027, whose schedule is not loaded
    assert "2026-12-10 直接送达" in new_row
    assert second.remedy_provisional and second.remedy_last_day.year == 2027
    assert f"{second.remedy_last_day:%Y-%m-%d}" in new_row and "暂定（2027年放假安排尚未录入）" in new_row
    for doc in docs.values():
        assert f'href="{download(case, doc)}">下载 .docx' in panel
        assert f'href="{printing(case, doc)}"' in panel
    # the timeline's 签发/更正 rows link to their documents
    timeline = html.split('id="h-timeline"')[1]
    assert f'href="{printing(case, first)}" data-timeline-document="{first.pk}"' in timeline
    assert f'href="{printing(case, second)}" data-timeline-document="{second.pk}"' in timeline
    assert f'data-timeline-document="{docs["receipt"].pk}"' in timeline


def test_download_returns_the_stored_file_named_by_its_number(client, county, issued):
    case, docs = issued
    client.force_login(county.li)
    for doc in docs.values():
        resp = client.get(download(case, doc))
        assert resp.status_code == 200
        assert hashlib.sha256(resp.content).hexdigest() == doc.sha256 and len(resp.content) == doc.size
        assert resp["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        assert "no-store" in resp["Cache-Control"]
    resp = client.get(download(case, docs["second"]))
    assert resp["Content-Disposition"] == "attachment; filename*=utf-8''" + quote(
        f"{docs['second'].number}-第2版.docx"
    )
    assert docs["notice"].number.startswith("东政信受〔2026〕")
    resp = client.get(download(case, docs["notice"]))
    assert resp["Content-Disposition"] == "attachment; filename*=utf-8''" + quote(f"{docs['notice'].number}.docx")
    resp = client.get(download(case, docs["receipt"]))  # a receipt has no number of its own
    assert quote(f"送达回证-{docs['receipt'].pk}.docx") in resp["Content-Disposition"]


def test_print_view_shows_the_issued_file_with_a_print_button_and_no_inline_script(client, county, issued):
    case, docs = issued
    client.force_login(county.li)
    resp = client.get(printing(case, docs["second"]))
    assert resp.status_code == 200 and "no-store" in resp["Cache-Control"]
    html = resp.content.decode()
    assert docs["second"].number in html and "陈大明" in html and "信访处理意见书" in html
    assert '<button type="button" data-print>打印</button>' in html
    assert "documents/print.css" in html and "documents/print.js" in html
    # every script is a file of this site (CSP script-src 'self'), none is written into the page
    assert html.count("<script") == html.count("<script src=")
    assert "script-src 'self'" in resp["Content-Security-Policy"]
    receipt = client.get(printing(case, docs["receipt"])).content.decode()
    assert "<th>受送达人</th><td>陈大明</td>" in receipt


def test_each_download_and_print_writes_one_access_log_row(client, county, issued):
    case, docs = issued
    client.force_login(county.li)
    client.get(download(case, docs["notice"]))
    assert logged(county.li, "下载文书") == 1 and logged(county.li, "打印文书") == 0
    client.get(printing(case, docs["notice"]))
    client.get(printing(case, docs["receipt"]))
    assert logged(county.li, "下载文书") == 1 and logged(county.li, "打印文书") == 2
    row = PersonalDataAccess.objects.filter(user=county.li, purpose="下载文书").get()
    assert row.case_id == case.pk and docs["notice"].number in row.detail


def test_other_unit_gets_404_everywhere_and_nothing_is_logged(client, county, issued):
    case, docs = issued
    client.force_login(county.wang)
    assert client.get(detail(case)).status_code == 404
    for doc in docs.values():
        assert client.get(download(case, doc)).status_code == 404
        assert client.get(printing(case, doc)).status_code == 404
    assert not PersonalDataAccess.objects.filter(user=county.wang).exists()


def test_a_document_of_another_item_is_404(client, petition, county, issued):
    case, docs = issued
    other = petition(title="另一件")
    client.force_login(county.zhang)  # the registrar sees both items
    assert client.get(detail(other)).status_code == 200
    for doc in docs.values():
        assert client.get(download(other, doc)).status_code == 404
        assert client.get(printing(other, doc)).status_code == 404
    assert client.get(reverse("workbench:document", args=[case.pk, 999999])).status_code == 404
    assert not PersonalDataAccess.objects.filter(user=county.zhang, purpose__in=["下载文书", "打印文书"]).exists()


def test_anonymous_is_sent_to_login(client, issued):
    case, docs = issued
    for url in (download(case, docs["notice"]), printing(case, docs["notice"])):
        resp = client.get(url)
        assert resp.status_code == 302 and resp["Location"].startswith("/login/")


def test_a_file_that_no_longer_matches_its_hash_is_refused_with_a_message(client, county, issued):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    case, docs = issued
    doc = docs["notice"]
    default_storage.delete(doc.file.name)
    default_storage.save(doc.file.name, ContentFile(b"tampered"))
    client.force_login(county.li)
    for url in (download(case, doc), printing(case, doc)):
        resp = client.get(url)
        assert resp.status_code == 409 and "校验值不符" in resp.content.decode()
        assert b"tampered" not in resp.content


@pytest.fixture
def accusation(petition, county):
    """An accusation against 东街村 handled at 东街镇, and a village official who also handles for the town."""
    case = helpers.accusation(petition, county, accused_unit=county.village, received_on=D(2026, 11, 20),
                              title="举报东街村干部", content="东街村村干部把低保名额给了亲属。")
    transfer = ds.document_issue(case=case, kind=K.TRANSFER, actor=county.zhang, on=D(2026, 11, 20))
    s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2026, 11, 21))
    s.case_sign(case=case, actor=county.li, on=D(2026, 11, 22))
    case = s.case_accept(case=case, actor=county.li, on=D(2026, 11, 23))  # issues the 受理告知书
    notice = case.documents.get(kind=K.ACCEPTANCE_NOTICE)
    official = user_create(username="cun", password="Xinfang-2026", full_name="东街村干部", unit=county.village,
                           roles=[(Role.HANDLER, county.town)])
    return case, official, notice, transfer


def test_accused_side_gets_404_and_nothing_is_logged_for_them(client, county, accusation):
    case, official, notice, transfer = accusation
    client.force_login(official)
    html = client.get(detail(case)).content.decode()  # the item itself is theirs to handle
    panel = html.split('id="h-docs"')[1].split('id="h-timeline"')[0]
    assert "受理告知书" in panel and notice.number in panel  # listed, never opened
    assert download(case, notice) not in html and printing(case, notice) not in html
    assert "依法对被反映单位保密" in panel
    for doc in (notice, transfer):
        assert client.get(download(case, doc)).status_code == 404
        assert client.get(printing(case, doc)).status_code == 404
    assert not PersonalDataAccess.objects.filter(user=official, purpose__in=["下载文书", "打印文书"]).exists()
    # the handler is not on the accused side: the notice names the accuser (logged), the transfer does not
    client.force_login(county.li)
    assert "陈大明" in client.get(printing(case, notice)).content.decode()
    assert logged(county.li, "打印文书") == 1
    page = client.get(printing(case, transfer)).content.decode()
    assert "陈大明" not in page and "检举人信息依法保密" in page
    assert logged(county.li, "打印文书") == 1
