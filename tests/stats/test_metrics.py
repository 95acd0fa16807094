"""Each metric from hand-built item histories, driven through the real services with explicit dates; every
expected figure is worked out here from the histories, not read back from the code under test."""

from __future__ import annotations

import datetime as dt

import pytest

from xinfang.cases import services as s
from xinfang.deadlines.services import compute_deadline
from xinfang.stats import fill, selectors

from ..cases.helpers import items, opinion

pytestmark = pytest.mark.django_db
D = dt.date
YEAR = (D(2026, 1, 1), D(2026, 12, 31))
SEP_2, SEP_3, OCT_20 = D(2026, 9, 2), D(2026, 9, 3), D(2026, 10, 20)


def figures(*period, unit=None, place=None):
    return selectors.summary(selectors.scope_for(None, unit=unit, place=place), *(period or YEAR))


def metric(name, *period, **kw):
    m = figures(*period, **kw)["metrics"][name]
    return m["numerator"], m["denominator"]


def forwarded(petition, county, target=None, on=SEP_2, **kw):
    case = petition(**kw)
    return s.case_forward(case=case, actor=county.zhang, target=target or county.town, on=on)


def accept(case, actor, on, signed=SEP_3):
    case = s.case_sign(case=case, actor=actor, on=min(signed, on))
    return s.case_accept(case=case, actor=actor, on=on)


def test_timely_acceptance_on_time_late_undecided_and_returned(petition, county):
    a = forwarded(petition, county)
    accept(a, county.li, D(2026, 9, 4))  # on time
    b = forwarded(petition, county, title="乙")
    due = b.clocks.get(rule_code="acceptance_notice").due_on
    accept(b, county.li, due + dt.timedelta(days=1))  # one day late
    forwarded(petition, county, title="丙")  # never decided: late once its due date has passed
    d = forwarded(petition, county, title="丁")  # the town objects, the bureau agrees, routes it to housing
    d = s.case_object(case=d, actor=county.li, reason="该事项属县住建局职责，不属本镇", on=D(2026, 9, 3))
    d = s.case_decide_objection(case=d, actor=county.zhang, approve=True, on=D(2026, 9, 4))
    d = s.case_forward(case=d, actor=county.zhang, target=county.housing, on=D(2026, 9, 5))
    accept(d, county.housing_handler, D(2026, 9, 6), signed=D(2026, 9, 6))
    fill.fill(D(2026, 11, 30))
    # a, b, c at the town (due 15 days after 9-2); d's returned clock is replaced, its new one counts at housing.
    assert metric("及时受理率") == (2, 4)
    assert metric("及时受理率", unit=county.town) == (1, 3)
    assert metric("及时受理率", unit=county.housing) == (1, 1)
    town_due = compute_deadline("acceptance_notice", D(2026, 9, 2)).due
    assert metric("及时受理率", town_due, town_due, unit=county.town) == (1, 3)
    assert metric("及时受理率", D(2026, 8, 1), town_due - dt.timedelta(days=1), unit=county.town) == (0, 0)


def test_handling_on_time_against_the_extended_due_date(petition, county):
    def accepted(title):
        case = forwarded(petition, county, title=title)
        s.case_sign(case=case, actor=county.li, on=D(2026, 9, 3))
        return s.case_accept(case=case, actor=county.li, on=D(2026, 9, 4))

    extended = s.case_extend(case=accepted("延期件"), actor=county.li_head, days=30, reason="需补充调查",
                             on=D(2026, 10, 10))
    plain = accepted("普通件")
    late_day = compute_deadline("handling", D(2026, 9, 4)).due + dt.timedelta(days=3)
    for case in (extended, plain):  # both delivered after 60 days: only the extended one is on time
        case = s.case_reply(case=case, actor=county.li, doc=opinion(), items=items(), on=late_day)
        s.case_deliver(method="post", case=case, actor=county.li, delivered_on=late_day)
    fill.fill(D(2026, 12, 31))
    assert metric("按期办结率") == (1, 2)
    assert metric("初信初访办结率") == (1, 2)
    extended_due = compute_deadline("handling_extended", D(2026, 9, 4), extra_days=30).due
    assert metric("按期办结率", extended_due, extended_due) == (1, 1)


def delivered(petition, county, title, on=OCT_20, **kw):
    case = forwarded(petition, county, title=title, **kw)
    s.case_sign(case=case, actor=county.li, on=D(2026, 9, 3))
    s.case_accept(case=case, actor=county.li, on=D(2026, 9, 4))
    case = s.case_reply(case=case, actor=county.li, doc=opinion(), items=items(), on=on)
    return s.case_deliver(method="post", case=case, actor=county.li, delivered_on=on)


def test_participation_and_satisfaction(petition, county):
    happy = delivered(petition, county, "甲")
    cross = delivered(petition, county, "乙")
    delivered(petition, county, "丙", on=D(2026, 9, 20))  # never evaluated: marked 超期未评价 by the daily job
    s.case_evaluate(case=happy, bureau="satisfied", unit="basic", on=D(2026, 10, 25))
    s.case_evaluate(case=cross, bureau="satisfied", unit="unsatisfied", on=D(2026, 10, 26))
    s.run_daily_tick(today=D(2026, 11, 30))
    fill.fill(D(2026, 11, 30))
    assert metric("参评率") == (2, 3)
    assert metric("满意率") == (1, 2)  # 基本满意 counts as satisfied; 不满意 does not
    assert metric("满意率", unit=county.town) == (1, 2)


