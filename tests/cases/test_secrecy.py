"""检举控告: the accuser never reaches the accused (《信访工作条例》第三十条第三款, decisions §5, docs/secrecy.md).

Through the real services: where an accusation may be, who may see it, what is refused and logged.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.cases.helpers import accusation
from xinfang.cases import disclosure, secrecy
from xinfang.cases import services as s
from xinfang.cases.models import Case, CaseAccess, CaseEvent, Notification, PersonalDataAccess, RefusedAttempt
from xinfang.cases.selectors import access_case, person_history, related_items
from xinfang.cases.services import PetitionerInput
from xinfang.cases.states import Status
from xinfang.core.errors import NotFound, PermissionRefused, ValidationFailed
from xinfang.orgs import policies
from xinfang.orgs.permissions import Role
from xinfang.orgs.services import grant_role, unit_set_leaders

pytestmark = pytest.mark.django_db
D = dt.date
ID_CHEN = "11010519491231002X"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        yield


def can_open(user, case) -> bool:
    try:
        access_case(user, case.pk)
    except NotFound:
        return False
    return True


def access_units(case) -> set[int]:
    return set(CaseAccess.objects.filter(case=case).values_list("unit_id", flat=True))


# --- the rule, written once --------------------------------------------------------------------------------


def test_predicate_and_query_condition_agree(petition, county):
    against_town = accusation(petition, county)
    against_housing = accusation(petition, county, accused_unit=county.housing, title="举报住建局")
    appeal = petition()
    users = [county.li, county.li_head, county.housing_handler, county.zhang, county.wang, county.city_head]
    for user in users:
        hidden = set(Case.objects.filter(secrecy.accused_side_q(user)).values_list("pk", flat=True))
        for case in (against_town, against_housing, appeal):
            assert (case.pk in hidden) == secrecy.on_accused_side(user, case), (user.username, case.title)
    # the township's users (and a village below it would be too) are on the accused side; the county is not
    assert secrecy.on_accused_side(county.li, against_town)
    assert not secrecy.on_accused_side(county.county_head, against_town)
    assert not secrecy.on_accused_side(county.li, appeal)


# --- accused unit required, or explicitly 「不明」 -------------------------------------------------------------


def test_accusation_needs_an_accused_unit_or_an_explicit_unknown(petition, county):
    with pytest.raises(ValidationFailed, match="被反映单位不明"):
        accusation(petition, county, accused_unit=None)
    with pytest.raises(ValidationFailed, match="二选一"):
        accusation(petition, county, accused_unit_unknown=True)
    assert not Case.objects.exists()


def test_unknown_accused_unit_blocks_every_hand_over_until_set(petition, county):
    case = accusation(petition, county, accused_unit=None, accused_unit_unknown=True, accused_person="某村干部")
    assert case.accused_unit_unknown and case.status == Status.ROUTING
    moves = [
        lambda: s.case_forward(case=case, actor=county.zhang, target=county.housing, on=D(2026, 11, 26)),
        lambda: s.case_forward(case=case, actor=county.zhang, target=county.housing, on=D(2026, 11, 26),
                               assign_due_on=D(2026, 12, 20)),
        lambda: s.case_route_special(case=case, actor=county.zhang, target=county.discipline),
        lambda: s.case_route_special(case=case, actor=county.zhang, target=county.police),
    ]
    for move in moves:
        with pytest.raises(PermissionRefused, match="请先在信访件页面确定被反映单位"):
            move()
    assert RefusedAttempt.objects.filter(case=case).count() == len(moves)
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.status == Status.ROUTING and fresh.current_unit == county.bureau

    # 王 of another unit cannot set it; the registrar can, and it is recorded
    with pytest.raises(NotFound):
        s.case_set_accused_unit(case=case, actor=county.wang, unit=county.town)
    case = s.case_set_accused_unit(case=case, actor=county.zhang, unit=county.town, person="某副镇长")
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.accused_unit == county.town and not fresh.accused_unit_unknown
    assert fresh.accused_person == "某副镇长"
    event = CaseEvent.objects.get(case=case, action="set_accused_unit")
    assert event.actor == county.zhang and event.data["accused_unit"] == "东街镇" and event.data["from"] == "不明"
    # now it can be routed, but still not to the accused township
    with pytest.raises(PermissionRefused, match="被反映单位"):
        s.case_forward(case=fresh, actor=county.zhang, target=county.town, on=D(2026, 11, 26))
    moved = s.case_forward(case=fresh, actor=county.zhang, target=county.housing, on=D(2026, 11, 26))
    assert moved.status == Status.PENDING_SIGN


def test_correcting_the_accused_unit_removes_its_earlier_access(petition, county):
    case = accusation(petition, county, accused_unit=county.town2)
    s.case_forward(case=case, actor=county.zhang, target=county.housing, on=D(2026, 11, 26))
    case = s.case_object(case=Case.objects.get(pk=case.pk), actor=county.housing_handler,
                         reason="本件反映的是东街镇干部的问题，不属本局职责", on=D(2026, 11, 26))
    assert case.current_unit == county.bureau and county.housing.pk in access_units(case)
    assert can_open(county.housing_handler, case)
    s.case_set_accused_unit(case=case, actor=county.zhang, unit=county.housing)
    assert access_units(case) == {county.bureau.pk}
    assert Case.objects.get(pk=case.pk).access_units == str(county.bureau.pk)
    assert not can_open(county.housing_handler, case)


def test_setting_the_holder_as_accused_hands_the_item_on(petition, county):
    case = accusation(petition, county, accused_unit=None, accused_unit_unknown=True)
    case = s.case_set_accused_unit(case=case, actor=county.zhang, unit=county.bureau)
    assert case.current_unit == county.discipline and case.status == Status.SIGNED
    assert access_units(case) == {county.discipline.pk}
    assert Case.objects.get(pk=case.pk).access_units == str(county.discipline.pk)
    assert not can_open(county.zhang, case)


# --- registration at the accused unit: the lawful organ gets it at once ---------------------------------------


def test_registered_at_the_accused_township_goes_to_the_discipline_organ(petition, county):
    case = accusation(petition, county, actor=county.li, unit=county.town, channel="visit")
    assert case.registering_unit == county.town
    assert case.current_unit == county.discipline and case.status == Status.SIGNED
    assert access_units(case) == {county.discipline.pk}
    assert Case.objects.get(pk=case.pk).access_units == str(county.discipline.pk)
    # the township registered it, that is all: neither its handler nor its head can open it any more
    for user in (county.li, county.li_head, county.town_secretary):
        assert not can_open(user, case), user.username
    assert can_open(county.county_head, case)
    event = CaseEvent.objects.get(case=case, action="transfer_accused")
    assert event.data["to"] == "县纪委监委" and event.actor == county.li
    # a clock for the receiving organ's acceptance decision runs; the registering unit's is replaced
    assert case.due_rule == "acceptance_notice"


def test_accusation_against_the_bureau_leaves_the_bureau(petition, county, calendar_2027):
    case = accusation(petition, county, accused_unit=county.bureau, accused_person="某接访员", title="举报信访局接访员")
    assert case.current_unit == county.discipline and case.status == Status.SIGNED
    assert access_units(case) == {county.discipline.pk}
    assert not can_open(county.zhang, case)
    # 赵 supervises the county but works at the bureau: he may see that the item exists, never who accused
    seen = access_case(county.zhao, case.pk)
    assert disclosure.disclose(county.zhao, seen).petitioners == []
    assert not PersonalDataAccess.objects.filter(user=county.zhao).exists()
    # the organ holding it can take its acceptance decision
    grant_role(user=county.police_handler, role=Role.UNIT_HEAD, unit=county.discipline)  # acting head
    accepted = s.case_accept(case=case, actor=county.police_handler, on=D(2026, 11, 26))
    assert accepted.status == Status.HANDLING


def test_accusation_against_the_county_government_goes_up_a_level(petition, county, calendar_2027):
    case = accusation(petition, county, accused_unit=county.county, accused_person="某副县长", title="举报某副县长")
    # the county's own discipline organ is within the county government: the level above takes it
    assert case.current_unit == county.city and case.status == Status.SIGNED
    assert access_units(case) == {county.city.pk}
    for user in (county.zhang, county.county_head, county.zhao, county.li, county.wang):
        assert not can_open(user, case), user.username
    assert can_open(county.city_head, case)
    accepted = s.case_accept(case=case, actor=county.city_head, on=D(2026, 11, 26))
    assert accepted.status == Status.HANDLING and accepted.current_unit == county.city


def test_accusation_against_the_top_unit_is_refused_with_advice(petition, county):
    with pytest.raises(ValidationFailed, match="移交上一级机关"):
        accusation(petition, county, accused_unit=county.city, actor=county.city_head, unit=county.city)
    assert not Case.objects.exists()


def test_review_never_goes_to_the_accused_unit(petition, county):
    # An accusation against the county government handled by the township would have the county review it.
    case = accusation(petition, county, accused_unit=county.county)
    assert case.current_unit == county.city
    with pytest.raises(PermissionRefused):
        s.case_request_review(case=case, actor=county.county_head, received_on=D(2026, 11, 26),
                              reason="不服", review_unit=county.county)


# --- the group-visit alert ---------------------------------------------------------------------------------


def test_group_alert_of_an_accusation_spares_the_accused_and_names_no_title(petition, county):
    unit_set_leaders(unit=county.housing, head=county.housing_handler)
    case = accusation(
        petition, county, channel="visit", people_count=6, problem_place=county.village,
        responsible_unit=county.housing, petitioners=[PetitionerInput(name="陈大明", id_number="11010519491231002X", phone="13800138000", is_representative=True)],
    )
    recipients = set(Notification.objects.filter(case=case).values_list("recipient__username", flat=True))
    assert county.town_secretary.username not in recipients and county.li_head.username not in recipients
    assert recipients == {county.housing_handler.username}
    for n in Notification.objects.filter(case=case):
        assert case.title not in n.message and "低保" not in n.message and case.number in n.message
    # an ordinary group visit still reaches the township's secretary, with its title
    appeal = petition(channel="visit", people_count=6, problem_place=county.village, responsible_unit=county.town,
                      petitioners=[PetitionerInput(name="陈大明", id_number="11010519491231002X", phone="13800138000", is_representative=True)],)
    to_secretary = Notification.objects.get(case=appeal, recipient=county.town_secretary)
    assert appeal.title in to_secretary.message


# --- lists: related items, earlier items of a person -------------------------------------------------------


def test_related_items_list_only_what_the_viewer_may_open_and_be_told(petition, county):
    appeal = petition()
    s.case_forward(case=appeal, actor=county.zhang, target=county.town, on=D(2026, 9, 2))
    later = accusation(petition, county, earlier_items=[appeal], received_on=D(2026, 11, 20))
    appeal = Case.objects.get(pk=appeal.pk)
    # the township sees the appeal but must not learn of the later accusation against it
    assert related_items(county.li, appeal) == ([], [])
    assert related_items(county.zhang, appeal) == ([], [later])
    # a township user with a county-wide grant can open the accusation, but is on its accused side
    grant_role(user=county.li, role=Role.SUPERVISOR, unit=county.county)
    policies.clear_cache(county.li)
    assert can_open(county.li, later)
    assert related_items(county.li, appeal) == ([], [])


def test_person_history_never_names_an_accusation_to_its_accused_side(petition, county):
    case = accusation(petition, county, accused_unit=county.housing)
    grant_role(user=county.housing_handler, role=Role.SUPERVISOR, unit=county.county)
    assert person_history(county.housing_handler, id_number=ID_CHEN) == []
    assert person_history(county.zhang, id_number=ID_CHEN) == [case]
    assert not PersonalDataAccess.objects.filter(user=county.housing_handler).exists()
