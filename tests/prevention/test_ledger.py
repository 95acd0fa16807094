"""The ledger: who may add and see entries, updates, follow-ups, and an entry becoming a petition item."""

from __future__ import annotations

import datetime as dt

import pytest

from xinfang.cases.models import Case
from xinfang.core.errors import PermissionRefused, ValidationFailed
from xinfang.prevention import selectors, services
from xinfang.prevention.models import DisputeEntry, FollowUp, Resolution

pytestmark = pytest.mark.django_db


def test_a_village_reporter_adds_an_entry_and_sees_only_their_village(county, villager, entry):
    own = entry(actor=villager)
    town_level = entry(place=county.town, parties="东街镇集市摊位纠纷双方")
    assert own.township == county.town and own.reporter == villager and own.reporter_name == "东街村报送员"
    assert list(selectors.entries_visible_to(villager)) == [own]
    assert set(selectors.entries_visible_to(county.li)) == {own, town_level}
    # The county sees everything below it.
    assert set(selectors.entries_visible_to(county.zhao)) == {own, town_level}


def test_only_village_and_township_staff_report_within_their_subtree(county, villager, xishan, entry):
    with pytest.raises(PermissionRefused):
        entry(actor=villager, place=county.town)  # the township is above the village reporter
    with pytest.raises(PermissionRefused):
        entry(actor=xishan)  # another township
    with pytest.raises(PermissionRefused):
        entry(actor=county.zhang)  # the county bureau records meetings, not the screening ledger
    assert not DisputeEntry.objects.exists()


def test_validation_lists_every_problem_in_chinese(county, entry):
    with pytest.raises(ValidationFailed) as exc:
        entry(parties=" ", dispute_type="x", risk_level="很高", summary="", reported_on=dt.date(2099, 1, 1))
    message = exc.value.message
    assert "请填写当事人" in message and "请填写简要情况" in message
    assert "风险等级「很高」无效，可选：低、中、高、重大" in message
    assert "纠纷类型「x」无效" in message and "不能晚于今天" in message


def test_update_and_followups(county, entry):
    e = entry()
    data = services.EntryInput(
        place=county.village,
        parties=e.parties,
        dispute_type="labour",
        summary=e.summary,
        risk_level="medium",
        reported_on=e.reported_on,
        resolution=Resolution.RESOLVED,
        measures="施工方已支付全部工资",
    )
    services.ledger_update(actor=county.li, entry=e, data=data)
    e.refresh_from_db()
    assert e.resolution == Resolution.RESOLVED and e.resolved_on is not None and e.risk_level == "medium"
    services.followup_add(actor=county.li, entry=e, on=dt.date(2026, 9, 3), note="回访村民，工资已到账")
    assert FollowUp.objects.get(entry=e).note == "回访村民，工资已到账"
    with pytest.raises(ValidationFailed):
        services.followup_add(actor=county.li, entry=e, on=dt.date(2026, 8, 1), note="早于排查日期")


def test_entry_becomes_a_petition_through_case_register(county, entry, monkeypatch):
    e = entry()
    calls = []
    real = services.case_register

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, "case_register", spy)
    case = services.ledger_to_petition(
        actor=county.li,
        entry=e,
        data=services.PetitionInput(petitioner_names=["陈大明"], received_on=dt.date(2026, 9, 2)),
    )
    assert len(calls) == 1 and calls[0]["unit"] == county.town
    e.refresh_from_db()
    assert e.resolution == Resolution.PETITION and e.case == case
    assert Case.objects.get(pk=case.pk).dispute_entry == e  # the link both ways
    assert case.problem_place == county.village and case.responsible_unit == county.town
    assert "由矛盾纠纷排查台账转入" in case.content
    assert e.followups.last().note.startswith("转为信访件")
    with pytest.raises(ValidationFailed):
        services.ledger_to_petition(
            actor=county.li, entry=e, data=services.PetitionInput(petitioner_names=["陈大明"])
        )
    # The status stays 转为信访件 through later edits.
    data = services.EntryInput(
        place=county.village,
        parties=e.parties,
        dispute_type="labour",
        summary=e.summary,
        risk_level="low",
        reported_on=e.reported_on,
        resolution=Resolution.RESOLVED,
    )
    services.ledger_update(actor=county.li, entry=e, data=data)
    e.refresh_from_db()
    assert e.resolution == Resolution.PETITION and e.risk_level == "low"


def test_conversion_is_refused_to_a_supervisor_and_writes_nothing(county, entry):
    e = entry()
    with pytest.raises(PermissionRefused):
        services.ledger_to_petition(
            actor=county.zhao, entry=e, data=services.PetitionInput(petitioner_names=["陈"])
        )
    assert not Case.objects.exists()