def test_persons_count_everyone_of_a_group_and_visit_rates(petition, county):
    people = [s.PetitionerInput(name="甲", is_representative=True), s.PetitionerInput(name="乙")]
    petition(channel="visit", petitioners=people, people_count=6, title="集体访")
    petition(channel="visit", is_skip_level=True, title="越级访")
    petition(channel="letter", title="来信")
    fill.fill(D(2026, 11, 30))
    data = figures()
    assert data["volumes"]["件次"] == 3
    assert data["volumes"]["人次"] == 6 + 1 + 1
    assert data["volumes"]["by_channel"] == {"来访": 2, "来信": 1}
    assert data["metrics"]["集体上访率"]["numerator"] == 1 and data["metrics"]["集体上访率"]["denominator"] == 2
    assert metric("集体上访率（人次）") == (6, 7)
    assert metric("越级上访率") == (1, 2)
    # Whole months come from the monthly roll-ups, other days from the daily counts: the same figures either way.
    assert data["volumes"]["by_township"] == {"东街镇": 3}
    around = figures(D(2026, 8, 15), D(2026, 9, 15))
    assert around["volumes"]["人次"] == 8 and around["volumes"]["by_township"] == {"东街镇": 3}
    assert figures(D(2026, 9, 2), D(2026, 9, 30))["volumes"]["件次"] == 0  # received 9-1
    assert sum(data["volumes"]["by_category"].values()) == 3


def test_repeats_settlement_and_local_resolution(petition, county, settings):
    settings.XINFANG_SETTLED_DAYS = 90
    quiet = delivered(petition, county, "一次办结", on=D(2026, 9, 10))
    again = delivered(petition, county, "再次信访", on=D(2026, 9, 10))
    petition(title="同一事项再次来信", received_on=D(2026, 10, 1), earlier_items=[again])
    fill.fill(D(2026, 11, 30))
    assert metric("重复信访率") == (1, 3)
    # The windows end on 12-9: not yet counted on 11-30 ...
    assert metric("息诉罢访") == (0, 0)
    assert metric("就地化解率") == (1, 2)  # the town concluded both; one was followed by a repeat
    # ... and counted by the fill of a later day, with no new event.
    fill.fill(D(2026, 12, 10))
    assert metric("息诉罢访") == (1, 2)
    assert metric("息诉罢访", D(2026, 12, 9), D(2026, 12, 9)) == (1, 2)
    assert quiet.pk != again.pk


def test_a_backdated_act_counts_on_its_stated_date(petition, county):
    case = forwarded(petition, county)
    accept(case, county.li, D(2026, 9, 4))
    fill.fill(D(2026, 11, 30))
    assert metric("及时受理率") == (1, 1)  # decided on 9-4, recorded whenever: on time


def test_fill_refill_and_new_events_always_verify(petition, county):
    a = forwarded(petition, county)
    fill.fill(D(2026, 11, 30))
    assert fill.verify() == ([], fill.verify()[1])
    # New events, then a fill that recomputes only the item that changed.
    accept(a, county.li, D(2026, 9, 4))
    b = forwarded(petition, county, title="乙")
    result = fill.fill(D(2026, 11, 30))
    assert result.items == 2
    assert fill.fill(D(2026, 11, 30)).items == 0  # nothing new
    assert fill.refill(D(2026, 9, 1), D(2026, 9, 30), D(2026, 11, 30)) == 2
    problems, checked = fill.verify()
    assert problems == [] and checked > 5
    # A fill that lost track of an item (as if its event committed after a fill had read past it) is caught by
    # the lookback: the item's own mark says its facts are older than its newest event.
    from xinfang.stats.models import ItemMark

    ItemMark.objects.filter(case_id=b.pk).update(upto=0)
    assert fill.fill(D(2026, 11, 30)).items == 1
    assert fill.verify()[0] == []


def test_a_wrong_count_is_reported(petition, county):
    from xinfang.stats.models import DailyCount

    forwarded(petition, county)
    fill.fill(D(2026, 11, 30))
    DailyCount.objects.filter(metric="items").update(n=5)
    problems, _ = fill.verify()
    # The daily count disagrees with the events, and every roll-up with the daily count.
    from xinfang.stats.rollups import ROLLUPS

    assert len(problems) == 1 + len(ROLLUPS) == 7
    assert any("items" in p and "事件重算 1，明细 1，日汇总 5" in p for p in problems)
    assert {p.split(" ")[0] for p in problems if "按日汇总 5，汇总表 1" in p} == {
        r.model._meta.verbose_name for r in ROLLUPS}


def test_a_recomputation_rewrites_only_the_facts_that_changed(petition, county):
    from xinfang.stats.models import ItemFact, ItemMark

    a = forwarded(petition, county)
    fill.fill(D(2026, 9, 3))
    before = {(f.metric, f.sub, f.day): f.pk for f in ItemFact.objects.filter(case_id=a.pk)}
    assert ("items", "letter", a.received_on) in before and not any(m.startswith("accept") for m, _, _ in before)
    accept(a, county.li, D(2026, 9, 4))
    assert fill.fill(D(2026, 9, 4)).items == 1
    after = {(f.metric, f.sub, f.day): f.pk for f in ItemFact.objects.filter(case_id=a.pk)}
    # The volumes are the same rows; the acceptance decided on time adds its two facts.
    assert {k: v for k, v in after.items() if k in before} == before
    assert {m for m, _, _ in set(after) - set(before)} == {"accept_due", "accept_on_time"}
    assert ItemMark.objects.get(case_id=a.pk).upto == a.events.order_by("-pk").first().pk
    assert fill.verify()[0] == []
