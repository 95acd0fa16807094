"""Headers: nothing with personal data is cached, pages run only this site's scripts and styles, production
settings pass ``check --deploy``, and the login lockout counts each client behind the proxy separately."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from tests.cases.helpers import drive
from xinfang.cases import services as s
from xinfang.cases.states import Status

pytestmark = pytest.mark.django_db

PASSWORD = "Xinfang-2026"
PDF = b"%PDF-1.4 scan"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 26, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        yield


def no_store(resp) -> bool:
    return "no-store" in resp.get("Cache-Control", "")


# --- caching ---------------------------------------------------------------------------------------------


def test_staff_pages_and_downloads_are_not_stored(client, petition, county):
    case = petition(attachments=[s.UploadInput("证据.pdf", PDF)])
    client.force_login(county.zhang)
    pages = [
        reverse("workbench:home"),
        reverse("workbench:case_list"),
        reverse("workbench:case_detail", args=[case.pk]),
        reverse("workbench:case_action", args=[case.pk, "forward"]),
        reverse("workbench:hot_topics"),
        reverse("workbench:case_suggestions", args=[case.pk]),
        reverse("workbench:case_export"),
        reverse("workbench:attachment", args=[case.pk, case.attachments.get().pk]),
    ]
    for url in pages:
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert no_store(resp), url
    assert no_store(client.post(reverse("workbench:person_items"), {"phone": "13800138000"}))


def test_other_unit_is_still_refused(client, petition, county):
    # The header is no door: 王 gets the same 404 as before for another unit's item and its file.
    case = petition(attachments=[s.UploadInput("证据.pdf", PDF)])
    client.force_login(county.wang)
    att = case.attachments.get()
    assert client.get(reverse("workbench:case_detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("workbench:attachment", args=[case.pk, att.pk])).status_code == 404


# --- Content-Security-Policy -------------------------------------------------------------------------------


def test_pages_carry_a_policy_without_inline_code(client, petition, county):
    case = drive(petition, county, Status.HANDLING)
    policy = settings.XINFANG_CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    login_page = client.get(reverse("workbench:login"))
    assert login_page["Content-Security-Policy"] == policy
    client.force_login(county.li)
    urls = [
        reverse("workbench:home"),
        reverse("workbench:case_list"),
        reverse("workbench:case_new"),
        reverse("workbench:case_detail", args=[case.pk]),
        reverse("workbench:case_action", args=[case.pk, "reply"]),
        reverse("workbench:hot_topics"),
        reverse("workbench:password_change"),
    ]
    pages = [(url, client.get(url)) for url in urls] + [("login", login_page)]
    for url, resp in pages:
        assert resp.status_code == 200, url
        assert resp["Content-Security-Policy"] == policy, url
        html = resp.content.decode()
        # every <script> loads a file; no style or event-handler attributes (the policy would block them)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"\sstyle=\"", html), url
        assert not re.search(r"\son[a-z]+=\"", html), url


# --- production settings -------------------------------------------------------------------------------------


def test_check_deploy_is_clean_with_production_values():
    # Only the deployment's own variables (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process).
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("XINFANG_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "XINFANG_SECRET_KEY": "k3y-" + "x7Qp9zR2mW5vB8nL4cT6yH1jF0dS3aG" * 2,
        "XINFANG_DEBUG": "false",
        "XINFANG_SECURE_COOKIES": "true",
        "XINFANG_ALLOWED_HOSTS": "xf.example.gov.cn",
    }
    out = subprocess.run(  # noqa: S603 - our own manage.py with a fixed argument list
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout
    shown = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "from django.conf import settings as s; import django; django.setup();"
         "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0, s.SESSION_COOKIE_SECURE)"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )
    assert shown.stdout.split() == ["True", "True", "True"]


# --- login lockout behind the proxy -----------------------------------------------------------------------


def login(client, username, password, *, forwarded_for: str, proxy: str = "10.0.0.2"):
    return client.post(
        reverse("workbench:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_behind_one_proxy_each_client_is_counted_separately(client, county, settings):
    settings.XINFANG_TRUSTED_PROXY_COUNT = 1
    # nginx appends the address it saw; whatever the attacker put in front is not trusted
    for i in range(settings.AXES_FAILURE_LIMIT):
        login(client, "li", "wrong", forwarded_for=f"198.51.100.{i}, 203.0.113.66")
    assert login(client, "li", PASSWORD, forwarded_for="203.0.113.66").status_code == 429
    # 李 at his own desk is not locked out by someone else's failures
    assert login(client, "li", PASSWORD, forwarded_for="203.0.113.7").status_code == 302


def test_without_a_trusted_proxy_the_header_is_ignored(client, county, settings):
    settings.XINFANG_TRUSTED_PROXY_COUNT = 0
    # a client that invents a new X-Forwarded-For each time is still one address
    for i in range(settings.AXES_FAILURE_LIMIT):
        login(client, "li", "wrong", forwarded_for=f"198.51.100.{i}", proxy="203.0.113.66")
    assert login(client, "li", PASSWORD, forwarded_for="198.51.100.200", proxy="203.0.113.66").status_code == 429
    assert login(client, "li", PASSWORD, forwarded_for="198.51.100.0", proxy="203.0.113.7").status_code == 302


def test_a_request_that_bypassed_the_proxy_counts_by_its_own_address(client, county, settings):
    settings.XINFANG_TRUSTED_PROXY_COUNT = 1
    from django.test import RequestFactory

    from xinfang.core.middleware import client_ip

    factory = RequestFactory()
    assert client_ip(factory.get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"
    assert client_ip(factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address")) == "10.0.0.2"
    assert client_ip(factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 2001:db8::1")) == "2001:db8::1"
