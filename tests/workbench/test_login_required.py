"""Every staff page needs a signed-in user (LoginRequiredMiddleware): checked for every route in the URLconf, so a
new view is closed by default."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

# Views open to anonymous visitors, each marked login_not_required in its view (the petitioners' portal
# checks its own query code instead; tests/portal).
PUBLIC = {"workbench:login", "portal:query", "portal:case", "portal:document", "portal:leave", "portal:evaluate", "portal:guide"}
# 网上信访: the form, its receipt and the challenge image (portal.submit).
PUBLIC |= {"portal:submit", "portal:submit_receipt", "portal:submit_receipt_close", "portal:challenge"}
# 申请复查/复核 (in the query session) and the information pages.
PUBLIC |= {"portal:apply", "portal:rights", "portal:regulation"}
# 领导接访日 (leaders' published reception schedule).
PUBLIC |= {"portal:reception_days"}
_SAMPLE = {"int": "1", "str": "reply", "slug": "x", "path": "x"}


def _routes(patterns=None, prefix="", namespace=""):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            if p.app_name == "admin":
                continue  # the admin sends anonymous users to its own login page
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _routes(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield f"{namespace}{p.name}", prefix + str(p.pattern)


def _url(route: str) -> str:
    path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: _SAMPLE[m.group(1) or "str"], route)
    return "/" + path


STAFF_ROUTES = sorted({name: _url(route) for name, route in _routes() if name not in PUBLIC}.items())


def test_the_urlconf_was_walked():
    names = {name for name, _ in STAFF_ROUTES}
    assert {"workbench:home", "workbench:case_detail", "workbench:case_action", "workbench:suggest"} <= names


@pytest.mark.parametrize(("name", "url"), STAFF_ROUTES, ids=[n for n, _ in STAFF_ROUTES])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_the_login_page(client, county, name, url, method):
    resp = getattr(client, method)(url)
    assert resp.status_code == 302, (name, url, resp.status_code)
    assert resp["Location"].startswith(reverse(settings.LOGIN_URL) + "?next="), resp["Location"]


def test_login_page_is_open(client, db):
    assert client.get(reverse("workbench:login")).status_code == 200


def test_signed_in_user_reaches_the_workbench(client, county):
    client.force_login(county.li)
    assert client.get(reverse("workbench:home")).status_code == 200


def test_the_middleware_is_installed():
    assert "django.contrib.auth.middleware.LoginRequiredMiddleware" in settings.MIDDLEWARE
