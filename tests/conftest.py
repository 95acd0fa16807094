"""Shared fixtures: a small county and the named personas of the test suite.

张 (zhang) registers at the 县信访局; 李 (li) handles at 东街镇, 李镇长 (li_head) heads it; 王 (wang) works at
县人社局 and must never see 东街镇's items; 赵 (zhao) supervises the county; the county and city heads review.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from xinfang.orgs.models import UnitKind
from xinfang.orgs.permissions import Role
from xinfang.orgs.services import unit_create, user_create


@pytest.fixture(autouse=True)
def _deadline_reference_data(request):
    """Give a transactional test the calendar, rules and categories that migrations seed.

    A transactional test empties every table when it ends, so the next one starts without them. (Each process
    used to keep a stale copy for five minutes, which hid this; now it reloads as soon as the data changes.)
    """
    marker = request.node.get_closest_marker("django_db")
    by_marker = marker is not None and marker.kwargs.get("transaction", False)
    if by_marker or "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        if not by_marker:
            request.getfixturevalue("transactional_db")
        from xinfang.cases.models import Category
        from xinfang.cases.taxonomy import seed_categories
        from xinfang.deadlines import services
        from xinfang.deadlines.models import DeadlineRule

        if not DeadlineRule.objects.exists():
            services.seed_default_rules()
            services.seed_calendar_from_package(range(2004, 2027))
        if not Category.objects.exists():
            seed_categories(Category)
    yield


def _uses_database(item) -> bool:
    names = getattr(item, "fixturenames", ())
    return item.get_closest_marker("django_db") is not None or "db" in names or "transactional_db" in names


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """After every test that touched the database, the running-clock tally must equal a count of the clocks
    (``cases.tally``): every path of the suite through the state machine checks that it keeps the tally."""
    outcome = yield
    if outcome.excinfo is not None or not _uses_database(item) or item.get_closest_marker("tally_unchecked"):
        return
    from xinfang.cases import tally

    wrong = tally.mismatches()
    if wrong:
        outcome.force_exception(AssertionError(f"期限计数与运行中的期限不一致（计数, 实际）：{wrong}"))


@pytest.fixture
def at():
    """``at(day)``: today is ``day`` (10:00 Beijing time) until the next call or the end of the test."""
    import time_machine

    cst = dt.timezone(dt.timedelta(hours=8))
    travellers = []

    def move(day: dt.date):
        if travellers:
            travellers.pop().stop()
        t = time_machine.travel(dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=cst), tick=False)
        t.start()
        travellers.append(t)

    yield move
    if travellers:
        travellers.pop().stop()


@pytest.fixture
def county(db):
    u = SimpleNamespace()
    u.city = unit_create(name="市人民政府", code="SZF", kind=UnitKind.CITY)
    u.county = unit_create(name="县委县政府", code="XZF", kind=UnitKind.COUNTY, parent=u.city)
    u.bureau = unit_create(name="县信访局", code="XFJ", kind=UnitKind.BUREAU, parent=u.county)
    u.housing = unit_create(name="县住建局", code="ZJJ", kind=UnitKind.DEPARTMENT, parent=u.county)
    u.labour = unit_create(name="县人社局", code="RSJ", kind=UnitKind.DEPARTMENT, parent=u.county)
    u.police = unit_create(name="县公安局", code="GAJ", kind=UnitKind.LEGAL, parent=u.county)
    u.discipline = unit_create(name="县纪委监委", code="JWJ", kind=UnitKind.DISCIPLINE, parent=u.county)
    u.town = unit_create(name="东街镇", code="DJZ", kind=UnitKind.TOWNSHIP, parent=u.county)
    u.village = unit_create(name="东街村", code="DJC", kind=UnitKind.VILLAGE, parent=u.town)
    u.town2 = unit_create(name="西山乡", code="XSX", kind=UnitKind.TOWNSHIP, parent=u.county)

    pw = "Xinfang-2026"
    u.zhang = user_create(username="zhang", password=pw, full_name="张登记", unit=u.bureau,
                          roles=[(Role.REGISTRAR, u.bureau)])
    u.li = user_create(username="li", password=pw, full_name="李承办", unit=u.town, roles=[(Role.HANDLER, u.town)])
    u.li_head = user_create(username="li_head", password=pw, full_name="李镇长", unit=u.town,
                            roles=[(Role.UNIT_HEAD, u.town)])
    u.town_secretary = user_create(username="town_sec", password=pw, full_name="东街镇党委书记", unit=u.town,
                                   roles=[(Role.LEADER, u.town)])
    u.wang = user_create(username="wang", password=pw, full_name="王人社", unit=u.labour,
                         roles=[(Role.UNIT_HEAD, u.labour)])
    u.housing_handler = user_create(username="zj", password=pw, full_name="住建承办", unit=u.housing,
                                    roles=[(Role.UNIT_HEAD, u.housing)])
    u.police_handler = user_create(username="ga", password=pw, full_name="公安承办", unit=u.police,
                                   roles=[(Role.UNIT_HEAD, u.police)])
    u.zhao = user_create(username="zhao", password=pw, full_name="赵督查", unit=u.bureau,
                         roles=[(Role.SUPERVISOR, u.county)])
    u.county_head = user_create(username="county_head", password=pw, full_name="县领导", unit=u.county,
                                roles=[(Role.UNIT_HEAD, u.county)])
    u.city_head = user_create(username="city_head", password=pw, full_name="市复核", unit=u.city,
                              roles=[(Role.UNIT_HEAD, u.city)])
    u.town.head = u.li_head
    u.town.party_secretary = u.town_secretary
    u.town.save()
    return u


@pytest.fixture
def petition(county):
    """A factory: ``petition(**overrides)`` registers an item at the bureau through the real service."""
    from xinfang.cases.services import PetitionerInput, RegistrationInput, case_register

    def make(actor=None, unit=None, **overrides):
        data = dict(
            channel="letter",
            received_on=dt.date(2026, 9, 1),
            title="东街村道路硬化工程拖欠工人工资",
            content="本人在东街村道路硬化工程务工，工程结束半年仍未结清工资共计3万元，请求督促支付。",
            claim_type="appeal",
            purpose="request",
            petitioners=[PetitionerInput(name="陈大明", id_number="11010519491231002X", phone="13800138000")],
            problem_place=county.village,
        )
        data.update(overrides)
        return case_register(actor=actor or county.zhang, unit=unit or county.bureau, data=RegistrationInput(**data))

    return make


@pytest.fixture
def calendar_2027(db):
    """Mark 2027 as a known year with no holidays. Test-only: the real schedule is published each November
    and must be entered by an administrator; the product never assumes a weekday-only year."""
    from django.utils import timezone

    from xinfang.deadlines.models import CalendarYear
    from xinfang.deadlines.services import invalidate_calendar_cache

    CalendarYear.objects.create(year=2027, source="import", note="测试用：假定无节假日", confirmed_at=timezone.now())
    invalidate_calendar_cache()
    yield
    invalidate_calendar_cache()


@pytest.fixture(autouse=True)
def _history_dates(request):
    """Most tests write an item's history with explicit past dates, as if recorded on the day. The backdating
    window and reason (``workflow._check_effective_date``) are tested where a test is marked ``date_rules``."""
    if request.node.get_closest_marker("date_rules"):
        yield
        return
    from xinfang.cases.workflow import importing_history

    with importing_history():
        yield
