"""Property-based fuzzing of the portal's forms: whatever a visitor sends — huge fields, control characters,
script tags, bytes that are not UTF-8 — the answer is never a server error, a refused form stores nothing,
and nothing sent comes back unescaped."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.cases.helpers import drive
from xinfang.cases.models import Evaluation, ReviewApplication
from xinfang.cases.states import Status

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CST = dt.timezone(dt.timedelta(hours=8))
SCRIPT = "<script>alert(1)</script>"

# Any text a browser could send: every plane but lone surrogates (not encodable), with the nasty parts often.
nasty = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=300),
    st.sampled_from([SCRIPT, "\x00", "\u202e", "'\"><img src=x onerror=alert(1)>", "{{ 7*7 }}", "%s%n",
                     "１２３４", "٣٤٥٦", "\r\n" * 50, "测" * 5000, "a" * 100_000]),
)


@pytest.fixture(autouse=True)
def _clock(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    with time_machine.travel(dt.datetime(2026, 10, 23, 10, tzinfo=CST), tick=False):
        yield
    cache.clear()


@pytest.fixture
def delivered(petition, county):
    return drive(petition, county, Status.DELIVERED)


@pytest.fixture
def holder(delivered):
    """A visitor who proved the item's code: its session holds the item."""
    c = Client()
    session = c.session
    session["portal_case"] = {"case": delivered.pk, "until": time.time() + 3600}
    session.save()
    return c


def _safe(resp, *sent: str) -> str:
    assert resp.status_code < 500, resp.status_code
    body = resp.content.decode("utf-8")
    for value in sent:
        if "<" in value and len(value) > 3:
            assert value not in body, "input echoed unescaped"
    return body


@FUZZ
@given(code=nasty, last4=nasty)
@example(code=SCRIPT, last4="1234")
def test_the_query_never_fails_and_never_echoes(client, delivered, code, last4):
    cache.clear()
    resp = client.post("/portal/", {"code": code, "phone_last4": last4})
    _safe(resp, code, last4)
    assert resp.status_code in (200, 302, 429)
    if resp.status_code == 302:  # only the item's own code and phone open it
        assert code.replace(" ", "").upper() == delivered.query_code and last4 == "8000"


@FUZZ
@given(bureau=nasty, unit=nasty, comment=nasty)
def test_an_evaluation_that_is_refused_stores_nothing(holder, delivered, bureau, unit, comment):
    before = Evaluation.objects.count()
    resp = holder.post("/portal/case/evaluate/", {"bureau": bureau, "unit": unit, "comment": comment})
    _safe(resp, bureau, unit, comment)
    if resp.status_code != 302:
        assert Evaluation.objects.count() == before


@FUZZ
@given(kind=st.one_of(nasty, st.sampled_from(["review", "rereview"])), reason=nasty)
def test_an_application_that_is_refused_stores_nothing(holder, delivered, kind, reason):
    ReviewApplication.objects.all().delete()
    resp = holder.post("/portal/case/apply/", {"kind": kind, "reason": reason})
    _safe(resp, kind, reason)
    stored = ReviewApplication.objects.count()
    assert stored == (1 if resp.status_code == 302 else 0)
    if stored:
        assert kind == "review" and 0 < len(reason.strip()) <= 2000


@pytest.mark.parametrize("path", ["/portal/", "/portal/case/evaluate/", "/portal/case/apply/"])
@pytest.mark.parametrize(
    "body",
    [b"code=%FF%FE%FD&phone_last4=%C3%28", b"\xff\xfe\x00\x00", b"reason=" + b"%E6" * 3000 + b"&kind=review",
     b"a=" + b"b" * 200_000],
)
def test_bytes_that_are_not_utf8_are_answered_not_crashed(holder, delivered, path, body):
    resp = holder.generic("POST", path, body, content_type="application/x-www-form-urlencoded")
    assert resp.status_code < 500
    assert not ReviewApplication.objects.exists() and not Evaluation.objects.exists()
