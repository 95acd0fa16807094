"""Writes of the leaders' app: one function per act, each recording an event in every item's history
(``cases.workflow.record``) in the same transaction. Views, the admin and the daily command call only these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from xinfang.cases import secrecy
from xinfang.cases.choices import Channel, Satisfaction
from xinfang.cases.models import Case, Evaluation, ReviewApplication
from xinfang.cases.selectors import access_case
from xinfang.cases.workflow import record
from xinfang.core import clock
from xinfang.core.errors import NotFound, PermissionRefused, ValidationFailed
from xinfang.leaders import rules
from xinfang.leaders.models import (
    CaseOwnership,
    DownVisit,
    Instruction,
    MeetingNote,
    Milestone,
    OwnershipItem,
    ReceptionDay,
)
from xinfang.notifications.models import Outbox
from xinfang.notifications.services import enqueue
from xinfang.orgs import policies
from xinfang.orgs.models import Grant, Unit, User
from xinfang.orgs.permissions import Perm, Role

TEXT_MAX = 4000


def _text(value: str, label: str, *, field: str, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"请填写{label}", field=field)
    if len(value) > limit:
        raise ValidationFailed(f"{label}不能超过 {limit} 字", field=field)
    return value


def _visible_cases(actor: User, cases: Iterable[Case]) -> list[Case]:
    """Re-read each item through the access door: a forged id raises the same NotFound as a missing one."""
    result, seen = [], set()
    for case in cases:
        if case.pk in seen:
            continue
        seen.add(case.pk)
        result.append(_open_case(actor, case.pk))
    return result


def _open_case(actor: User, case_id: int) -> Case:
    """The item through the access door; an accusation against the actor's own unit is not theirs to lead or
    record on ([T22-30]), and looks the same as a missing one."""
    case = access_case(actor, case_id)
    if secrecy.on_accused_side(actor, case):
        raise NotFound()
    return case


def _items_of(ownership: CaseOwnership) -> list[Case]:
    return list(ownership.items.order_by("pk"))


def _record_all(ownership: CaseOwnership, action: str, *, actor: User | None, data: dict, note: str = "",
                on: dt.date | None = None) -> None:
    for case in _items_of(ownership):
        record(case, action, actor=actor, data={"ownership": ownership.pk, **data}, note=note, on=on)


# --- 包案 ---------------------------------------------------------------------------------------------------


def may_edit(user: User, ownership: CaseOwnership) -> bool:
    """The leader and the named team members keep the record (milestones, notes); only the leader concludes."""
    if user.pk == ownership.leader_id:
        return True
    return ownership.team_members.filter(pk=user.pk).exists()


def ownership_take(
    *,
    leader: User,
    cases: Iterable[Case],
    title: str,
    plan: str,
    deadline: dt.date,
    team_units: Iterable[Unit] = (),
    team_members: Iterable[User] = (),
    leader_post: str = "",
    on: dt.date | None = None,
) -> CaseOwnership:
    """A leader takes charge of one item or a group of related items.

    One matter has one leader at a time: an item already in an open 包案 is refused, so two leaders never
    answer for the same petition. The leader must lead the current unit of every item (``rules``).
    """
    on = on or clock.today()
    if not rules.is_leader(leader):
        raise PermissionRefused("只有领导（领导或单位负责人）可以包案")
    items = _visible_cases(leader, cases)
    if not items:
        raise ValidationFailed("请至少选择一件信访件", field="cases")
    for case in items:
        if not rules.leads_unit(leader, case.current_unit):
            raise PermissionRefused(f"信访件 {case.number} 不在您分管的单位范围内，不能包案")
    title = _text(title or items[0].title, "包案事项", field="title", limit=200)
    plan = _text(plan, "化解方案", field="plan")
    if deadline is None:
        raise ValidationFailed("请填写化解期限", field="deadline")
    if deadline < on:
        raise ValidationFailed("化解期限不能早于包案日期", field="deadline")
    with transaction.atomic():
        # Lock the items so that two leaders taking the same item at once cannot both succeed.
        locked = list(Case.objects.select_for_update().filter(pk__in=[c.pk for c in items]).order_by("pk"))
        busy = OwnershipItem.objects.filter(
            case__in=locked, ownership__state=CaseOwnership.State.OPEN
        ).select_related("ownership__leader", "case")
        for link in busy:
            raise ValidationFailed(
                f"信访件 {link.case.number} 已由{link.ownership.leader}包案，化解结束前不能重复包案", field="cases"
            )
        ownership = CaseOwnership.objects.create(
            leader=leader, leader_post=leader_post.strip()[:60], title=title, plan=plan, deadline=deadline,
            started_on=on, created_at=clock.now(),
        )
        OwnershipItem.objects.bulk_create([OwnershipItem(ownership=ownership, case=c, added_on=on) for c in locked])
        ownership.team_units.set(list(team_units))
        ownership.team_members.set(list(team_members))
        _record_all(
            ownership, "ownership_take", actor=leader, on=on,
            data={"leader": str(leader), "deadline": deadline.isoformat(), "items": len(locked)},
            note=f"包案领导：{leader}{('（' + ownership.leader_post + '）') if ownership.leader_post else ''}；"
                 f"化解期限 {deadline:%Y-%m-%d}",
        )
    return ownership


def _require_open_editor(ownership: CaseOwnership, actor: User) -> None:
    if not may_edit(actor, ownership):
        raise PermissionRefused("只有包案领导和工作专班成员可以记录包案进展")
    if not ownership.is_open:
        raise ValidationFailed("该包案已化解，不能再修改")


def milestone_add(*, ownership: CaseOwnership, actor: User, due_on: dt.date, text: str) -> Milestone:
    _require_open_editor(ownership, actor)
    text = _text(text, "工作节点", field="text", limit=300)
    if due_on is None:
        raise ValidationFailed("请填写计划完成日期", field="due_on")
    with transaction.atomic():
        milestone = Milestone.objects.create(ownership=ownership, due_on=due_on, text=text, created_by=actor)
        _record_all(ownership, "ownership_milestone", actor=actor,
                    data={"milestone": milestone.pk, "due_on": due_on.isoformat()}, note=text)
    return milestone


def milestone_complete(*, milestone: Milestone, actor: User, on: dt.date | None = None) -> Milestone:
    ownership = milestone.ownership
    _require_open_editor(ownership, actor)
    on = on or clock.today()
    with transaction.atomic():
        # Compare-and-set: a second click or a second member finds it already done and records nothing.
        changed = Milestone.objects.filter(pk=milestone.pk, done_on__isnull=True).update(done_on=on, done_by=actor)
        if changed:
            milestone.done_on, milestone.done_by = on, actor
            _record_all(ownership, "ownership_milestone_done", actor=actor, on=on,
                        data={"milestone": milestone.pk}, note=milestone.text)
        else:
            milestone.refresh_from_db()
    return milestone


def note_add(*, ownership: CaseOwnership, actor: User, held_on: dt.date, text: str, attendees: str = "") -> MeetingNote:
    _require_open_editor(ownership, actor)
    text = _text(text, "会议纪要", field="text")
    if held_on is None:
        raise ValidationFailed("请填写会议日期", field="held_on")
    if held_on > clock.today():
        raise ValidationFailed("会议日期不能晚于今天", field="held_on")
    with transaction.atomic():
        note = MeetingNote.objects.create(
            ownership=ownership, held_on=held_on, attendees=attendees.strip()[:300], text=text,
            recorded_by=actor, created_at=clock.now(),
        )
        # The history says a meeting was held; the minutes themselves stay on the 包案 page.
        _record_all(ownership, "ownership_note", actor=actor, on=held_on, data={"note": note.pk})
    return note


def ownership_conclude(*, ownership: CaseOwnership, actor: User, outcome: str, on: dt.date | None = None) -> CaseOwnership:
    """The leader records the outcome; 息诉罢访 is confirmed later by ``settled_check``, not claimed here."""
    if actor.pk != ownership.leader_id:
        raise PermissionRefused("只有包案领导可以确认化解结果")
    if not ownership.is_open:
        raise ValidationFailed("该包案已化解")
    outcome = _text(outcome, "化解结果", field="outcome")
    on = on or clock.today()
    with transaction.atomic():
        changed = CaseOwnership.objects.filter(pk=ownership.pk, state=CaseOwnership.State.OPEN).update(
            state=CaseOwnership.State.CONCLUDED, outcome=outcome, concluded_on=on
        )
        if not changed:
            raise ValidationFailed("该包案已化解")
        ownership.state, ownership.outcome, ownership.concluded_on = CaseOwnership.State.CONCLUDED, outcome, on
        _record_all(ownership, "ownership_conclude", actor=actor, on=on,
                    data={"watch_until": rules.settled_window_end(on).isoformat()}, note=outcome)
    return ownership


@dataclass(frozen=True)
class Relapse:
    """Why a concluded 包案 is not settled: the first sign of the matter coming back inside the window."""

    on: dt.date
    reason: str


def find_relapse(ownership: CaseOwnership, *, until: dt.date) -> Relapse | None:
    """The 息诉罢访 rule (decisions §7), applied to the items of one concluded 包案.

    Inside the window (the day after conclusion to ``concluded_on + XINFANG_SETTLED_DAYS``, up to ``until``),
    the matter came back if any of these happened:

    * a new item on the same matter: an item that staff linked to one of the 包案's items as its earlier item
      (重件 / 关联前次信访件, ``Case.earlier_items``) and that was received inside the window. Linking is how
      the system knows "same petitioner, same matter" — a person confirms it (decisions §4), so the rule
      never guesses from names;
    * a 复查/复核 request filed on one of the items;
    * a 不满意 evaluation of one of the items.
    """
    start = ownership.concluded_on
    end = min(rules.settled_window_end(start), until)
    ids = list(ownership.items.values_list("pk", flat=True))
    later = (
        Case.objects.filter(earlier_items__in=ids, received_on__gt=start, received_on__lte=end)
        .exclude(pk__in=ids).order_by("received_on", "pk").first()
    )
    relapses = []
    if later is not None:
        relapses.append(Relapse(later.received_on, f"{later.received_on:%Y-%m-%d} 同一事项再次信访（{later.number}）"))
    app = (
        ReviewApplication.objects.filter(case_id__in=ids, filed_on__gt=start, filed_on__lte=end)
        .order_by("filed_on").first()
    )
    if app is not None:
        relapses.append(Relapse(app.filed_on, f"{app.filed_on:%Y-%m-%d} 提出{app.get_kind_display()}申请"))
    for ev in Evaluation.objects.filter(case_id__in=ids, value=Satisfaction.UNSATISFIED).order_by("created_at"):
        day = clock.local_date(ev.created_at)
        if start < day <= end:
            relapses.append(Relapse(day, f"{day:%Y-%m-%d} 信访人评价不满意"))
            break
    return min(relapses, key=lambda r: r.on) if relapses else None


@dataclass(frozen=True)
class SettledResult:
    settled: list[CaseOwnership]
    unsettled: list[CaseOwnership]


def settled_check(*, today: dt.date | None = None) -> SettledResult:
    """The daily 息诉罢访 check of every concluded 包案 (``xinfang leaders_daily``); idempotent.

    A relapse inside the window decides "not settled" at once; a window that has ended with none decides
    "settled". A 包案 still inside its window with no relapse is left for a later day.
    """
    today = today or clock.today()
    result = SettledResult([], [])
    waiting = CaseOwnership.objects.filter(state=CaseOwnership.State.CONCLUDED).order_by("pk")
    for ownership in waiting:
        relapse = find_relapse(ownership, until=today)
        if relapse is None and today <= rules.settled_window_end(ownership.concluded_on):
            continue
        new_state = CaseOwnership.State.UNSETTLED if relapse else CaseOwnership.State.SETTLED
        note = relapse.reason if relapse else f"化解后 {rules.settled_days()} 日内未再信访，确认息诉罢访"
        with transaction.atomic():
            changed = CaseOwnership.objects.filter(pk=ownership.pk, state=CaseOwnership.State.CONCLUDED).update(
                state=new_state, settled_checked_on=today, settled_note=note
            )
            if not changed:
                continue
            ownership.state, ownership.settled_checked_on, ownership.settled_note = new_state, today, note
            action = "ownership_unsettled" if relapse else "ownership_settled"
            _record_all(ownership, action, actor=None, data={"window_days": rules.settled_days()}, note=note)
        (result.unsettled if relapse else result.settled).append(ownership)
    return result


# --- 阅批 ---------------------------------------------------------------------------------------------------


def _unit_heads(unit: Unit) -> list[int]:
    """Who hears of an instruction to ``unit``: its recorded head, else whoever holds UNIT_HEAD on it."""
    if unit.head_id is not None:
        return [unit.head_id]
    return list(
        Grant.objects.filter(unit=unit, role=Role.UNIT_HEAD, user__is_active=True)
        .values_list("user_id", flat=True).distinct()
    )


def instruction_issue(*, case: Case, leader: User, text: str, due_on: dt.date, on: dt.date | None = None) -> Instruction:
    on = on or clock.today()
    case = _open_case(leader, case.pk)
    if not rules.leads_unit(leader, case.current_unit):
        raise PermissionRefused("只有分管该单位的领导可以批示")
    text = _text(text, "批示内容", field="text")
    if due_on is None:
        raise ValidationFailed("请填写办理时限", field="due_on")
    if due_on < on:
        raise ValidationFailed("办理时限不能早于批示日期", field="due_on")
    unit = case.current_unit
    with transaction.atomic():
        instruction = Instruction.objects.create(
            case=case, leader=leader, text=text, unit=unit, due_on=due_on, issued_on=on, created_at=clock.now()
        )
        record(case, "instruction_issue", actor=leader, on=on,
               data={"instruction": instruction.pk, "unit": unit.name, "due_on": due_on.isoformat()}, note=text)
        for recipient in _unit_heads(unit):
            enqueue(
                channel=Outbox.Channel.INAPP, kind="leader_instruction", recipient_id=recipient,
                case_id=case.pk, case_number=case.number,
                body=f"{leader}对信访件 {case.number} 作出批示，请{unit.name}于 {due_on:%Y-%m-%d} 前书面报告落实情况。",
            )
    return instruction


def instruction_answer(*, instruction: Instruction, actor: User, answer: str) -> Instruction:
    """The unit answers in writing; whoever may handle items at that unit may write the answer."""
    if not policies.can(actor, Perm.HANDLE, instruction.unit):
        raise NotFound()
    answer = _text(answer, "落实情况", field="answer")
    now = clock.now()
    with transaction.atomic():
        changed = Instruction.objects.filter(pk=instruction.pk, answered_at__isnull=True).update(
            answer=answer, answered_by=actor, answered_at=now
        )
        if not changed:
            raise ValidationFailed("该批示已答复")
        instruction.answer, instruction.answered_by, instruction.answered_at = answer, actor, now
        record(instruction.case, "instruction_answer", actor=actor,
               data={"instruction": instruction.pk, "on_time": clock.local_date(now) <= instruction.due_on},
               note=answer)
        enqueue(
            channel=Outbox.Channel.INAPP, kind="leader_instruction_answered", recipient_id=instruction.leader_id,
            case_id=instruction.case_id, case_number=instruction.case.number,
            body=f"{instruction.unit.name}已书面报告信访件 {instruction.case.number} 批示的落实情况。",
        )
    return instruction


# --- 领导接访日 -----------------------------------------------------------------------------------------------


def may_manage_reception_days(user: User) -> bool:
    """Bureau staff (who route items) publish the schedule; it is the 信访部门 that organises the days."""
    return bool(policies.granted_paths(user, Perm.ROUTE))


@dataclass(frozen=True)
class ReceptionDayInput:
    leader_name: str
    leader_post: str
    on: dt.date
    time: str
    place: str
    topics: str = ""


def reception_day_frozen_reason(day: ReceptionDay, today: dt.date | None = None) -> str | None:
    """Why the published schedule of ``day`` may no longer be changed or cancelled; None while it may.

    A day that has passed, or has visits linked to it, is a record of what happened (its visits' history points
    at it), no longer a plan: that record is kept on the 接访记录 page, not rewritten as a schedule.
    """
    today = today or clock.today()
    if day.is_cancelled:
        return f"该接访日已于 {clock.local_date(day.cancelled_at):%Y-%m-%d} 取消，不能再修改"
    if day.on < today:
        return f"{day.on:%Y-%m-%d} 的接访日已经过去，不能再修改安排或取消；当日接访情况请在接访记录中登记"
    if day.items.exists():
        return "该接访日已登记来访件，不能再修改安排或取消；当日接访情况请在接访记录中登记"
    return None


def _lock_open_day(day: ReceptionDay) -> ReceptionDay:
    """The day's row, locked: a change, a cancel and a link of visits to the same day run one after another,
    so none of them acts on a state another has just ended."""
    locked = ReceptionDay.objects.select_for_update().get(pk=day.pk)
    reason = reception_day_frozen_reason(locked)
    if reason:
        raise ValidationFailed(reason)
    return locked


def _reception_day_fields(data: ReceptionDayInput) -> dict:
    if data.on is None:
        raise ValidationFailed("请填写日期", field="on")
    return {
        "leader_name": _text(data.leader_name, "接访领导", field="leader_name", limit=30),
        "leader_post": _text(data.leader_post, "职务", field="leader_post", limit=60),
        "time": _text(data.time, "时间", field="time", limit=40),
        "place": _text(data.place, "地点", field="place", limit=120),
        "topics": (data.topics or "").strip()[:300],
        "on": data.on,
    }


def reception_day_save(*, actor: User, data: ReceptionDayInput, day: ReceptionDay | None = None) -> ReceptionDay:
    """Schedule a day (``day`` is None) or change a scheduled one.

    Scheduling may enter a past day, so that visits already received can be linked to it; a change is to a
    plan only, so it may not move the day into the past and is refused once ``reception_day_frozen_reason``
    says the day is a record. Who changed it last, and when, is kept on the row (the portal shows the result).
    """
    if not may_manage_reception_days(actor):
        raise PermissionRefused("只有信访部门工作人员可以安排领导接访日")
    if day is None:
        fields = _reception_day_fields(data)
        _refuse_double_booking(fields, None)
        return ReceptionDay.objects.create(created_by=actor, created_at=clock.now(), **fields)
    with transaction.atomic():
        locked = _lock_open_day(day)
        fields = _reception_day_fields(data)
        if fields["on"] < clock.today():
            raise ValidationFailed("接访日期不能早于今天", field="on")
        _refuse_double_booking(fields, locked.pk)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.updated_by, locked.updated_at = actor, clock.now()
        locked.save(update_fields=[*fields, "updated_by", "updated_at"])
    return locked


def _refuse_double_booking(fields: dict, own_pk: int | None) -> None:
    """The same leader published twice for the same day and time (a double submission, or a copy instead of a
    change) would show the public two appointments, one of them wrong."""
    same = ReceptionDay.objects.filter(
        leader_name=fields["leader_name"], on=fields["on"], time=fields["time"], cancelled_at__isnull=True
    ).exclude(pk=own_pk)
    if same.exists():
        raise ValidationFailed(
            f"{fields['leader_name']}{fields['on']:%Y年%-m月%-d日}{fields['time']}已安排接访；如需改动请修改原安排", field="on"
        )


def reception_day_cancel(*, day: ReceptionDay, actor: User, reason: str) -> ReceptionDay:
    """Withdraw a published day. The row stays, with who cancelled it and why (the public was told of the day);
    the portal stops showing it (``selectors.upcoming_reception_days``)."""
    if not may_manage_reception_days(actor):
        raise PermissionRefused("只有信访部门工作人员可以取消领导接访日")
    with transaction.atomic():
        locked = _lock_open_day(day)
        locked.cancel_reason = _text(reason, "取消原因", field="reason", limit=200)
        locked.cancelled_by, locked.cancelled_at = actor, clock.now()
        locked.save(update_fields=["cancel_reason", "cancelled_by", "cancelled_at"])
    return locked


def reception_day_link_items(*, day: ReceptionDay, actor: User, cases: Iterable[Case]) -> list[Case]:
    """Link the visits registered on the day to it; each newly linked item records the reception."""
    if not may_manage_reception_days(actor):
        raise PermissionRefused("只有信访部门工作人员可以登记接访日的来访件")
    items = _visible_cases(actor, cases)
    for case in items:
        if case.received_on != day.on or case.channel != Channel.VISIT:
            raise ValidationFailed(f"信访件 {case.number} 不是 {day.on:%Y-%m-%d} 登记的来访件", field="items")
    with transaction.atomic():
        # Under the day's lock: a cancel or a change of date at the same moment either comes first or waits.
        if ReceptionDay.objects.select_for_update().get(pk=day.pk).is_cancelled:
            raise ValidationFailed("该接访日已取消，不能登记来访件", field="items")
        already = set(day.items.values_list("pk", flat=True))
        new = [c for c in items if c.pk not in already]
        day.items.add(*new)
        for case in new:
            record(case, "reception_day", actor=actor, on=day.on,
                   data={"reception_day": day.pk},
                   note=f"{day.leader_name}（{day.leader_post}）领导接访日接待，地点：{day.place}")
    return new


# --- 下访 ---------------------------------------------------------------------------------------------------


def _down_visit_fields(*, on: dt.date, place: str, people_met: int, notes: str) -> dict:
    place = _text(place, "地点", field="place", limit=120)
    if on is None:
        raise ValidationFailed("请填写日期", field="on")
    if on > clock.today():
        raise ValidationFailed("下访日期不能晚于今天", field="on")
    if people_met is None or people_met < 0:
        raise ValidationFailed("接待人次不能为负数", field="people_met")
    return {"on": on, "place": place, "people_met": people_met, "notes": (notes or "").strip()[:TEXT_MAX]}


def down_visit_record(
    *, leader: User, on: dt.date, place: str, people_met: int = 0, cases: Iterable[Case] = (), notes: str = "",
    recorded_by: User | None = None,
) -> DownVisit:
    """A leader's 下访: where, when, how many people were heard, and which items they raised."""
    recorded_by = recorded_by or leader
    if recorded_by.pk != leader.pk:
        raise PermissionRefused("下访记录由下访领导本人填写")
    if not rules.is_leader(leader):
        raise PermissionRefused("只有领导可以登记下访")
    fields = _down_visit_fields(on=on, place=place, people_met=people_met, notes=notes)
    items = _visible_cases(leader, cases)
    with transaction.atomic():
        visit = DownVisit.objects.create(leader=leader, recorded_by=recorded_by, created_at=clock.now(), **fields)
        visit.items.set(items)
        for case in items:
            record(case, "down_visit", actor=leader, on=visit.on, data={"down_visit": visit.pk},
                   note=f"{leader}下访（{visit.place}）时群众反映本事项")
    return visit


