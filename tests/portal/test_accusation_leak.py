"""Leak test for a 检举控告 submitted on the portal: nothing the accused unit's users can reach — pages, exports,
the inbox, 民情分析, suggestions — carries the accuser's name, phone or ID number, and the accuser's own SMS says
nothing about the accused."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from bench.authz_sweep import sweep
from tests.portal.test_submit import send
from xinfang.cases import services as s
from xinfang.cases.models import Case
from xinfang.notifications.models import Outbox
from xinfang.orgs.models import User

pytestmark = pytest.mark.django_db

NAME, PHONE, ID_NUMBER = "钱守义", "13700137000", "110105196502020010"
IDENTITY = (NAME, PHONE, ID_NUMBER, "1370013", "7000")


@pytest.fixture(autouse=True)
def _clean(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    cache.clear()
    with time_machine.travel(dt.datetime(2026, 10, 23, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        yield
    cache.clear()


@pytest.fixture
def accusation(client, county, petition):
    # An ordinary item of the township too, so its users have pages with data to look through.
    own = petition(received_on=dt.date(2026, 10, 20))
    s.case_forward(case=own, actor=county.zhang, target=county.town, on=dt.date(2026, 10, 21))
    resp = send(
        client, county, claim="accusation", accused_unit=str(county.town.pk), accused_person="某副镇长",
        title="检举东街镇违规发放低保补贴", name=NAME, phone=PHONE, id_number=ID_NUMBER,
        content="东街镇民政办将低保补贴发给不符合条件的亲属，涉及十余户，请求调查处理。",
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    case = Case.objects.get(title="检举东街镇违规发放低保补贴")
    assert case.is_accusation and case.accused_unit == county.town and case.channel == "online"
    return case


def test_no_page_export_or_inbox_of_the_accused_side_carries_the_accuser(accusation, county):
    town_users = [county.li, county.li_head, county.town_secretary]
    for user in town_users:
        c = Client()
        c.force_login(user)
        for url in ("/", "/cases/", "/inbox/", "/hot-topics/", "/documents/pending/", "/applications/",
                    f"/cases/?q={NAME}", f"/cases/?q={PHONE}", f"/intel/suggest/?text={NAME}",
                    f"/cases/person-items/?phone={PHONE}", f"/cases/{accusation.pk}/"):
            body = c.get(url).content.decode("utf-8", "replace")
            for token in IDENTITY[:3]:
                # The search box shows back what this user typed; nothing else may carry it.
                shown = body.replace(f'value="{token}"', "").replace(f"={token}", "")
                assert token not in shown, (user.username, url, token)
            assert accusation.number not in body, (user.username, url)
        export = c.get("/cases/export.xlsx")
        if export.status_code == 200:
            import openpyxl

            book = openpyxl.load_workbook(io.BytesIO(export.content))
            cells = " ".join(str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row if v)
            for token in IDENTITY[:3]:
                assert token not in cells, (user.username, "export", token)


def test_the_sweep_over_every_url_finds_no_leak_of_the_portal_accuser(accusation, county):
    users = list(User.objects.filter(is_active=True).exclude(username__startswith="system-").order_by("username"))
    figures = sweep(users, items=2, actions=3, probes=1, admin=False, log=lambda _line: None)
    assert figures.leaks == [] and figures.errors == []
    assert figures.denied_as_expected > 50


def test_the_accusers_messages_name_no_unit_person_or_title(accusation, county):
    texts = list(Outbox.objects.filter(case_id=accusation.pk).exclude(channel="inapp").values_list("body", flat=True))
    assert texts, "the accuser gets a receipt"
    for text in texts:
        for secret in ("东街镇", "某副镇长", "低保", "检举"):
            assert secret not in text, (secret, text)
