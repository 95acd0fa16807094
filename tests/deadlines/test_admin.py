"""Administrators correct the calendar in the admin; the next computation must see the correction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from xinfang.deadlines import seed
from xinfang.deadlines.models import CalendarDay, DeadlineRule
from xinfang.deadlines.services import compute_deadline

pytestmark = pytest.mark.usefixtures("fresh_deadline_caches")
D = dt.date


@pytest.mark.parametrize("model", ["calendaryear", "calendarday", "deadlinerule"])
def test_changelists_and_add_pages_render(admin_client, model):
    assert admin_client.get(reverse(f"admin:deadlines_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:deadlines_{model}_add")).status_code == 200


def test_changelist_search_and_filters(admin_client):
    url = reverse("admin:deadlines_calendarday_changelist")
    response = admin_client.get(url, {"q": "国庆节", "kind": "workday", "date__year": "2026"})
    assert response.status_code == 200
    assert "2026年10月10日" in response.content.decode() or "2026-10-10" in response.content.decode()


def test_editing_a_day_in_the_admin_changes_the_next_computation(admin_client):
    assert compute_deadline("bureau_routing", D(2026, 9, 25)).due == D(2026, 10, 10)
    day = CalendarDay.objects.get(date=D(2026, 10, 10))
    url = reverse("admin:deadlines_calendarday_change", args=[day.pk])
    response = admin_client.post(url, {"date": "2026-10-10", "kind": "holiday", "name": "更正", "source": "admin"})
    assert response.status_code == 302, response.content.decode()
    day.refresh_from_db()
    assert (day.kind, day.source) == ("holiday", seed.SOURCE_ADMIN)
    assert compute_deadline("bureau_routing", D(2026, 9, 25)).due == D(2026, 10, 12)


def test_admin_refuses_a_make_up_day_on_a_weekday(admin_client):
    url = reverse("admin:deadlines_calendarday_add")
    response = admin_client.post(url, {"date": "2026-10-12", "kind": "workday", "name": "", "source": "admin"})
    assert response.status_code == 200
    assert "调休上班日应为周六或周日" in response.content.decode()
    assert not CalendarDay.objects.filter(date=D(2026, 10, 12)).exists()


def test_editing_a_rule_in_the_admin_changes_the_next_computation(admin_client):
    rule = DeadlineRule.objects.get(code="bureau_routing", effective_from=D(2022, 5, 1))
    assert compute_deadline("bureau_routing", D(2026, 9, 28)).due == D(2026, 10, 13)
    url = reverse("admin:deadlines_deadlinerule_change", args=[rule.pk])
    data = {
        "code": rule.code, "title": rule.title, "effective_from": "2022-05-01", "days": "5", "unit": "working",
        "start_event": rule.start_event, "legal_basis": rule.legal_basis, "description": rule.description,
        "max_extra_days": "0", "extra_days_meaning": "",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()
    assert compute_deadline("bureau_routing", D(2026, 9, 28)).due == D(2026, 10, 10)
