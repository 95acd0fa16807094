"""Logging in and out, password change, throttled failed logins, session expiry."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "Xinfang-2026"


def login(client, username, password):
    return client.post(reverse("workbench:login"), {"username": username, "password": password})


def test_login_page_in_chinese_and_login_logout(client, county):
    html = client.get(reverse("workbench:login")).content.decode()
    assert "用户名" in html and "密码" in html and 'lang="zh-Hans"' in html
    resp = login(client, "li", PASSWORD)
    assert resp.status_code == 302 and resp["Location"] == reverse("workbench:home")
    assert "工作台" in client.get(reverse("workbench:home")).content.decode()
    resp = client.post(reverse("workbench:logout"))
    assert resp.status_code == 302
    assert client.get(reverse("workbench:home")).status_code == 302


def test_wrong_password_message_in_chinese(client, county):
    resp = login(client, "li", "wrong-password")
    assert resp.status_code == 200
    assert "请输入一个正确的" in resp.content.decode() or "用户名和密码" in resp.content.decode()


def test_failed_logins_are_throttled(client, county):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "li", "wrong-password")
    # even the right password is refused while the lock lasts
    resp = login(client, "li", PASSWORD)
    assert resp.status_code == 429
    assert "登录已暂停" in resp.content.decode()
    # another account from the same address is not locked (lockout is per user name and address)
    assert login(client, "zhang", PASSWORD).status_code == 302


def test_password_change(client, county):
    client.force_login(county.li)
    url = reverse("workbench:password_change")
    resp = client.post(url, {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"})
    assert resp.status_code == 200 and "请修改以下内容" in resp.content.decode()
    resp = client.post(url, {"old_password": PASSWORD, "new_password1": "Qinghe-New-2026!", "new_password2": "Qinghe-New-2026!"})
    assert resp.status_code == 302
    county.li.refresh_from_db()
    assert county.li.check_password("Qinghe-New-2026!")


def test_sessions_expire():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_every_workbench_page_needs_login(client, petition):
    case = petition()
    for name, args in [
        ("workbench:home", []),
        ("workbench:case_list", []),
        ("workbench:case_export", []),
        ("workbench:case_new", []),
        ("workbench:person_items", []),
        ("workbench:case_detail", [case.pk]),
        ("workbench:case_action", [case.pk, "forward"]),
        ("workbench:password_change", []),
    ]:
        resp = client.get(reverse(name, args=args))
        assert resp.status_code == 302 and resp["Location"].startswith("/login/"), name


def test_home_queue_groups_by_urgency(client, petition, county):
    import datetime as dt

    import time_machine

    from tests.cases.helpers import D

    with time_machine.travel(dt.datetime(2026, 9, 15, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        overdue = petition(received_on=D(2026, 8, 20), title="逾期未分流的事项")  # routing due 09-04
        soon = petition(received_on=D(2026, 9, 5), title="即将到期的事项")  # due 09-20: 5 of 15 days left
        fresh = petition(received_on=D(2026, 9, 14), title="刚收到的事项")
        client.force_login(county.zhang)
        html = client.get(reverse("workbench:home")).content.decode()
    assert html.index(overdue.number) < html.index(soon.number) < html.index(fresh.number)
    assert 'data-testid="count-overdue">1<' in html and 'data-testid="count-soon">1<' in html
    client.force_login(county.wang)
    assert overdue.number not in client.get(reverse("workbench:home")).content.decode()


def test_not_found_page_is_chinese(client, county):
    client.force_login(county.li)
    resp = client.get("/cases/999999/")
    assert resp.status_code == 404
    assert "未找到" in resp.content.decode() and "工作台" in resp.content.decode()
