"""Legal corrections: who may receive what, and the dates and identities the law ties an action to."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.cases.helpers import D, drive
from xinfang.cases import services as s
from xinfang.cases.models import Clock
from xinfang.cases.selectors import access_case, queue_for
from xinfang.cases.states import Status
from xinfang.cases.workflow import Action, Move, transition
from xinfang.core.errors import IllegalTransition, NotFound, ValidationFailed
from xinfang.orgs.permissions import Role
from xinfang.orgs.services import user_create

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


def accusation(petition, county, **kw):
    return petition(
        claim_type="accusation", purpose="expose", title="村干部侵占集体资金", accused_person="某村干部",
        **{"accused_unit": county.village, **kw},
    )


# --- items routed to 政法 / 纪检监察 reach that organ -------------------------------------------------------


class TestRoutedToSpecialOrgans:
    def test_discipline_head_sees_the_item_and_finds_it_on_the_workbench(self, petition, county):
        head = user_create(username="jw", password="Xinfang-2026", full_name="纪委负责人", unit=county.discipline,
                           roles=[(Role.UNIT_HEAD, county.discipline)])
        case = s.case_route_special(case=accusation(petition, county), actor=county.zhang,
                                    target=county.discipline, on=D(2026, 9, 2))
        assert case.status == Status.DISCIPLINE_ROUTED and case.current_unit == county.discipline
        assert access_case(head, case.pk).pk == case.pk
        assert [row.case.pk for row in queue_for(head).others] == [case.pk]
        with pytest.raises(NotFound):
            access_case(county.wang, case.pk)

    def test_legal_department_sees_the_item(self, petition, county):
        case = s.case_route_special(case=petition(), actor=county.zhang, target=county.police, on=D(2026, 9, 2))
        assert case.current_unit == county.police
        assert access_case(county.police_handler, case.pk).pk == case.pk

    def test_only_accusations_go_to_discipline(self, petition, county):
        case = petition()  # 申诉求决
        with pytest.raises(ValidationFailed, match="只有检举控告类信访件才能转纪检监察机关"):
            s.case_route_special(case=case, actor=county.zhang, target=county.discipline, on=D(2026, 9, 2))
        case.refresh_from_db()
        assert case.status == Status.ROUTING


# --- Art. 23 ¶1: an organ passes a directly received item to its own subordinate unit -------------------


class TestDirectReceiptForwardedDown:
    def direct(self, petition, county):
        return petition(actor=county.county_head, unit=county.county)

    def test_forward_to_own_subordinate_unit(self, petition, county):
        case = self.direct(petition, county)
        assert case.status == Status.SIGNED
        case = s.case_forward(case=case, actor=county.county_head, target=county.town, on=D(2026, 9, 3))
        assert case.status == Status.PENDING_SIGN and case.current_unit == county.town
        first, second = Clock.objects.filter(case=case, rule_code="acceptance_notice").order_by("pk")
        assert first.stopped_on == D(2026, 9, 3) and first.on_time is True
        assert second.started_on == D(2026, 9, 3) and second.stopped_on is None
        assert not Clock.objects.filter(case=case, rule_code="objection").exists()
        case = s.case_sign(case=case, actor=county.li, on=D(2026, 9, 4))
        case = s.case_accept(case=case, actor=county.li, on=D(2026, 9, 4))
        assert case.status == Status.HANDLING

    def test_assign_down_records_the_assigned_deadline(self, petition, county):
        case = s.case_forward(case=self.direct(petition, county), actor=county.county_head, target=county.town,
                              on=D(2026, 9, 3), assign_due_on=D(2026, 10, 15))
        assert case.events.last().action == Action.ASSIGN_DOWN
        assert Clock.objects.get(case=case, rule_code="assigned").due_on == D(2026, 10, 15)

    def test_not_to_a_unit_outside_its_own_system(self, petition, county):
        case = petition(actor=county.housing_handler, unit=county.housing)
        with pytest.raises(ValidationFailed, match="只能转送、交办本系统下级单位"):
            s.case_forward(case=case, actor=county.housing_handler, target=county.town, on=D(2026, 9, 3))

    def test_the_subordinate_cannot_object_back(self, petition, county):
        case = s.case_forward(case=self.direct(petition, county), actor=county.county_head, target=county.town,
                              on=D(2026, 9, 3))
        with pytest.raises(IllegalTransition, match="不适用异议退回"):
            s.case_object(case=case, actor=county.li, reason="该事项不属于本镇职责范围，请收回", on=D(2026, 9, 4))

    def test_another_unit_cannot_forward_it(self, petition, county):
        from xinfang.core.errors import PermissionRefused

        case = self.direct(petition, county)
        with pytest.raises(PermissionRefused):
            s.case_forward(case=case, actor=county.li, target=county.town, on=D(2026, 9, 3))

    def test_an_accepted_item_is_not_forwarded(self, petition, county):
        case = drive(petition, county, Status.SIGNED)  # forwarded by the bureau, then signed
        with pytest.raises(IllegalTransition, match="尚未受理"):
            s.case_forward(case=case, actor=county.li, target=county.town, on=D(2026, 9, 4))


# --- 不再受理 --------------------------------------------------------------------------------------------


class TestNotReaccept:
    def test_needs_the_same_petitioner(self, petition, county):
        earlier = drive(petition, county, Status.CONCLUDED)
        other = petition(petitioners=[s.PetitionerInput(name="刘小红", phone="13900139000")])
        with pytest.raises(ValidationFailed, match="没有相同的信访人"):
            s.case_not_reaccept(case=other, actor=county.zhang, earlier=earlier, reason="事实理由相同")
        other.refresh_from_db()
        assert other.status == Status.ROUTING

    def test_same_name_and_phone_is_the_same_petitioner(self, petition, county):
        earlier = drive(petition, county, Status.CONCLUDED)
        again = petition(petitioners=[s.PetitionerInput(name="陈大明", phone="13800138000")])
        case = s.case_not_reaccept(case=again, actor=county.zhang, earlier=earlier, reason="事实理由相同",
                                   on=D(2026, 11, 22))
        assert case.status == Status.NOT_REACCEPTED

    def test_earlier_item_must_be_concluded(self, petition, county):
        earlier = drive(petition, county, Status.DELIVERED)
        with pytest.raises(ValidationFailed, match="未经复核或依法终结"):
            s.case_not_reaccept(case=petition(), actor=county.zhang, earlier=earlier, reason="事实理由相同")

    def test_an_archived_item_that_was_never_concluded_does_not_count(self, petition, county):
        filed = s.case_file(case=petition(), actor=county.zhang, reason="咨询类，已当场答复", on=D(2026, 9, 2))
        filed = s.case_archive(case=filed, actor=county.zhang, on=D(2026, 9, 3))
        with pytest.raises(ValidationFailed, match="未经复核或依法终结"):
            s.case_not_reaccept(case=petition(), actor=county.zhang, earlier=filed, reason="事实理由相同")


# --- dates the law ties a request or a deadline to ---------------------------------------------------


def test_review_request_dated_before_delivery_refused(petition, county):
    case = drive(petition, county, Status.DELIVERED)  # delivered 2026-10-22
    with pytest.raises(ValidationFailed, match="早于处理意见书送达日期 2026-10-22"):
        s.case_request_review(case=case, actor=county.county_head, received_on=D(2026, 10, 21), reason="不服")
    case.refresh_from_db()
    assert case.status == Status.DELIVERED


def test_rereview_request_dated_before_review_delivery_refused(petition, county):
    case = drive(petition, county, Status.REVIEW_DELIVERED)  # 复查意见 delivered 2026-11-10
    with pytest.raises(ValidationFailed, match="早于复查意见书送达日期"):
        s.case_request_rereview(case=case, actor=county.city_head, received_on=D(2026, 11, 9), reason="仍不服")


class TestAssignDueDate:
    def test_not_beyond_the_sixty_day_handling_limit(self, petition, county):
        # 60 days after Wed 2026-09-02 is Sun 11-01, rolled to Mon 11-02 like the handling clock itself.
        with pytest.raises(ValidationFailed, match="不能晚于 2026-11-02"):
            s.case_forward(case=petition(), actor=county.zhang, target=county.town, on=D(2026, 9, 2),
                           assign_due_on=D(2026, 11, 3))
        case = s.case_forward(case=petition(), actor=county.zhang, target=county.town, on=D(2026, 9, 2),
                              assign_due_on=D(2026, 11, 2))
        assert case.status == Status.PENDING_SIGN

    def test_a_deadline_set_today_lies_in_the_future(self, petition, county):
        case = petition(received_on=D(2026, 11, 25))
        with pytest.raises(ValidationFailed, match="必须晚于交办日期"):
            s.case_forward(case=case, actor=county.zhang, target=county.town, assign_due_on=D(2026, 11, 26))


# --- registration of a group visit ------------------------------------------------------------------------


def test_group_visit_without_representative_refused(petition, county):
    people = [s.PetitionerInput(name="甲"), s.PetitionerInput(name="乙")]
    with pytest.raises(ValidationFailed, match="应推选代表（1至5人）"):
        petition(channel="visit", petitioners=people, people_count=5)
    people[0].is_representative = True
    assert petition(channel="visit", petitioners=people, people_count=5).is_group


def test_group_letter_needs_no_representative(petition, county):
    assert petition(channel="letter", people_count=12).is_group


# --- items under the 2005 regulation ----------------------------------------------------------------------


def test_item_received_under_the_2005_rules_can_be_forwarded(petition, county):
    case = petition(received_on=D(2021, 3, 2))
    case = s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2021, 3, 3))
    objection = Clock.objects.get(case=case, rule_code="objection")
    assert objection.due_on == D(2021, 3, 10)  # 5 working days after Wed 2021-03-03 (local practice)


# --- the state machine keeps its own fields ---------------------------------------------------------------


@pytest.mark.parametrize("field", ["status", "current_unit", "due_on", "evaluation_status", "access_units"])
def test_move_changes_cannot_touch_lifecycle_fields(petition, county, field):
    case = drive(petition, county, Status.PENDING_SIGN)
    with pytest.raises(IllegalTransition, match="不能通过附带修改改变流程字段"):
        transition(case, Action.SIGN, actor=county.li, move=Move(changes={field: None}))
    case.refresh_from_db()
    assert case.status == Status.PENDING_SIGN


def test_objection_moves_the_item_back_through_the_table(petition, county):
    case = drive(petition, county, Status.OBJECTION)
    assert case.current_unit == county.bureau
    case = s.case_decide_objection(case=case, actor=county.zhang, approve=False, note="属本镇职责", on=D(2026, 9, 4))
    assert case.status == Status.SIGNED and case.current_unit == county.town


def test_evaluation_is_a_row_of_the_table(petition, county):
    case = drive(petition, county, Status.DELIVERED)
    case = s.case_evaluate(case=case, bureau="satisfied", unit="basic", on=D(2026, 11, 1))
    event = case.events.last()
    assert (event.action, event.from_status, event.to_status) == (Action.EVALUATE, Status.DELIVERED, Status.DELIVERED)
    assert case.evaluation_status == "done"
    with pytest.raises(IllegalTransition, match="不在评价期内"):
        transition(case, Action.EVALUATION_OVERDUE, actor=None, on=D(2026, 11, 26))


def test_the_page_offers_forwarding_down_only_for_a_direct_receipt(petition, county):
    from xinfang.cases.selectors import available_actions

    forwarded = drive(petition, county, Status.SIGNED)
    assert Action.FORWARD_DOWN not in {t.action for t in available_actions(county.li, forwarded)}
    direct = petition(actor=county.county_head, unit=county.county)
    assert {Action.FORWARD_DOWN, Action.ASSIGN_DOWN} <= {t.action for t in available_actions(county.county_head, direct)}
    down = s.case_forward(case=direct, actor=county.county_head, target=county.town, on=D(2026, 9, 3))
    assert Action.OBJECT not in {t.action for t in available_actions(county.li, down)}
    assert Action.SIGN in {t.action for t in available_actions(county.li, down)}


def test_discipline_organ_workbench_and_detail_pages(client, petition, county):
    from django.urls import reverse

    head = user_create(username="jw", password="Xinfang-2026", full_name="纪委负责人", unit=county.discipline,
                       roles=[(Role.UNIT_HEAD, county.discipline)])
    case = s.case_route_special(case=accusation(petition, county), actor=county.zhang,
                                target=county.discipline, on=D(2026, 9, 2))
    client.force_login(head)
    assert case.number in client.get(reverse("workbench:home")).content.decode()
    assert client.get(reverse("workbench:case_detail", args=[case.pk])).status_code == 200
    client.force_login(county.wang)
    assert client.get(reverse("workbench:case_detail", args=[case.pk])).status_code == 404


def test_item_from_before_the_evaluation_measure_is_delivered_without_an_evaluation(petition, county):
    # Received 2014-12-01: the 2005 periods apply and the satisfaction evaluation (from 2015) did not exist.
    from tests.cases.helpers import items, opinion

    case = petition(received_on=D(2014, 12, 1))
    case = s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2014, 12, 2))
    case = s.case_sign(case=case, actor=county.li, on=D(2014, 12, 3))
    case = s.case_accept(case=case, actor=county.li, on=D(2014, 12, 4))
    case = s.case_reply(case=case, actor=county.li, doc=opinion(), items=items(), on=D(2015, 1, 5))
    case = s.case_deliver(method="post", case=case, actor=county.li, delivered_on=D(2015, 1, 6))
    assert case.status == Status.DELIVERED and case.evaluation_status == ""
    assert not Clock.objects.filter(case=case, rule_code="evaluation").exists()
    assert Clock.objects.get(case=case, rule_code="review_request").due_on == D(2015, 2, 5)
    with pytest.raises(IllegalTransition, match="不在评价期内"):
        s.case_evaluate(case=case, bureau="satisfied", unit="satisfied", on=D(2015, 1, 7))
