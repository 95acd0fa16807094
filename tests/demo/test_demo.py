"""``xinfang demo``: every state and role present, histories consistent, deterministic, idempotent."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from xinfang.cases.models import Case, CaseEvent, Clock, Petitioner
from xinfang.cases.states import Status
from xinfang.cases.validators import normalize_id_number
from xinfang.orgs.models import Grant, Unit, UnitKind, User
from xinfang.orgs.permissions import Role
from xinfang.orgs.services import unit_create

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
TODAY = dt.date(2026, 11, 26)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


def run_demo(**options) -> str:
    out = io.StringIO()
    call_command("demo", stdout=out, **{"items": 120, "seed": 1, **options})
    return out.getvalue()


def counts() -> tuple[int, ...]:
    return (
        Unit.objects.count(),
        User.objects.count(),
        Grant.objects.count(),
        Case.objects.count(),
        CaseEvent.objects.count(),
        Clock.objects.count(),
    )


def snapshot() -> list[tuple]:
    return list(Case.objects.order_by("number").values_list("number", "title", "status", "received_on", "due_on"))


def test_demo_covers_every_state_and_role_with_consistent_histories():
    output = run_demo()

    assert Case.objects.count() == 120
    present = set(Case.objects.values_list("status", flat=True))
    assert set(Status.values) <= present, set(Status.values) - present
    for role in Role.values:
        assert Grant.objects.filter(role=role).exists(), role

    previous: dict[int, str] = {}
    for event in CaseEvent.objects.order_by("case_id", "pk"):
        if event.case_id in previous:
            assert event.from_status == previous[event.case_id], (event.case_id, event.action)
        previous[event.case_id] = event.to_status
    assert set(previous) == set(Case.objects.values_list("pk", flat=True))

    assert "生成失败而跳过的信访件：0 件" in output
    assert "| 用户名 | 姓名 | 单位 | 角色 |" in output
    assert "| xfj_dengji |" in output and "xinfang-demo-2026" in output
    for label in Status.labels:
        assert f"| {label} |" in output

    # A second run without --reset changes nothing.
    before = counts()
    again = run_demo()
    assert "已有演示数据" in again
    assert counts() == before


def test_demo_data_respects_dates_calendar_and_rules_with_another_seed_and_password():
    # Another seed than the other tests, and the --password option (one demo run serves both: it takes long).
    run_demo(seed=5, password="another-demo-pass")
    # Every clock started during generation ends in the year whose calendar is loaded; nothing is in the future.
    assert not Clock.objects.filter(due_on__year__gt=2026).exists()
    assert not Clock.objects.filter(started_on__gt=TODAY).exists()
    assert not CaseEvent.objects.filter(effective_on__gt=TODAY).exists()
    assert not Case.objects.filter(received_on__gt=TODAY).exists()

    for number in Petitioner.objects.exclude(id_number="").values_list("id_number", flat=True):
        assert normalize_id_number(number) == number

    groups = Case.objects.filter(is_group=True)
    assert groups.exists()
    for case in groups:
        assert case.people_count >= 5
        assert case.petitioners.filter(is_representative=True).count() <= 5

    routed = Case.objects.filter(status=Status.DISCIPLINE_ROUTED)
    assert routed.exists()
    assert all(c.accused_unit_id and c.responsible_unit.kind == UnitKind.DISCIPLINE for c in routed)

    repeats = Case.objects.filter(is_repeat=True)
    assert repeats.exists()
    for case in repeats:
        assert all(e.received_on < case.received_on for e in case.earlier_items.all())

    open_due = Case.objects.filter(status__in=[Status.HANDLING, Status.ROUTING, Status.SIGNED], due_on__isnull=False)
    assert open_due.filter(due_on__lt=TODAY).exists(), "some open items should be overdue"
    assert open_due.filter(due_on__gte=TODAY).exists(), "some open items should still be within their period"

    assert Case.objects.filter(route_kind="assign").exists()
    assert Case.objects.filter(procedure="simple").exists()
    assert Case.objects.filter(extension_days__gt=0).exists()
    assert Case.objects.filter(conclusion_reason="mediated").exists()
    assert Case.objects.filter(conclusion_reason__in=["review_lapsed", "rereview_lapsed"]).exists()
    assert Case.objects.filter(hearing_days__gt=0).exists() or Case.objects.filter(status=Status.HEARING).exists()
    assert Case.objects.filter(evaluation_status="done").exists()


    _check_logins_and_grants()


def _check_logins_and_grants():
    registrar = User.objects.get(username="xfj_dengji")
    assert registrar.check_password("another-demo-pass")
    admin = User.objects.get(username="xf_admin")
    assert admin.is_staff and admin.is_superuser
    assert Grant.objects.filter(user=admin, role=Role.ADMINISTRATOR, unit__kind=UnitKind.CITY).exists()
    auditor = User.objects.get(username="xfj_shenji")
    assert set(Grant.objects.filter(user=auditor).values_list("role", flat=True)) == {Role.AUDITOR}
    city = Unit.objects.get(kind=UnitKind.CITY)
    assert Grant.objects.filter(role=Role.UNIT_HEAD, unit=city).exists()
    for unit in Unit.objects.all():
        assert unit.head_id, unit.name
    for town in Unit.objects.filter(kind=UnitKind.TOWNSHIP):
        assert town.party_secretary_id, town.name


def test_same_seed_same_data_and_reset_regenerates():
    run_demo(items=60, seed=3)
    first = snapshot()
    output = run_demo(items=60, seed=3, reset=True)
    assert "已删除原有演示数据" in output
    assert snapshot() == first
    assert Unit.objects.filter(code="XFJ").count() == 1


def test_refuses_a_database_with_real_units():
    unit_create(name="某县信访局", code="ABC", kind=UnitKind.BUREAU)
    with pytest.raises(CommandError, match="非演示单位"):
        run_demo()
    assert Case.objects.count() == 0 and Unit.objects.count() == 1


def test_refuses_too_few_items():
    with pytest.raises(CommandError, match="至少为 30"):
        run_demo(items=10)
