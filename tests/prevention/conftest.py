"""Prevention fixtures: a village reporter (a role on 东街村 only) and a factory of ledger entries."""

from __future__ import annotations

import datetime as dt

import pytest

from xinfang.orgs.permissions import Role
from xinfang.orgs.services import user_create
from xinfang.prevention import services


@pytest.fixture
def villager(county):
    return user_create(
        username="cun",
        password="Xinfang-2026",
        full_name="东街村报送员",
        unit=county.village,
        roles=[(Role.HANDLER, county.village)],
    )


@pytest.fixture
def xishan(county):
    """A user of another township (西山乡): must never see 东街镇's disputes."""
    return user_create(
        username="xs",
        password="Xinfang-2026",
        full_name="西山乡承办",
        unit=county.town2,
        roles=[(Role.HANDLER, county.town2)],
    )


@pytest.fixture
def entry(county):
    def make(actor=None, **overrides):
        data = dict(
            place=county.village,
            parties="东街村三组村民与某建筑公司",
            dispute_type="labour",
            summary="道路硬化工程结束后，施工方拖欠23名村民工资约46万元。",
            risk_level="high",
            reported_on=dt.date(2026, 9, 1),
            responsible_unit=county.town,
            responsible_leader="李镇长",
            measures="镇劳动保障所约谈施工方",
        )
        data.update(overrides)
        return services.ledger_add(actor=actor or county.li, data=services.EntryInput(**data))

    return make
