"""The monthly summary, 联席研判 decisions as tasks, and 稳评 links between decisions and petition items."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from xinfang.core.errors import PermissionRefused, ValidationFailed
from xinfang.prevention import selectors, services
from xinfang.prevention.models import MeetingDecision, Resolution

pytestmark = pytest.mark.django_db


def test_monthly_summary_counts(client, county, entry, xishan):
    entry(reported_on=dt.date(2026, 9, 20))
    entry(reported_on=dt.date(2026, 10, 3), dispute_type="neighbour", risk_level="low", place=county.town)
    resolved = entry(reported_on=dt.date(2026, 10, 8), dispute_type="neighbour", risk_level="low")
    entry(
        actor=xishan,
        place=county.town2,
        responsible_unit=county.town2,
        reported_on=dt.date(2026, 10, 9),
        dispute_type="pollution",
    )
    entry(reported_on=dt.date(2026, 11, 2))  # after October: not counted
    data = services.EntryInput(
        place=county.village,
        parties=resolved.parties,
        dispute_type="neighbour",
        summary=resolved.summary,
        risk_level="low",
        reported_on=resolved.reported_on,
        resolution=Resolution.RESOLVED,
    )
    services.ledger_update(actor=county.li, entry=resolved, data=data)
    s = selectors.monthly_summary(county.zhao, dt.date(2026, 10, 1))
    assert s.townships == ["东街镇", "西山乡"]
    by_type = {label: (counts, total) for label, counts, total in s.by_type}
    assert (
        by_type["劳资纠纷"] == ([1, 0], 1)
        and by_type["邻里纠纷"] == ([2, 0], 2)
        and by_type["环境污染"] == ([0, 1], 1)
    )
    assert {label: total for label, _, total in s.by_risk} == {"低": 2, "中": 0, "高": 2, "重大": 0}
    assert s.total == 4 and s.new_in_month == 3
    # Resolved today (outside October): not counted as resolved in October.
    assert s.resolved_in_month == 0
    assert selectors.monthly_summary(county.zhao, resolved.resolved_on).resolved_in_month == 1
    # 东街镇's handler sees only 东街镇.
    assert selectors.monthly_summary(county.li, dt.date(2026, 10, 1)).townships == ["东街镇"]
    client.force_login(county.zhao)
    body = client.get(reverse("prevention:summary"), {"month": "2026-10"}).content.decode()
    assert "西山乡" in body and "环境污染" in body
    assert client.get(reverse("prevention:summary"), {"month": "bad"}).status_code == 200


def test_meeting_decisions_are_tasks_open_until_done(client, county, entry, petition):
    e = entry()
    case = petition()
    meeting = services.meeting_record(
        actor=county.zhang,
        data=services.MeetingInput(
            unit=county.bureau,
            held_on=dt.date(2026, 10, 15),
            topic="10月矛盾纠纷联席研判",
            units_present=[county.town, county.housing],
            cases=[case],
            entries=[e],
            decisions=[
                services.DecisionInput(
                    text="督促施工方11月底前结清工资", owner_unit=county.town, due_on=dt.date(2026, 11, 30)
                )
            ],
        ),
    )
    decision = meeting.decisions.get()
    assert list(selectors.open_decisions_for(county.li)) == [decision]
    assert list(selectors.open_decisions_for(county.wang)) == []
    # The township sees the meeting because it owns a task; 王 does not.
    assert selectors.access_meeting(county.li, meeting.pk) == meeting
    client.force_login(county.wang)
    assert client.get(reverse("prevention:meeting", args=[meeting.pk])).status_code == 404
    assert (
        client.post(
            reverse("prevention:decision_done", args=[meeting.pk, decision.pk]), {"note": "x"}
        ).status_code
        == 404
    )
    with pytest.raises(PermissionRefused):
        services.decision_complete(actor=county.wang, decision=decision, note="越权")
    client.force_login(county.li)
    page = client.get(reverse("prevention:meeting", args=[meeting.pk])).content.decode()
    # 李 sees the entry; the item, still at the bureau, is not his to see and is not listed.
    assert "督促施工方" in page and case.number not in page
    assert (
        client.post(
            reverse("prevention:decision_done", args=[meeting.pk, decision.pk]), {"note": "工资已结清"}
        ).status_code
        == 302
    )
    decision.refresh_from_db()
    assert decision.done_on is not None and decision.done_by == county.li
    assert not selectors.open_decisions_for(county.li).exists()
    with pytest.raises(ValidationFailed):
        services.decision_complete(actor=county.li, decision=decision, note="再次")


def test_meeting_validation(county):
    with pytest.raises(ValidationFailed, match="第1项议定事项：请选择责任单位"):
        services.meeting_record(
            actor=county.zhang,
            data=services.MeetingInput(
                unit=county.bureau,
                held_on=dt.date(2026, 10, 15),
                topic="研判",
                decisions=[services.DecisionInput(text="事项", owner_unit=None, due_on=dt.date(2026, 11, 1))],
            ),
        )
    with pytest.raises(PermissionRefused):
        services.meeting_record(
            actor=county.wang,
            data=services.MeetingInput(unit=county.bureau, held_on=dt.date(2026, 10, 15), topic="研判"),
        )
    assert not MeetingDecision.objects.exists()


def test_assessment_links_items_to_the_decision(client, county, petition):
    a = services.assessment_record(
        actor=county.county_head,
        data=services.AssessmentInput(
            decision="东街镇旧城改造征收方案",
            unit=county.county,
            decided_on=dt.date(2026, 3, 1),
            risk_level="high",
            conclusion="可以实施，须同步落实补偿安置",
            measures="分批征收，公开补偿标准",
        ),
    )
    case = petition(title="旧城改造征收补偿过低")
    client.force_login(county.county_head)
    response = client.post(
        reverse("prevention:assessment_link", args=[a.pk]),
        {"case_number": case.number, "note": "征收补偿争议"},
    )
    assert response.status_code == 302
    page = client.get(reverse("prevention:assessment", args=[a.pk])).content.decode()
    assert case.number in page and "征收补偿争议" in page
    assert selectors.assessments_for_case(county.county_head, case) == [a]
    with pytest.raises(ValidationFailed):
        services.assessment_link_case(actor=county.county_head, assessment=a, case=case)
    # Another unit cannot open the decision nor link to it.
    client.force_login(county.wang)
    assert client.get(reverse("prevention:assessment", args=[a.pk])).status_code == 404
    assert (
        client.post(
            reverse("prevention:assessment_link", args=[a.pk]), {"case_number": case.number}
        ).status_code
        == 404
    )
