"""An item at 东街镇 for the leaders' tests, with the day frozen so windows and deadlines are exact."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from xinfang.cases import services as s

CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 9, 10, 10, 0, tzinfo=CST), tick=False) as traveller:
        yield traveller


@pytest.fixture
def town_item(petition, county):
    """Registered at the bureau on 2026-09-01 and forwarded to 东街镇."""
    case = petition()
    s.case_forward(case=case, actor=county.zhang, target=county.town, on=dt.date(2026, 9, 2))
    case.refresh_from_db()
    return case


@pytest.fixture
def labour_item(petition, county):
    case = petition(title="县人社局社保补缴申请无人受理")
    s.case_forward(case=case, actor=county.zhang, target=county.labour, on=dt.date(2026, 9, 2))
    case.refresh_from_db()
    return case
