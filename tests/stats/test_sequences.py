"""``verify`` reports no mismatch after any sequence of moves, fills on later days and refills (random sequences
with fixed seeds, through the real services)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from xinfang.cases import services as s
from xinfang.core.errors import XinfangError
from xinfang.stats import fill

from ..cases.helpers import items, opinion

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_sequences_always_verify(petition, county, seed):
    rng = random.Random(seed)
    day = D(2026, 1, 5)
    cases = []
    fills = refills = 0

    def step(case):
        """The next move of an item, by its state (some moves are refused: that is part of the sequence)."""
        st, on = case.status, day
        if st == "routing":
            return s.case_forward(case=case, actor=county.zhang, target=rng.choice([county.town, county.housing]), on=on)
        handler = county.li if case.current_unit_id == county.town.pk else county.housing_handler
        if st == "pending_sign":
            return s.case_sign(case=case, actor=handler, on=on)
        if st == "signed":
            return s.case_accept(case=case, actor=handler, on=on)
        if st == "handling":
            return s.case_reply(case=case, actor=handler, doc=opinion(), items=items(), on=on)
        if st == "replied":
            return s.case_deliver(method="post", case=case, actor=handler, delivered_on=on)
        if st == "delivered" and case.evaluation_status == "pending":
            return s.case_evaluate(case=case, bureau="satisfied", unit=rng.choice(["satisfied", "unsatisfied"]), on=on)
        return case

    for _ in range(40):
        day += dt.timedelta(days=rng.randint(1, 9))
        roll = rng.random()
        if roll < 0.25 or not cases:
            earlier = [c for c in cases if c.received_on < day] if rng.random() < 0.2 else []
            cases.append(petition(title=f"第{len(cases)}件", received_on=day, earlier_items=earlier[:1],
                                  channel=rng.choice(["letter", "visit", "online"])))
        elif roll < 0.75:
            i = rng.randrange(len(cases))
            try:
                cases[i] = step(cases[i])
            except XinfangError:
                pass
        elif roll < 0.9:
            s.run_daily_tick(today=day)
            fill.fill(day)
            fills += 1
        else:
            start = day - dt.timedelta(days=rng.randint(0, 60))
            fill.refill(start, day, day)
            refills += 1
        cases = [type(c).objects.get(pk=c.pk) for c in cases]
    fill.fill(day + dt.timedelta(days=120))  # every 息诉罢访 window has ended
    problems, checked = fill.verify()
    assert problems == [], problems[:5]
    assert checked > 20 and fills + refills > 3
