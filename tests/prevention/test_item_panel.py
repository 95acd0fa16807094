"""The item page's prevention panel: the 稳评 an item is linked to and the ledger entry it came from, each shown
only to users who may open that record (``selectors.item_panel``, merged into the workbench's item page)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xinfang.prevention import selectors, services
from xinfang.prevention.models import DisputeEntry

pytestmark = pytest.mark.django_db


def assess(actor, unit, decision):
    return services.assessment_record(
        actor=actor,
        data=services.AssessmentInput(
            decision=decision,
            unit=unit,
            decided_on=dt.date(2026, 3, 1),
            risk_level="high",
            conclusion="可以实施",
        ),
    )


@pytest.fixture
def converted(county, entry):
    """东街镇 turns a village entry into an item (registered at the township); 东街镇 and the county each have a
    稳评 linked to it."""
    e = entry()
    case = services.ledger_to_petition(
        actor=county.li, entry=e, data=services.PetitionInput(petitioner_names=["陈大明"], title="拖欠工资")
    )
    town_a = assess(county.li, county.town, "东街村道路硬化工程实施方案")
    county_a = assess(county.county_head, county.county, "全县农村公路建设三年计划")
    services.assessment_link_case(actor=county.li, assessment=town_a, case=case, note="工程欠薪引发")
    services.assessment_link_case(actor=county.county_head, assessment=county_a, case=case)
    e.refresh_from_db()
    return e, case, town_a, county_a


def page(client, user, case) -> str:
    client.force_login(user)
    response = client.get(reverse("workbench:case_detail", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_item_page_links_the_source_entry_and_the_assessments_the_user_may_open(
    client, county, converted
):
    e, case, town_a, county_a = converted
    entry_url = reverse("prevention:entry", args=[e.pk])
    town_url = reverse("prevention:assessment", args=[town_a.pk])
    county_url = reverse("prevention:assessment", args=[county_a.pk])
    # The county leader sees both 稳评 and the entry.
    html = page(client, county.county_head, case)
    assert 'data-testid="prevention-panel"' in html
    assert entry_url in html and town_url in html and county_url in html
    assert "东街村道路硬化工程实施方案" in html and "工程欠薪引发" in html
    # 李 (东街镇) sees the entry and the township's 稳评, not the county's: it is outside his scope.
    html = page(client, county.li, case)
    assert entry_url in html and town_url in html
    assert county_url not in html and "全县农村公路建设三年计划" not in html
    assert client.get(town_url).status_code == 200 and client.get(county_url).status_code == 404


def test_a_user_who_may_not_see_the_records_gets_no_panel(client, county, converted, petition):
    e, _case, town_a, county_a = converted
    # The same entry and 稳评 on an item at the 信访局 (as if the item had reached it): 张 opens the item but
    # neither the village's entry nor the township's or county's 稳评.
    at_bureau = petition()
    DisputeEntry.objects.filter(pk=e.pk).update(case=at_bureau)
    services.assessment_link_case(actor=county.li, assessment=town_a, case=at_bureau)
    services.assessment_link_case(actor=county.county_head, assessment=county_a, case=at_bureau)
    assert selectors.item_panel(county.zhang, at_bureau) == {
        "prevention_assessment_links": [],
        "prevention_source_entry": None,
    }
    html = page(client, county.zhang, at_bureau)
    assert 'data-testid="prevention-panel"' not in html
    assert reverse("prevention:entry", args=[e.pk]) not in html
    assert reverse("prevention:assessment", args=[town_a.pk]) not in html
    assert "东街村道路硬化工程实施方案" not in html and "东街村三组村民与某建筑公司" not in html
    # The county leader, on the same item, sees them.
    html = page(client, county.county_head, at_bureau)
    assert reverse("prevention:entry", args=[e.pk]) in html
    assert reverse("prevention:assessment", args=[county_a.pk]) in html


def test_the_accused_side_of_an_accusation_is_not_told_of_its_prevention_records(client, county, petition):
    accusation = petition(
        title="检举某单位工作人员违规发放补贴",
        claim_type="accusation",
        purpose="expose",
        accused_unit=county.bureau,
        accused_person="某科长",
    )
    a = assess(county.county_head, county.county, "信访局补贴发放办法")
    services.assessment_link_case(actor=county.county_head, assessment=a, case=accusation)
    # 赵 works at the accused 信访局; his grant covers the county, so the 稳评 is otherwise his to see.
    assert selectors.may_see_ledger(county.zhao) and a in selectors.assessments_visible_to(county.zhao)
    assert selectors.item_panel(county.zhao, accusation) == {}
    assert reverse("prevention:assessment", args=[a.pk]) not in page(client, county.zhao, accusation)
    assert reverse("prevention:assessment", args=[a.pk]) in page(client, county.county_head, accusation)


def test_the_panel_costs_two_queries(county, converted):
    _e, case, _town_a, _county_a = converted
    selectors.may_see_ledger(county.county_head)  # the user's grants, loaded once per request anyway
    with CaptureQueriesContext(connection) as ctx:
        panel = selectors.item_panel(county.county_head, case)
        # Reading what the template reads costs nothing more.
        for link in panel["prevention_assessment_links"]:
            str(link.assessment.unit.name)
        source = panel["prevention_source_entry"]
        str(source.township.name), str(source.place.name)
    assert len(panel["prevention_assessment_links"]) == 2 and source is not None
    assert len(ctx.captured_queries) <= 2, [q["sql"] for q in ctx.captured_queries]
