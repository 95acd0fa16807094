"""The daily job: 提醒函 at their moments (never twice), and every trigger of the error register (idempotent);
the contest flow of an entry; nothing is ever deleted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.sites import site
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from tests.cases.helpers import drive
from xinfang.cases import services as s
from xinfang.cases.models import Case, Notification
from xinfang.cases.reception import case_record_reception
from xinfang.cases.services import PetitionerInput
from xinfang.cases.states import Status
from xinfang.core.errors import IllegalTransition, PermissionRefused
from xinfang.documents.models import DocumentKind
from xinfang.supervision import jobs, services
from xinfang.supervision.models import ErrorEntry, Reminder

pytestmark = pytest.mark.django_db
D = dt.date


# --- 提醒函 --------------------------------------------------------------------------------------------------


def test_reminders_at_each_moment_never_twice(petition, county, at):
    at(D(2026, 11, 20))
    case = petition(received_on=D(2026, 11, 19))
    s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2026, 11, 20))
    notice = case.clocks.get(rule_code="acceptance_notice")
    assert notice.due_on == D(2026, 12, 7)  # 12-05 is a Saturday

    def run(day):
        at(day)
        return jobs.run_daily(today=day).reminders

    assert run(D(2026, 11, 20)) == 1  # at assignment
    assert run(D(2026, 11, 20)) == 0
    assert run(D(2026, 11, 21)) == 0
    assert run(D(2026, 12, 2)) == 1  # two thirds of 17 days gone: 临期
    assert run(D(2026, 12, 3)) == 0
    assert run(D(2026, 12, 7)) == 1  # the due date
    assert run(D(2026, 12, 7)) == 0
    moments = list(Reminder.objects.filter(case=case).order_by("pk").values_list("moment", flat=True))
    assert moments == ["start", "due_soon", "due_day"]
    letters = case.documents.filter(kind=DocumentKind.REMINDER_LETTER)
    assert letters.count() == 3 and all(d.issuing_unit == county.bureau for d in letters)
    assert Notification.objects.filter(recipient=county.li_head, kind="reminder").count() == 3
    assert case.events.filter(action="reminder_sent").count() == 3


def test_on_demand_reminder_and_moments_are_configurable(petition, county, at, settings):
    at(D(2026, 11, 20))
    case = petition(received_on=D(2026, 11, 19))
    s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2026, 11, 20))
    settings.XINFANG_REMINDER_MOMENTS = ("due_day",)
    assert jobs.run_daily(today=D(2026, 11, 20)).reminders == 0
    r = services.reminder_send(case=case, actor=county.zhao, note="请抓紧告知受理")
    assert r.moment == "on_demand" and r.sent_by == county.zhao
    with pytest.raises(PermissionRefused):
        services.reminder_send(case=case, actor=county.li)


def test_the_command_runs_the_job(petition, county, at, capsys):
    at(D(2026, 11, 26))
    petition(received_on=D(2026, 11, 1))
    call_command("supervise")
    out = capsys.readouterr().out
    assert "新登记差错：1 条" in out
    assert "督查看板计数已合并：1 行" in out  # the item's one running routing clock


def test_the_command_checks_and_recounts_the_board_tally(petition, county, capsys):
    from django.core.management.base import CommandError

    from xinfang.cases.models import ClockTally

    petition(received_on=D(2026, 11, 1))
    call_command("supervise", "--check")
    assert "0 处不一致" in capsys.readouterr().out
    ClockTally.objects.all().delete()  # as after a bulk import that bypassed the workflow
    with pytest.raises(CommandError):
        call_command("supervise", "--check")
    call_command("supervise", "--recount")
    assert "0 处不一致" in capsys.readouterr().out
    assert ClockTally.objects.get().n == 1


# --- 差错登记 ------------------------------------------------------------------------------------------------


def kinds():
    return sorted(ErrorEntry.objects.values_list("kind", "unit__name"))


def test_late_routing_stopped_late_and_still_running(petition, county, at):
    at(D(2026, 11, 26))
    late = petition()  # routing due 9-16, routed 9-20
    s.case_forward(case=late, actor=county.zhang, target=county.town, on=D(2026, 9, 20))
    petition(received_on=D(2026, 11, 1))  # routing due 11-16, still at the bureau
    petition(received_on=D(2026, 11, 20))  # in time
    jobs.scan_errors(D(2026, 11, 26))
    routing = ErrorEntry.objects.filter(kind="late_routing")
    assert routing.count() == 2 and {e.unit for e in routing} == {county.bureau}
    assert "第二十二条" in routing.first().article


def test_late_acceptance_and_late_reply(petition, county, at):
    at(D(2026, 11, 26))
    waiting = petition()
    s.case_forward(case=waiting, actor=county.zhang, target=county.town, on=D(2026, 9, 2))  # never accepted
    handling = drive(petition, county, Status.HANDLING)  # accepted 9-04: 60 days ran out on 11-03
    jobs.scan_errors(D(2026, 11, 26))
    assert ErrorEntry.objects.filter(kind="late_acceptance", case=waiting, unit=county.town).exists()
    assert ErrorEntry.objects.filter(kind="late_reply", case=handling, unit=county.town).exists()
    assert not ErrorEntry.objects.filter(kind="late_acceptance", case=handling).exists()


def test_reply_without_document_and_extension_without_approval(petition, county, at):
    at(D(2026, 11, 26))
    proper = drive(petition, county, Status.EXTENDED)  # extended by the head, with its 延期告知书
    bad = drive(petition, county, Status.HANDLING)
    # Records that bypassed the workflow (an import from the old system): a reply date with no 意见书 and an
    # extension with neither approval nor notice.
    Case.objects.filter(pk=bad.pk).update(reply_delivered_on=D(2026, 10, 20), extension_days=10)
    jobs.scan_errors(D(2026, 11, 26))
    assert set(ErrorEntry.objects.filter(case=bad).values_list("kind", flat=True)) >= {
        "reply_no_document", "extension_unapproved"}
    assert not ErrorEntry.objects.filter(case=proper, kind="extension_unapproved").exists()
    entry = ErrorEntry.objects.get(case=bad, kind="extension_unapproved")
    assert "没有负责人批准延期的记录" in entry.detail and "没有出具延期告知书" in entry.detail


def group(petition, received_on):
    reps = [PetitionerInput(name=n, is_representative=True) for n in ("陈一", "陈二")]
    reps[0].is_main = True
    return petition(channel="visit", people_count=8, petitioners=reps, received_on=received_on,
                    responsible_unit=None)


def test_group_visit_without_reception(petition, county, at):
    at(D(2026, 11, 26))
    missed = group(petition, D(2026, 11, 10))
    met = group(petition, D(2026, 11, 10))
    case_record_reception(case=met, actor=county.zhang, received=True, leader="东街镇党委书记", on=D(2026, 11, 11))
    recent = group(petition, D(2026, 11, 24))
    jobs.scan_errors(D(2026, 11, 26))
    cases = set(ErrorEntry.objects.filter(kind="group_no_reception").values_list("case_id", flat=True))
    assert cases == {missed.pk}
    assert recent.pk not in cases


def test_scan_is_idempotent(petition, county, at):
    at(D(2026, 11, 26))
    petition(received_on=D(2026, 11, 1))
    assert jobs.scan_errors(D(2026, 11, 26)) == 1
    assert jobs.scan_errors(D(2026, 11, 26)) == 0
    assert jobs.scan_errors(D(2026, 11, 27)) == 0


# --- annotate, contest, decide ---------------------------------------------------------------------------------


@pytest.fixture
def entry(petition, county, at):
    at(D(2026, 11, 26))
    case = petition()
    s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2026, 9, 2))
    jobs.scan_errors(D(2026, 11, 26))
    return ErrorEntry.objects.get(kind="late_acceptance")


def test_contest_flow(entry, county):
    services.error_annotate(entry=entry, actor=county.li, text="信访人联系不上，已留存记录")
    with pytest.raises(PermissionRefused):
        services.error_contest(entry=entry, actor=county.wang, reason="与本单位无关")
    services.error_contest(entry=entry, actor=county.li, reason="9月5日已电话告知，书面告知书补录")
    with pytest.raises(IllegalTransition):
        services.error_contest(entry=entry, actor=county.li, reason="再次异议")
    with pytest.raises(PermissionRefused):
        services.error_decide(entry=entry, actor=county.li_head, withdraw=True, note="自己裁定")
    services.error_decide(entry=entry, actor=county.zhao, withdraw=False, note="电话告知不是书面告知，维持")
    entry.refresh_from_db()
    assert entry.contest == "upheld" and entry.decided_by == county.zhao and entry.notes.count() == 1


def test_error_pages_and_their_boundary(client, entry, county):
    client.force_login(county.li)
    page = client.get(reverse("supervision:errors") + f"?unit={county.town.pk}&month=2026-09").content.decode()
    assert f'data-testid="error-{entry.pk}"' in page
    client.post(reverse("supervision:error_contest", args=[entry.pk]), {"text": "已口头告知"})
    entry.refresh_from_db()
    assert entry.contest == "contested"
    client.force_login(county.wang)
    assert client.get(reverse("supervision:errors") + f"?unit={county.town.pk}").status_code == 404
    assert f'data-testid="error-{entry.pk}"' not in client.get(reverse("supervision:errors")).content.decode()
    for name in ("error_annotate", "error_contest", "error_decide"):
        resp = client.post(reverse(f"supervision:{name}", args=[entry.pk]),
                           {"text": "x", "note": "x", "decision": "withdraw"})
        assert resp.status_code == 404, name
    client.force_login(county.zhao)
    client.post(reverse("supervision:error_decide", args=[entry.pk]), {"decision": "withdraw", "note": "异议成立"})
    entry.refresh_from_db()
    assert entry.contest == "withdrawn"
    assert ErrorEntry.objects.filter(pk=entry.pk).exists()


def test_nothing_can_be_deleted_in_the_admin(county):
    request = RequestFactory().get("/admin/")
    request.user = county.zhao
    for model, admin in site._registry.items():
        if model._meta.app_label == "supervision":
            assert not admin.has_delete_permission(request), model
            assert not admin.has_change_permission(request), model


def test_reminders_go_only_to_units_under_the_bureaus_supervision(petition, county, at, caplog, settings):
    """A 复核 runs at the city: the county's daily job leaves it to the city and logs no failure."""
    item = drive(petition, county, Status.UNDER_REREVIEW)
    rereview = item.clocks.get(rule_code="rereview", stopped_on__isnull=True)
    assert rereview.unit_id == county.city.pk
    settings.XINFANG_REMINDER_MOMENTS = ("due_day",)
    at(rereview.due_on)
    with caplog.at_level("ERROR", logger="xinfang.supervision.jobs"):
        jobs.run_daily(today=rereview.due_on)
    assert not Reminder.objects.filter(case=item).exists()
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