def may_edit_down_visit(user: User, visit: DownVisit) -> bool:
    """Only the leader may record their own 下访 (``down_visit_record``), so only they, still a leader, correct it."""
    return user.pk in (visit.leader_id, visit.recorded_by_id) and rules.is_leader(user)


def down_visit_update(
    *, visit: DownVisit, actor: User, on: dt.date, place: str, people_met: int, cases: Iterable[Case], notes: str = "",
) -> DownVisit:
    """Correct a 下访 record; ``cases`` is the complete new list of items the actor may see.

    Items the actor can no longer see stay linked: they were not shown, so they were not chosen to go. Every
    item's history stays true: an added item records the 下访 as at creation; a removed item, and a kept one
    whose date or place changed, records the correction (``down_visit_corrected``).
    """
    if not may_edit_down_visit(actor, visit):
        raise PermissionRefused("只有下访领导本人可以修改下访记录")
    fields = _down_visit_fields(on=on, place=place, people_met=people_met, notes=notes)
    chosen = _visible_cases(actor, cases)
    with transaction.atomic():
        locked = DownVisit.objects.select_for_update().select_related("leader").get(pk=visit.pk)
        leader, was = locked.leader, f"{locked.on:%Y-%m-%d}（{locked.place}）"
        linked = {c.pk: c for c in locked.items.order_by("pk")}
        seen = set(secrecy.listable(actor, locked.items.all()).values_list("pk", flat=True))
        chosen_ids = {c.pk for c in chosen}
        added = [c for c in chosen if c.pk not in linked]
        removed = [c for pk, c in linked.items() if pk in seen and pk not in chosen_ids]
        moved = (fields["on"], fields["place"]) != (locked.on, locked.place)
        kept = [c for pk, c in linked.items() if pk in chosen_ids] if moved else []
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.updated_by, locked.updated_at = actor, clock.now()
        locked.save(update_fields=[*fields, "updated_by", "updated_at"])
        locked.items.remove(*removed)
        locked.items.add(*added)
        now = f"{locked.on:%Y-%m-%d}（{locked.place}）"
        for case in added:
            record(case, "down_visit", actor=actor, on=locked.on, data={"down_visit": locked.pk},
                   note=f"{leader}下访（{locked.place}）时群众反映本事项")
        for case in removed:
            record(case, "down_visit_corrected", actor=actor, data={"down_visit": locked.pk, "removed": True},
                   note=f"更正下访记录：本事项不是{leader} {was} 下访时群众反映的事项，已从该次下访记录中移除")
        for case in kept:
            record(case, "down_visit_corrected", actor=actor, data={"down_visit": locked.pk, "on": locked.on.isoformat()},
                   note=f"更正下访记录：{leader}下访的日期、地点由 {was} 更正为 {now}")
    return locked
