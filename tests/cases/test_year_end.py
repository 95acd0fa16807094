"""The calendar at the year end (decisions §2): on 2026-12-01 the 2027 schedule is not loaded, yet every legal
duty goes on with provisional (暂定) clocks; confirming 2027 recomputes them and records it; staff are warned.

Also a test on the real date (no frozen clock), so the suite cannot pass only in the year it was written.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine

from tests.cases.helpers import D, items, opinion
from tests.workbench.test_register_page import form_data
from xinfang.cases import services as s
from xinfang.cases.models import Case, CaseEvent, Clock
from xinfang.cases.states import Status
from xinfang.core import clock
from xinfang.deadlines import services as deadlines
from xinfang.deadlines.models import CalendarYear
from xinfang.orgs.permissions import Role
from xinfang.orgs.services import user_create

pytestmark = pytest.mark.usefixtures("fresh_deadline_caches")

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
LABEL = "暂定（2027年放假安排尚未录入）"
# A stand-in for the State Council's 2027 notice: 元旦 01-01..03 off, Sat 01-30 worked.
SCHEDULE_2027 = "2027-01-01,休,元旦\n2027-01-02,休,元旦\n2027-01-03,休,元旦\n2027-01-30,班,春节\n"


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def fresh_deadline_caches(db):
    deadlines.invalidate_calendar_cache()
    deadlines.invalidate_rule_cache()
    yield
    deadlines.invalidate_calendar_cache()
    deadlines.invalidate_rule_cache()


@pytest.fixture
def admin_user(county):
    return user_create(username="root", password="Xinfang-2026", full_name="系统管理员", unit=county.bureau,
                       is_staff=True, is_superuser=True)


def accepted_on_12_01(petition, county) -> Case:
    with at(D(2026, 12, 1)):
        case = petition(received_on=D(2026, 12, 1))
        case = s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2026, 12, 1))
        case = s.case_sign(case=case, actor=county.li, on=D(2026, 12, 1))
        return s.case_accept(case=case, actor=county.li, on=D(2026, 12, 1))


def running(case: Case, rule: str) -> Clock:
    return case.clocks.get(rule_code=rule, stopped_on__isnull=True)


def confirm_2027(actor=None):
    deadlines.import_calendar_csv(io.StringIO(SCHEDULE_2027))
    return deadlines.confirm_year(2027, actor=actor)


# --- the three refusals of the year end, now provisional clocks ----------------------------------------


def test_accept_on_12_01_starts_a_provisional_60_day_clock(petition, county):
    case = accepted_on_12_01(petition, county)
    assert case.status == Status.HANDLING
    handling = running(case, "handling")
    # 2026-12-01 + 60 = Sat 2027-01-30; the estimate knows no make-up working Saturday → Mon 02-01.
    assert handling.due_on == D(2027, 2, 1) and handling.provisional
    assert case.due_rule == "handling" and case.due_on == D(2027, 2, 1) and case.due_provisional
    started = CaseEvent.objects.get(case=case, action="accept").data["clocks"]["started"]
    assert started == [{"rule": "handling", "from": "2026-12-01", "due_on": "2027-02-01", "provisional": True}]


def test_deliver_on_12_02_starts_provisional_review_and_evaluation_windows(petition, county):
    case = accepted_on_12_01(petition, county)
    with at(D(2026, 12, 2)):
        case = s.case_reply(case=case, actor=county.li, doc=opinion(), items=items(), on=D(2026, 12, 2))
        case = s.case_deliver(method="post", case=case, actor=county.li, delivered_on=D(2026, 12, 2))
    assert case.status == Status.DELIVERED
    window = running(case, "review_request")
    # 12-02 + 30 = 2027-01-01 (元旦 in the estimate) → Sat, Sun → Mon 01-04
    assert window.due_on == D(2027, 1, 4) and window.provisional
    assert running(case, "evaluation").provisional
    # the stopped handling clock got its on-time verdict against the provisional date
    assert case.clocks.get(rule_code="handling").on_time is True


def test_register_on_12_17_via_the_page_gives_a_provisional_routing_clock(client, county):
    with at(D(2026, 12, 17)):
        client.force_login(county.zhang)  # sessions last a working day: log in on the day
        resp = client.post("/cases/new/", form_data(county, received_on="2026-12-17"))
        assert resp.status_code == 302
        case = Case.objects.get()
        routing = running(case, "bureau_routing")
        assert routing.due_on == D(2027, 1, 4) and routing.provisional
        # the date is marked wherever it appears: item page, work queue, list
        detail = client.get(f"/cases/{case.pk}/").content.decode()
        assert "2027-01-04" in detail and LABEL in detail
        assert "元旦" in detail  # the explanation names the estimated holiday
        assert LABEL in client.get("/").content.decode()
        assert LABEL in client.get("/cases/").content.decode()


def test_simple_acceptance_across_the_new_year_is_checked_against_the_provisional_limit(petition, county):
    # Received Wed 2026-12-30: 3 working days are 12-31, (01-01 元旦 estimated), 01-04, 01-05.
    with at(D(2026, 12, 30)):
        case = petition(received_on=D(2026, 12, 30))
        case = s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2026, 12, 30))
        case = s.case_sign(case=case, actor=county.li, on=D(2026, 12, 30))
    with at(D(2027, 1, 5)):
        case = s.case_accept(case=case, actor=county.li, simple=True, on=D(2027, 1, 5))
    assert case.status == Status.SIMPLE_HANDLING
    assert running(case, "simple_handling").provisional


def test_export_marks_the_provisional_due_date(petition, county):
    from openpyxl import load_workbook

    from xinfang.cases.export import export_xlsx
    from xinfang.cases.selectors import cases_visible_to

    accepted_on_12_01(petition, county)
    with at(D(2026, 12, 1)):
        data = export_xlsx(county.zhang, cases_visible_to(county.zhang))
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    header, row = rows[0], rows[1]
    assert row[header.index("当前期限")].endswith(LABEL)


# --- confirming 2027 -------------------------------------------------------------------------------------


def test_confirming_2027_recomputes_records_and_clears_the_flag(petition, county, admin_user):
    case = accepted_on_12_01(petition, county)
    delivered = accepted_on_12_01(petition, county)
    with at(D(2026, 12, 2)):
        delivered = s.case_reply(case=delivered, actor=county.li, doc=opinion(), items=items(), on=D(2026, 12, 2))
        delivered = s.case_deliver(method="post", case=delivered, actor=county.li, delivered_on=D(2026, 12, 2))
    inside = petition(received_on=D(2026, 11, 2))  # routing clock ends 11-17: not provisional, untouched
    with at(D(2026, 12, 20)):
        summary = confirm_2027(actor=admin_user)
    assert summary.recomputed == 2 and "已重新计算 2 件" in summary.message()

    case.refresh_from_db()
    handling = running(case, "handling")
    assert (handling.due_on, handling.provisional) == (D(2027, 1, 30), False)  # the 调休 Saturday counts now
    assert (case.due_on, case.due_provisional) == (D(2027, 1, 30), False)
    event = CaseEvent.objects.get(case=case, action="calendar_recompute")
    assert event.actor == admin_user and event.effective_on == D(2026, 12, 20)
    assert event.data == {"year": 2027, "recomputed": [{"rule": "handling", "from": "2027-02-01", "to": "2027-01-30"}]}
    assert event.from_status == event.to_status == Status.HANDLING

    window = running(delivered, "review_request")
    assert (window.due_on, window.provisional) == (D(2027, 1, 4), False)  # same date, now official
    # the stopped handling clock keeps its recorded verdict and date (decisions §2: history is not rewritten)
    stopped = delivered.clocks.get(rule_code="handling")
    assert (stopped.due_on, stopped.on_time, stopped.provisional) == (D(2027, 2, 1), True, True)
    assert stopped.provisional_note == "暂定期限（按当时估算的放假安排判定）"
    assert not CaseEvent.objects.filter(case=inside, action="calendar_recompute").exists()


def test_recompute_is_in_the_history_shown_to_staff(client, petition, county):
    case = accepted_on_12_01(petition, county)
    with at(D(2026, 12, 20)):
        confirm_2027()
        client.force_login(county.li)
        html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "放假安排确认后重算暂定期限" in html
    assert "2027-02-01（暂定）→ 2027-01-30" in html
    assert 'class="badge yellow provisional"' not in html  # the clock panel: no longer 暂定


def test_a_failing_recompute_leaves_the_year_unconfirmed(petition, county, monkeypatch):
    from xinfang.cases import calendar_sync

    case = accepted_on_12_01(petition, county)
    deadlines.import_calendar_csv(io.StringIO(SCHEDULE_2027))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(calendar_sync.workflow, "recompute_provisional", broken)
    with pytest.raises(RuntimeError):
        deadlines.confirm_year(2027, actor=None)
    assert not CalendarYear.objects.get(year=2027).confirmed
    assert running(case, "handling").provisional


def test_a_clock_reaching_a_year_still_unconfirmed_stays_provisional(petition, county):
    # Received 2027-12-20 (2027 confirmed, 2028 not): the routing clock ends in 2028.
    confirm_2027()
    with at(D(2027, 12, 20)):
        case = petition(received_on=D(2027, 12, 20))
    routing = running(case, "bureau_routing")
    assert routing.provisional and routing.provisional_note == "暂定（2028年放假安排尚未录入）"


# --- the admin flow: preview, then confirm ---------------------------------------------------------------


CONFIRM_URL = "/admin/deadlines/calendaryear/2027/confirm/"


def test_admin_previews_every_day_then_confirms(client, petition, county, admin_user):
    case = accepted_on_12_01(petition, county)
    deadlines.import_calendar_csv(io.StringIO(SCHEDULE_2027))
    client.force_login(admin_user)
    listing = client.get("/admin/deadlines/calendaryear/").content.decode()
    assert "未确认（期限暂定）" in listing and CONFIRM_URL in listing
    html = client.get(CONFIRM_URL).content.decode()
    assert "休息日（节假日）：3 天" in html and "调休上班日：1 天" in html
    assert "2027-01-01</td><td>星期五</td><td>元旦" in html and "2027-01-30</td><td>星期六</td>" in html
    assert not CalendarYear.objects.get(year=2027).confirmed  # looking is not confirming
    with at(D(2026, 12, 20)):
        client.force_login(admin_user)
        resp = client.post(CONFIRM_URL, follow=True)
    assert resp.status_code == 200 and "已重新计算 1 件" in resp.content.decode()
    year = CalendarYear.objects.get(year=2027)
    assert year.confirmed and year.confirmed_by == admin_user
    assert not running(case, "handling").provisional


def test_confirm_page_permission_boundary(client, county):
    deadlines.import_calendar_csv(io.StringIO(SCHEDULE_2027))
    # Workbench staff without admin access (even the bureau registrar) are sent to the admin login.
    client.force_login(county.zhang)
    assert client.get(CONFIRM_URL).status_code == 302
    assert client.post(CONFIRM_URL).status_code == 302
    # Admin-site staff without the right to change calendar years are refused.
    clerk = user_create(username="clerk", password="Xinfang-2026", full_name="后台文员", unit=county.bureau,
                        is_staff=True)
    client.force_login(clerk)
    assert client.get(CONFIRM_URL).status_code == 403
    assert client.post(CONFIRM_URL).status_code == 403
    assert not CalendarYear.objects.get(year=2027).confirmed


def test_confirm_page_for_a_year_without_data_explains_what_to_do(client, admin_user):
    client.force_login(admin_user)
    resp = client.get("/admin/deadlines/calendaryear/2031/confirm/", follow=True)
    assert resp.status_code == 200 and "2031 年的节假日日历尚未导入" in resp.content.decode()


# --- the warning on staff pages --------------------------------------------------------------------------


WARNING = 'data-testid="calendar-warning"'


def banner(client, user, moment: dt.datetime) -> str | None:
    with time_machine.travel(moment, tick=False):
        client.force_login(user)
        html = client.get("/").content.decode()
    return html if WARNING in html else None


def test_warning_from_1_october_for_bureau_and_administrators(client, county):
    admin_role = user_create(username="sysadmin", password="Xinfang-2026", full_name="管理员", unit=county.bureau,
                             roles=[(Role.ADMINISTRATOR, county.county)])
    assert banner(client, county.zhang, dt.datetime(2026, 9, 30, 23, 0, tzinfo=SHANGHAI)) is None
    # 00:30 on 1 October in Asia/Shanghai is still 30 September in UTC
    html = banner(client, county.zhang, dt.datetime(2026, 10, 1, 0, 30, tzinfo=SHANGHAI))
    assert html is not None and "2027年放假安排尚未录入" in html and "xinfang calendar import" in html
    assert banner(client, admin_role, dt.datetime(2026, 12, 1, 9, tzinfo=SHANGHAI)) is not None
    # township handlers and other departments are not the ones who can load it
    assert banner(client, county.li, dt.datetime(2026, 12, 1, 9, tzinfo=SHANGHAI)) is None
    assert banner(client, county.wang, dt.datetime(2026, 12, 1, 9, tzinfo=SHANGHAI)) is None


def test_warning_on_every_staff_page_not_only_the_home_page(client, petition, county):
    case = petition()
    with at(D(2026, 12, 1)):
        client.force_login(county.zhang)
        for url in ("/cases/", "/cases/new/", f"/cases/{case.pk}/", "/hot-topics/"):
            assert WARNING in client.get(url).content.decode(), url


def test_warning_ends_when_2027_is_confirmed(client, county):
    confirm_2027()
    assert banner(client, county.zhang, dt.datetime(2026, 12, 1, 9, tzinfo=SHANGHAI)) is None
    # ...and comes back for 2028 on 1 October 2027
    assert banner(client, county.zhang, dt.datetime(2027, 10, 1, 9, tzinfo=SHANGHAI)) is not None


def test_warning_goes_on_after_new_year_while_the_year_is_unconfirmed(client, county):
    html = banner(client, county.zhang, dt.datetime(2027, 1, 4, 9, tzinfo=SHANGHAI))
    assert html is not None and "2027年放假安排尚未录入" in html


# --- the real date ---------------------------------------------------------------------------------------


def test_register_accept_deliver_on_the_real_date(petition, county):
    """No frozen clock: whatever today is, the duties go on and a date is provisional exactly when its period
    reaches a year without a confirmed schedule."""
    today = clock.today()
    confirmed = set(CalendarYear.objects.filter(confirmed_at__isnull=False).values_list("year", flat=True))
    case = petition(received_on=today)
    case = s.case_forward(case=case, actor=county.zhang, target=county.town, on=today)
    case = s.case_sign(case=case, actor=county.li, on=today)
    case = s.case_accept(case=case, actor=county.li, on=today)
    case = s.case_reply(case=case, actor=county.li, doc=opinion(), items=items(), on=today)
    case = s.case_deliver(method="post", case=case, actor=county.li, delivered_on=today)
    assert case.status == Status.DELIVERED
    clocks = list(case.clocks.all())
    assert {c.rule_code for c in clocks} >= {"bureau_routing", "handling", "review_request", "evaluation"}
    for c in clocks:
        assert c.due_on >= c.started_on
        reaches_unconfirmed = any(y not in confirmed for y in range(c.started_on.year, c.due_on.year + 1))
        assert c.provisional == reaches_unconfirmed, c
        if c.stopped_on is not None and not c.superseded:
            assert c.on_time is True
