"""The authorization sweep (bench/authz_sweep.py) over the test county: every URL × every user × items they may
and may not see, with a 检举控告 item whose accused unit contains most users. 0 leaks and 0 server errors."""

from __future__ import annotations

import datetime as dt

import pytest

from bench.authz_sweep import sweep
from xinfang.cases import services as s
from xinfang.cases.services import PetitionerInput, UploadInput
from xinfang.orgs.models import User

PDF = b"%PDF-1.4\n%%EOF"


@pytest.fixture
def items(petition, county):
    town_item = petition(attachments=[UploadInput(name="欠条.pdf", content=PDF)])
    s.case_forward(case=town_item, actor=county.zhang, target=county.town, on=dt.date(2026, 9, 2))
    labour_item = petition(
        title="县人社局社保补缴申请无人受理",
        petitioners=[PetitionerInput(name="孙秀英", id_number="110105195001010020", phone="13900139000",
                                     address="东街村三组12号")],
    )
    s.case_forward(case=labour_item, actor=county.zhang, target=county.labour, on=dt.date(2026, 9, 2))
    # Accuses the 信访局 itself: registered there, it goes at once to the 纪委监委 and the bureau keeps no access;
    # 赵 (unit: the bureau, grant: the whole county) still sees it, without the accuser.
    accusation = petition(
        title="检举某单位工作人员违规发放补贴",
        claim_type="accusation",
        purpose="expose",
        accused_unit=county.bureau,
        accused_person="某科长",
        petitioners=[PetitionerInput(name="钱守义", id_number="110105196502020010", phone="13700137000",
                                     address="西山乡茶园村5号")],
        attachments=[UploadInput(name="举报材料.pdf", content=PDF)],
    )
    at_bureau = petition(title="西山乡农村低保评定不公")
    return [town_item, labour_item, accusation, at_bureau]


def test_no_leaks_and_no_server_errors(items, county):
    users = list(User.objects.select_related("unit").order_by("username"))
    # Every user, every URL pattern; one visible and one unseen item each (the 检举控告 item comes first for
    # the users it is masked for), a sample of the action codes. The bench script sweeps wider.
    figures = sweep(users, items=1, actions=6, probes=1, admin=False, log=lambda _line: None)
    assert figures.leaks == []
    assert figures.errors == []
    # The sweep really exercised both sides of every boundary.
    assert figures.denied_as_expected > 100
    assert figures.masked_checked > 10
    assert figures.posts_unseen > 50
    assert all("case_id" not in skipped for skipped in figures.skipped)


def test_admin_site_is_closed_to_staff_without_admin_rights(items, county):
    figures = sweep([county.zhang, county.wang], items=1, actions=1, probes=0, log=lambda _line: None)
    assert figures.leaks == [] and figures.errors == []
    assert figures.statuses.get(302, 0) > 20  # the admin pages sent them to the admin login


def test_the_sweep_finds_a_hidden_accuser_shown_to_the_accused_unit(items, county, monkeypatch):
    """The sweep is not blind: with the identity rule switched off it reports the accuser's name."""
    from xinfang.cases import secrecy

    monkeypatch.setattr(secrecy, "unit_is_accused", lambda case, unit: False)
    figures = sweep([county.zhao], items=3, actions=2, admin=False, log=lambda _line: None)
    assert any("钱守义" in leak or "110105196502020010" in leak for leak in figures.leaks), figures.leaks[:5]


def test_the_sweep_finds_an_item_shown_outside_its_units(items, county, monkeypatch):
    """With the visibility rule broken (every item for everyone), pages of unseen items count as leaks."""
    from xinfang.cases import selectors
    from xinfang.cases.models import Case

    monkeypatch.setattr(selectors, "cases_visible_to", lambda user: Case.objects.all())
    figures = sweep([county.wang], items=2, actions=2, admin=False, log=lambda _line: None)
    assert any("不可见信访件" in leak for leak in figures.leaks)


def test_linked_items_outside_the_users_units_are_not_listed(county, petition):
    """王 sees the earlier item (forwarded to 县人社局); the later one, still at the bureau, is not his to see."""
    earlier = petition(title="社保补缴申请无人受理")
    s.case_forward(case=earlier, actor=county.zhang, target=county.labour, on=dt.date(2026, 9, 2))
    later = petition(title="再次反映：社保补缴申请仍无人受理", earlier_items=[earlier],
                     received_on=dt.date(2026, 10, 8))
    figures = sweep([county.wang], items=2, actions=1, probes=0, admin=False, log=lambda _line: None)
    assert not [leak for leak in figures.leaks if later.number in leak], figures.leaks[:3]
