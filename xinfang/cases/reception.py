"""Whether the leaders alerted to a group visit received the visitors (decisions §4).

The alert asks the responsible unit's head and the township's party secretary to meet the group in person;
this records, on the item's history, whether they did — by the leader themself or by the registrar who saw
it — so the board can tell an alert that was answered from one that was not.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from xinfang.cases import workflow
from xinfang.cases.models import Case, CaseEvent
from xinfang.core import clock
from xinfang.core.errors import IllegalTransition, PermissionRefused, ValidationFailed
from xinfang.orgs import policies
from xinfang.orgs.models import User
from xinfang.orgs.permissions import Perm

NOTE_MAX = 500


def alerted_usernames(case: Case) -> list[str]:
    event = case.events.filter(action="group_alert").order_by("-pk").first()
    return list(event.data.get("recipients", [])) if event is not None else []


def may_record(user: User, case: Case) -> bool:
    """The leaders the alert went to, and the registrars of the unit that registered the visit."""
    if not case.is_group:
        return False
    return user.username in alerted_usernames(case) or policies.can(user, Perm.REGISTER, case.registering_unit)


def receptions(case: Case) -> list[CaseEvent]:
    return list(case.events.filter(action="group_reception").select_related("actor").order_by("pk"))


def case_record_reception(
    *, case: Case, actor: User, received: bool, leader: str, note: str = "", on: dt.date | None = None
) -> CaseEvent:
    """Record that ``leader`` received (or did not receive) the group on ``on``; not receiving needs a reason."""
    if not case.is_group:
        raise IllegalTransition(f"信访件 {case.number} 不是集体访，无需记录接谈情况")
    if not may_record(actor, case):
        raise PermissionRefused("只有收到集体访提醒的领导或登记单位的登记人员可以记录接谈情况")
    leader = (leader or "").strip()
    note = (note or "").strip()
    if not leader:
        raise ValidationFailed("请填写接谈（或应接谈）的领导姓名和职务", field="leader")
    if len(leader) > 60:
        raise ValidationFailed("领导姓名和职务最多 60 字", field="leader")
    if len(note) > NOTE_MAX:
        raise ValidationFailed(f"说明最多 {NOTE_MAX} 字（您写了 {len(note)} 字）", field="note")
    if not received and not note:
        raise ValidationFailed("未当面接谈的，请说明原因", field="note")
    on = on or clock.today()
    if on > clock.today():
        raise ValidationFailed("接谈日期不能晚于今天", field="on")
    if on < case.received_on:
        raise ValidationFailed(f"接谈日期不能早于来访日期 {case.received_on:%Y-%m-%d}", field="on")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        return workflow.record(
            locked, "group_reception", actor=actor, on=on, note=note,
            data={"received": bool(received), "leader": leader},
        )
