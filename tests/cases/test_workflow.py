"""The state machine: every transition legal and illegal, the clocks, and the table's own consistency."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.cases.helpers import D, drive, items, opinion
from xinfang.cases import services as s
from xinfang.cases.models import Case, CaseEvent, Clock
from xinfang.cases.states import CLOSED_STATES, OPEN_STATES, Status
from xinfang.cases.workflow import NEW, TRANSITIONS, Action, transition
from xinfang.core.errors import IllegalTransition, PermissionRefused, ValidationFailed
from xinfang.orgs.permissions import Role
from xinfang.orgs.services import grant_role

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


def clocks(case, rule):
    return list(Clock.objects.filter(case=case, rule_code=rule).order_by("pk"))


class TestTable:
    def test_every_state_is_reachable_from_registration(self):
        reached, frontier = {NEW}, [NEW]
        while frontier:
            state = frontier.pop()
            for t in TRANSITIONS.values():
                if state in t.src and t.dst is not None and t.dst not in reached:
                    reached.add(t.dst)
                    frontier.append(t.dst)
        assert reached - {NEW} == set(Status.values)

    def test_closed_states_only_lead_to_archive_and_archive_is_final(self):
        # The evaluation track runs beside the main states (an item may be concluded or archived while its
        # evaluation window is open); its rows never change the state.
        for t in TRANSITIONS.values():
            if t.evaluation is not None and t.dst is None:
                continue
            if t.src & CLOSED_STATES:
                assert t.action == Action.ARCHIVE
            assert Status.ARCHIVED not in t.src

    def test_open_and_closed_are_disjoint(self):
        assert not OPEN_STATES & CLOSED_STATES


class TestNormalPath:
    def test_full_path_with_dates_and_clocks(self, petition, county):
        case = petition()
        assert case.status == Status.ROUTING
        assert case.number == "XFJ-2026-000001"
        assert len(case.query_code) == 10
        # bureau routing: 15 calendar days from Tue 2026-09-01 → Wed 09-16
        assert case.due_on == D(2026, 9, 16) and case.due_rule == "bureau_routing"

        case = drive(petition, county, Status.PENDING_SIGN)
        (routing,) = clocks(case, "bureau_routing")
        assert routing.stopped_on == D(2026, 9, 2) and routing.on_time is True
        (objection,) = clocks(case, "objection")
        assert objection.due_on == D(2026, 9, 9)  # 5 working days after Wed 09-02
        assert clocks(case, "acceptance_notice")[0].due_on == D(2026, 9, 17)
        assert case.current_unit == county.town

        case = s.case_sign(case=case, actor=county.li, on=D(2026, 9, 3))
        case = s.case_accept(case=case, actor=county.li, on=D(2026, 9, 4))
        assert case.status == Status.HANDLING
        assert clocks(case, "acceptance_notice")[0].on_time is True
        (handling,) = clocks(case, "handling")
        assert handling.due_on == D(2026, 11, 3)
        assert case.first_handling_unit == county.town

        case = s.case_extend(case=case, actor=county.li_head, days=30, reason="需补充调查", on=D(2026, 10, 10))
        (extended,) = clocks(case, "handling_extended")
        assert extended.started_on == D(2026, 9, 4)
        assert extended.due_on == D(2026, 12, 3)  # 90 days from acceptance
        handling.refresh_from_db()
        assert handling.superseded and handling.on_time is None

        case = s.case_reply(case=case, actor=county.li, doc=opinion(), items=items(), on=D(2026, 10, 20))
        assert case.status == Status.REPLIED
        assert case.opinions.get().items.get().outcome == "support"
        case = s.case_deliver(method="post", case=case, actor=county.li, delivered_on=D(2026, 10, 22))
        extended.refresh_from_db()
        assert extended.on_time is True
        # 复查申请期: 30 days from 10-22 = Sat 11-21, not a working day → Mon 11-23
        assert clocks(case, "review_request")[0].due_on == D(2026, 11, 23)
        assert case.evaluation_status == "pending"

        result = s.case_request_review(case=case, actor=county.county_head, received_on=D(2026, 10, 30), reason="不服")
        assert result.accepted
        case = result.case
        assert case.current_unit == county.county and case.review_unit == county.county
        assert clocks(case, "review")[0].due_on == D(2026, 11, 30)

        case = s.case_review_decide(method="post", case=case, actor=county.county_head, outcome="uphold", doc=opinion(),
                                    delivered_on=D(2026, 11, 10))
        assert case.status == Status.REVIEW_DELIVERED
        assert "市人民政府" in case.opinions.get(stage="review").remedy

        result = s.case_request_rereview(case=case, actor=county.city_head, received_on=D(2026, 11, 12), reason="仍不服")
        case = result.case
        assert case.rereview_unit == county.city
        assert clocks(case, "rereview")[0].due_on == D(2026, 12, 14)  # 12-12 is Saturday

        case = s.case_start_hearing(case=case, actor=county.city_head, on=D(2026, 11, 16))
        assert case.status == Status.HEARING
        assert clocks(case, "rereview")[0].paused is True
        assert case.due_on is None  # the only running clock is paused
        case = s.case_end_hearing(case=case, actor=county.city_head, on=D(2026, 11, 18))
        (rereview,) = clocks(case, "rereview")
        assert rereview.extra_days == 3 and not rereview.paused
        assert rereview.due_on == D(2026, 12, 15)  # 11-12 + 30 + 3 hearing days
        assert case.due_on == D(2026, 12, 15)

        case = s.case_rereview_decide(method="post", case=case, actor=county.city_head, outcome="uphold", doc=opinion(),
                                      delivered_on=D(2026, 11, 20))
        assert case.status == Status.CONCLUDED and case.conclusion_reason == "rereview_final"
        assert case.due_on is None
        case = s.case_archive(case=case, actor=county.zhang, on=D(2026, 11, 21))
        assert case.status == Status.ARCHIVED

        events = list(CaseEvent.objects.filter(case=case).order_by("pk"))
        assert [e.action for e in events][:3] == ["register", "forward", "sign"]
        for before, after in zip(events, events[1:], strict=False):
            assert after.from_status == before.to_status  # the history is a consistent chain
        assert all(e.actor_id for e in events)

    def test_simple_procedure_and_conversion_keeps_original_acceptance(self, petition, county):
        case = drive(petition, county, Status.SIMPLE_HANDLING)
        (simple,) = clocks(case, "simple_handling")
        assert simple.due_on == D(2026, 9, 18)  # 10 working days after Fri 09-04
        case = s.case_convert_to_normal(case=case, actor=county.li, reason="涉及多个部门", on=D(2026, 9, 10))
        (handling,) = clocks(case, "handling")
        assert handling.started_on == D(2026, 9, 4) and handling.due_on == D(2026, 11, 3)

    def test_simple_procedure_only_within_three_working_days(self, petition, county):
        case = drive(petition, county, Status.SIGNED)  # routed Wed 09-02 → decide by Mon 09-07
        with pytest.raises(ValidationFailed, match="3个工作日内.*2026-09-07"):
            s.case_accept(case=case, actor=county.li, simple=True, on=D(2026, 9, 8))
        case = s.case_accept(case=case, actor=county.li, simple=True, on=D(2026, 9, 7))
        assert case.status == Status.SIMPLE_HANDLING and case.procedure == "simple"

    def test_simple_procedure_refused_for_repeat(self, petition, county):
        earlier = petition()
        case = petition(earlier_items=[earlier])
        assert case.is_repeat
        case = s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2026, 9, 2))
        case = s.case_sign(case=case, actor=county.li, on=D(2026, 9, 3))
        with pytest.raises(ValidationFailed, match="重件不适用简易办理"):
            s.case_accept(case=case, actor=county.li, simple=True, on=D(2026, 9, 4))
        assert Case.objects.get(pk=case.pk).status == Status.SIGNED

    def test_mediation_concludes(self, petition, county):
        case = drive(petition, county, Status.HANDLING)
        case = s.case_mediate(case=case, actor=county.li, agreement="双方同意分两期支付", on=D(2026, 9, 20))
        assert case.status == Status.CONCLUDED and case.conclusion_reason == "mediated"
        assert clocks(case, "handling")[0].on_time is True

    def test_assign_records_assigned_deadline(self, petition, county):
        case = petition()
        case = s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2026, 9, 2),
                              assign_due_on=D(2026, 10, 9))
        assert case.route_kind == "assign"
        (assigned,) = clocks(case, "assigned")
        assert assigned.due_on == D(2026, 10, 9)

    def test_objection_returns_to_bureau_and_restarts_routing(self, petition, county):
        case = drive(petition, county, Status.OBJECTION)
        assert case.current_unit == county.bureau
        case = s.case_decide_objection(case=case, actor=county.zhang, approve=True, on=D(2026, 9, 4))
        assert case.status == Status.ROUTING and case.responsible_unit is None
        routing = clocks(case, "bureau_routing")
        assert len(routing) == 2 and routing[1].started_on == D(2026, 9, 4)
        case = s.case_forward(case=case, actor=county.zhang, target=county.housing, on=D(2026, 9, 5))
        assert case.current_unit == county.housing

    def test_objection_rejected_goes_back_to_unit(self, petition, county):
        case = drive(petition, county, Status.OBJECTION)
        with pytest.raises(ValidationFailed):
            s.case_decide_objection(case=case, actor=county.zhang, approve=False, note="")
        case = s.case_decide_objection(case=case, actor=county.zhang, approve=False, note="属地管理，应由镇办理",
                                       on=D(2026, 9, 4))
        assert case.status == Status.SIGNED and case.current_unit == county.town

    def test_late_objection_refused(self, petition, county):
        case = drive(petition, county, Status.PENDING_SIGN)
        with pytest.raises(IllegalTransition, match="异议期限已过"):
            s.case_object(case=case, actor=county.li, reason="该事项属县住建局职责，不属本镇", on=D(2026, 9, 10))
        assert Case.objects.get(pk=case.pk).status == Status.PENDING_SIGN

    def test_objection_on_make_up_saturday_is_on_time(self, petition, county):
        # decisions §2 worked example: received Mon 2026-09-28 → due Sat 2026-10-10 (调休 working day)
        case = petition(received_on=D(2026, 9, 28))
        case = s.case_forward(case=case, actor=county.zhang, target=county.town, on=D(2026, 9, 28))
        assert clocks(case, "objection")[0].due_on == D(2026, 10, 10)
        case = s.case_object(case=case, actor=county.li, reason="该事项属县住建局职责，不属本镇", on=D(2026, 10, 10))
        assert case.status == Status.OBJECTION
        assert clocks(case, "objection")[0].on_time is True

    def test_clock_into_unconfirmed_year_is_provisional_not_refused(self, petition, county):
        # decisions §2: no legal duty is blocked on missing calendar data; the clock is stored 暂定.
        case = drive(petition, county, Status.UNDER_REVIEW)
        case = s.case_review_decide(method="post", case=case, actor=county.county_head, outcome="redo", doc=opinion(),
                                    delivered_on=D(2026, 11, 5))
        assert case.status == Status.HANDLING
        running = case.clocks.get(stopped_on__isnull=True, rule_code__in=["handling", "handling_extended"])
        assert running.provisional and running.due_on.year == 2027
        assert case.due_provisional and case.due_provisional_note == "暂定（2027年放假安排尚未录入）"

    def test_extension_only_once(self, petition, county, calendar_2027):
        case = drive(petition, county, Status.EXTENDED)
        case = s.case_reply(case=case, actor=county.li, doc=opinion(), items=items(), on=D(2026, 10, 20))
        case = s.case_deliver(method="post", case=case, actor=county.li, delivered_on=D(2026, 10, 22))
        case = s.case_request_review(case=case, actor=county.county_head, received_on=D(2026, 10, 30), reason="不服").case
        case = s.case_review_decide(method="post", case=case, actor=county.county_head, outcome="redo", doc=opinion(),
                                    delivered_on=D(2026, 11, 5))
        assert case.status == Status.HANDLING and case.current_unit == county.town
        with pytest.raises(IllegalTransition, match="只能延长一次"):
            s.case_extend(case=case, actor=county.li_head, days=10, reason="再延", on=D(2026, 11, 6))

    @pytest.mark.parametrize("days", [0, 31, -1])
    def test_extension_bounds(self, petition, county, days):
        case = drive(petition, county, Status.HANDLING)
        with pytest.raises(ValidationFailed, match="1至30日"):
            s.case_extend(case=case, actor=county.li_head, days=days, reason="理由", on=D(2026, 10, 1))

    def test_extension_needs_approver_role(self, petition, county):
        case = drive(petition, county, Status.HANDLING)
        with pytest.raises(PermissionRefused):
            s.case_extend(case=case, actor=county.li, days=10, reason="理由", on=D(2026, 10, 1))

    def test_late_review_request_refused_with_reason(self, petition, county):
        case = drive(petition, county, Status.DELIVERED)
        result = s.case_request_review(case=case, actor=county.county_head, received_on=D(2026, 11, 24), reason="不服")
        assert not result.accepted
        assert "2026-11-23" in result.reason and "不予受理" in result.reason
        case.refresh_from_db()
        assert case.status == Status.DELIVERED
        issued, refusal = CaseEvent.objects.filter(case=case).order_by("-pk")[:2]
        assert refusal.action == Action.REFUSE_REVIEW and "2026-11-23" in refusal.note
        # The refusal is written: its 复查申请不予受理告知书 is issued with it, by the review organ.
        notice = case.documents.get(kind="request_refusal_notice")
        assert issued.action == "document_issued" and issued.data["document_id"] == notice.pk
        assert notice.issuing_unit == county.county

    def test_review_request_on_due_day_accepted(self, petition, county):
        case = drive(petition, county, Status.DELIVERED)
        result = s.case_request_review(case=case, actor=county.county_head, received_on=D(2026, 11, 23), reason="不服")
        assert result.accepted and result.case.status == Status.UNDER_REVIEW

    def test_reply_requires_document_and_outcomes(self, petition, county):
        case = drive(petition, county, Status.HANDLING)
        bad = opinion()
        bad.legal_basis = ""
        with pytest.raises(ValidationFailed, match="依据"):
            s.case_reply(case=case, actor=county.li, doc=bad, items=items(), on=D(2026, 10, 1))
        with pytest.raises(ValidationFailed, match="逐项"):
            s.case_reply(case=case, actor=county.li, doc=opinion(), items=[], on=D(2026, 10, 1))
        assert Case.objects.get(pk=case.pk).status == Status.HANDLING
        assert not case.opinions.exists()

    def test_partial_support_is_mixed_outcomes(self, petition, county):
        case = drive(petition, county, Status.HANDLING)
        mixed = [s.RequestOutcome("支付工资", "support"), s.RequestOutcome("赔偿精神损失", "reject", "无法律依据")]
        case = s.case_reply(case=case, actor=county.li, doc=opinion(), items=mixed, on=D(2026, 10, 1))
        assert sorted(case.opinions.get().items.values_list("outcome", flat=True)) == ["reject", "support"]

    def test_not_reaccept_requires_concluded_earlier(self, petition, county):
        open_item = petition()
        case = petition()
        with pytest.raises(ValidationFailed, match="未经复核或依法终结"):
            s.case_not_reaccept(case=case, actor=county.zhang, earlier=open_item, reason="相同")
        case = drive(petition, county, Status.NOT_REACCEPTED)
        assert case.is_repeat and case.earlier_items.count() == 1

    def test_bureau_and_organ_decline(self, petition, county):
        case = drive(petition, county, Status.NOT_ACCEPTED)
        assert case.events.exclude(action="document_issued").last().action == Action.DECLINE
        assert case.documents.get().kind == "refusal_notice" and case.documents.get().issuing_unit == county.bureau
        signed = drive(petition, county, Status.SIGNED)
        signed = s.case_decline(case=signed, actor=county.li, ground="不属于信访事项", on=D(2026, 9, 5))
        assert signed.status == Status.NOT_ACCEPTED
        assert signed.events.exclude(action="document_issued").last().action == Action.REFUSE
        assert signed.documents.get().issuing_unit == county.town

    def test_direct_registration_at_organ(self, county, petition):
        case = petition(actor=county.li, unit=county.town)
        assert case.status == Status.SIGNED
        assert case.number.startswith("DJZ-2026-")
        assert clocks(case, "acceptance_notice")[0].due_on == D(2026, 9, 16)

    def test_report_major_keeps_state_and_records(self, petition, county):
        case = petition()
        case = s.case_report_major(case=case, actor=county.zhang, note="涉及百人以上欠薪")
        assert case.status == Status.ROUTING
        assert case.events.last().action == Action.REPORT_MAJOR


# --- every illegal transition ---------------------------------------------------------------------------

ALL_STATES = [st for st in Status.values]


@pytest.fixture
def superuser_grants(county):
    """Give 张 every role on the city so that only the state check can refuse."""
    for role in Role.values:
        grant_role(user=county.zhang, role=role, unit=county.city)
    return county.zhang


@pytest.mark.parametrize("state", ALL_STATES)
def test_every_illegal_action_is_refused_and_changes_nothing(state, petition, county, superuser_grants):
    case = drive(petition, county, state)
    assert case.status == state
    snapshot = (case.status, case.current_unit_id, case.due_on)
    events = CaseEvent.objects.filter(case=case).count()
    n_clocks = Clock.objects.filter(case=case).count()
    illegal = [a for a, t in TRANSITIONS.items() if state not in t.src]
    assert illegal
    for action in illegal:
        with pytest.raises((IllegalTransition, PermissionRefused)):
            transition(case.pk, action, actor=superuser_grants, target=county.town, on=D(2026, 11, 25))
        fresh = Case.objects.get(pk=case.pk)
        assert (fresh.status, fresh.current_unit_id, fresh.due_on) == snapshot
    assert CaseEvent.objects.filter(case=case).count() == events
    assert Clock.objects.filter(case=case).count() == n_clocks


@pytest.mark.parametrize("state", ALL_STATES)
def test_illegal_message_names_state(state, petition, county, superuser_grants):
    case = drive(petition, county, state)
    action = next(a for a, t in TRANSITIONS.items() if state not in t.src and t.perm is not None)
    with pytest.raises(IllegalTransition) as err:
        transition(case.pk, action, actor=superuser_grants, target=county.town)
    assert "当前状态为「" in str(err.value) and TRANSITIONS[action].label in str(err.value)


def test_system_only_action_refuses_people(petition, county, superuser_grants):
    case = drive(petition, county, Status.DELIVERED)
    with pytest.raises(PermissionRefused, match="系统"):
        transition(case.pk, Action.LAPSE, actor=superuser_grants)


def test_unknown_action(petition, county):
    case = petition()
    with pytest.raises(IllegalTransition, match="未知操作"):
        transition(case.pk, "teleport", actor=county.zhang)
