"""The permission boundary: who sees an item, who may move it, and the 检举控告 confidentiality rule."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.cases.helpers import D, drive
from xinfang.cases import services as s
from xinfang.cases.models import Case, CaseEvent, PersonalDataAccess, RefusedAttempt
from xinfang.cases.selectors import (
    access_case,
    attachments_for,
    available_actions,
    can_see_identity,
    cases_visible_to,
    petitioners_for,
)
from xinfang.cases.states import Status
from xinfang.core.errors import NotFound, PermissionRefused

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC), tick=False):
        yield


PDF = b"%PDF-1.4 test material"


def test_other_unit_cannot_see_or_move(petition, county):
    case = drive(petition, county, Status.PENDING_SIGN)
    # 王 at 县人社局: the item lives at 东街镇 and the bureau only
    assert not cases_visible_to(county.wang).filter(pk=case.pk).exists()
    with pytest.raises(NotFound):
        access_case(county.wang, case.pk)
    with pytest.raises(PermissionRefused):
        s.case_sign(case=case, actor=county.wang, on=D(2026, 9, 3))
    assert Case.objects.get(pk=case.pk).status == Status.PENDING_SIGN
    # 李 at 东街镇 sees it once it is routed there; the registrar still sees it; the county supervisor too
    assert access_case(county.li, case.pk).pk == case.pk
    assert access_case(county.zhang, case.pk).pk == case.pk
    assert access_case(county.zhao, case.pk).pk == case.pk


def test_not_yet_routed_item_invisible_to_township(petition, county):
    case = petition()
    with pytest.raises(NotFound):
        access_case(county.li, case.pk)
    with pytest.raises(NotFound):
        access_case(county.li, 999_999)  # "no such item" looks the same as "not yours"


def test_village_item_visible_to_township_subtree(petition, county):
    from xinfang.orgs.permissions import Role
    from xinfang.orgs.services import user_create

    village_clerk = user_create(username="cun", password="x-Passw0rd!", full_name="村干部", unit=county.village,
                                roles=[(Role.HANDLER, county.village)])
    case = drive(petition, county, Status.PENDING_SIGN)
    # a grant on the village does not reach up to items routed to its township
    assert not cases_visible_to(village_clerk).filter(pk=case.pk).exists()
    assert cases_visible_to(county.li_head).filter(pk=case.pk).exists()


def test_available_actions_follow_state_and_role(petition, county):
    case = drive(petition, county, Status.PENDING_SIGN)
    li_actions = {t.action for t in available_actions(county.li, case)}
    assert li_actions == {"sign", "object"}
    assert available_actions(county.wang, case) == []
    case = drive(petition, county, Status.HANDLING)
    assert "extend" not in {t.action for t in available_actions(county.li, case)}
    assert "extend" in {t.action for t in available_actions(county.li_head, case)}


def test_supervisor_cannot_move(petition, county):
    case = petition()
    with pytest.raises(PermissionRefused):
        s.case_forward(case=case, actor=county.zhao, target=county.town, on=D(2026, 9, 2))


class TestAccusation:
    def accusation(self, petition, county):
        return petition(
            claim_type="accusation",
            purpose="expose",
            title="举报县住建局工作人员索要好处费",
            content="县住建局某科长在办理施工许可时索要好处费两万元，有转账记录为证。",
            accused_unit=county.housing,
            accused_person="某科长",
            attachments=[s.UploadInput("转账记录.pdf", PDF)],
        )

    def test_never_forwarded_to_accused_unit_and_attempt_logged(self, petition, county):
        case = self.accusation(petition, county)
        with pytest.raises(PermissionRefused, match="被反映单位"):
            s.case_forward(case=case, actor=county.zhang, target=county.housing, on=D(2026, 9, 2))
        fresh = Case.objects.get(pk=case.pk)
        assert fresh.status == Status.ROUTING and fresh.current_unit == county.bureau
        assert CaseEvent.objects.filter(case=case).count() == 1
        attempt = RefusedAttempt.objects.get(case=case)
        assert attempt.user == county.zhang and attempt.action == "forward"
        # nor assigned there
        with pytest.raises(PermissionRefused):
            s.case_forward(case=case, actor=county.zhang, target=county.housing, on=D(2026, 9, 2),
                           assign_due_on=D(2026, 10, 1))
        assert RefusedAttempt.objects.filter(case=case).count() == 2
        # the discipline organ is fine
        case = s.case_route_special(case=case, actor=county.zhang, target=county.discipline, on=D(2026, 9, 2))
        assert case.status == Status.DISCIPLINE_ROUTED

    def test_accused_unit_never_sees_identity_or_materials(self, petition, county):
        from xinfang.orgs.permissions import Role
        from xinfang.orgs.services import grant_role

        case = self.accusation(petition, county)
        # Even a housing-bureau user who somehow holds a county-wide view grant sees no identity.
        grant_role(user=county.housing_handler, role=Role.SUPERVISOR, unit=county.county)
        seen = access_case(county.housing_handler, case.pk)
        assert not can_see_identity(county.housing_handler, seen)
        assert petitioners_for(county.housing_handler, seen) == []
        assert attachments_for(county.housing_handler, seen) == []
        # others see them, and each disclosure is logged
        assert [p.name for p in petitioners_for(county.zhang, seen)] == ["陈大明"]
        assert len(attachments_for(county.zhang, seen)) == 1
        # the petitioners and the attachments were each shown once: two disclosures, two log rows
        assert PersonalDataAccess.objects.filter(user=county.zhang, case=case).count() == 2
        assert not PersonalDataAccess.objects.filter(user=county.housing_handler).exists()

    def test_responsible_unit_cannot_be_accused_at_registration(self, petition, county):
        from xinfang.core.errors import ValidationFailed

        with pytest.raises(ValidationFailed, match="不能是被反映单位"):
            petition(claim_type="accusation", purpose="expose", accused_unit=county.housing,
                     responsible_unit=county.housing)
        assert not Case.objects.exists()
