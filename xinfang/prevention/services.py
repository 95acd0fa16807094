"""Writes of the prevention registers. Each function validates first (``ValidationFailed`` with a Chinese message,
nothing written) and checks the actor's permission (``PermissionRefused``).

A ledger entry becomes a petition item only through ``cases.services.case_register``, the one write path for
items; the entry keeps the link (``DisputeEntry.case``, read back as ``case.dispute_entry``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db import transaction

from xinfang.cases.choices import Channel, ClaimType, Purpose
from xinfang.cases.models import Case
from xinfang.cases.services import PetitionerInput, RegistrationInput, case_register
from xinfang.core import clock
from xinfang.core.errors import PermissionRefused, ValidationFailed
from xinfang.orgs import policies
from xinfang.orgs.models import Unit, User
from xinfang.orgs.permissions import Perm
from xinfang.prevention import selectors
from xinfang.prevention.models import (
    AssessmentLink,
    DisputeEntry,
    DisputeType,
    FollowUp,
    JointMeeting,
    MeetingDecision,
    Resolution,
    Revision,
    RiskLevel,
    Source,
    StabilityAssessment,
)

# Statuses a person sets by hand; 转为信访件 is set only by ledger_to_petition, with its link.
MANUAL_RESOLUTIONS = [r for r in Resolution if r != Resolution.PETITION]


def choice_error(label: str, value: str, choices) -> str:
    return f"{label}「{value}」无效，可选：{'、'.join(str(c.label) for c in choices)}"


@dataclass
class EntryInput:
    place: Unit | None
    parties: str
    dispute_type: str
    summary: str
    risk_level: str
    reported_on: dt.date | None
    source: str = Source.SCREENING
    responsible_unit: Unit | None = None
    responsible_leader: str = ""
    measures: str = ""
    resolution: str = Resolution.SCREENING
    reporter_name: str = ""


def entry_errors(data: EntryInput, *, today: dt.date) -> list[str]:
    """Every problem with ``data``, each a complete Chinese sentence (the importer prefixes the row)."""
    errors: list[str] = []
    if data.place is None:
        errors.append("请选择纠纷发生地（村或乡镇）")
    elif data.place.kind not in selectors.PLACE_KINDS:
        errors.append(f"发生地「{data.place.name}」不是村（社区）或乡镇（街道）")
    elif selectors.township_of(data.place) is None:
        errors.append(f"发生地「{data.place.name}」不在任何乡镇（街道）之下")
    if not data.parties.strip():
        errors.append("请填写当事人")
    elif len(data.parties) > 200:
        errors.append("当事人不能超过200字")
    if data.dispute_type not in DisputeType.values:
        errors.append(choice_error("纠纷类型", data.dispute_type, DisputeType))
    if not data.summary.strip():
        errors.append("请填写简要情况")
    if data.risk_level not in RiskLevel.values:
        errors.append(choice_error("风险等级", data.risk_level, RiskLevel))
    if data.source not in Source.values:
        errors.append(choice_error("来源", data.source, Source))
    if data.resolution not in [r.value for r in MANUAL_RESOLUTIONS]:
        errors.append(choice_error("化解状态", data.resolution, MANUAL_RESOLUTIONS))
    if data.reported_on is None:
        errors.append("请填写排查日期")
    elif data.reported_on > today:
        errors.append(f"排查日期（{data.reported_on:%Y-%m-%d}）不能晚于今天")
    if len(data.responsible_leader) > 50:
        errors.append("责任领导不能超过50字")
    return errors


def _label(value: str, choices) -> str:
    return dict(choices.choices).get(value, value)


def _facts(data: EntryInput) -> dict:
    """The fields an entry takes from its input, the same when it is added and when it is changed."""
    return dict(
        source=data.source,
        place=data.place,
        township=selectors.township_of(data.place),
        parties=data.parties.strip(),
        dispute_type=data.dispute_type,
        summary=data.summary.strip(),
        risk_level=data.risk_level,
        responsible_unit=data.responsible_unit,
        responsible_leader=data.responsible_leader.strip(),
        measures=data.measures.strip(),
        reported_on=data.reported_on,
    )


def build_entry(data: EntryInput, *, actor: User | None) -> DisputeEntry:
    """An unsaved entry from validated input (shared by the form and the importer)."""
    now = clock.now()
    return DisputeEntry(
        **_facts(data),
        resolution=data.resolution,
        resolved_on=clock.today() if data.resolution == Resolution.RESOLVED else None,
        reporter=actor,
        reporter_name=(data.reporter_name or (str(actor) if actor else "")).strip()[:50],
        created_at=now,
        updated_at=now,
    )


def _check_reporter(actor: User, place: Unit | None) -> None:
    if not selectors.may_report(actor, place):
        raise PermissionRefused("只有村（社区）、乡镇（街道）的工作人员可以报送本辖区的矛盾纠纷")


def ledger_add(*, actor: User, data: EntryInput) -> DisputeEntry:
    errors = entry_errors(data, today=clock.today())
    if errors:
        raise ValidationFailed("；".join(errors))
    _check_reporter(actor, data.place)
    entry = build_entry(data, actor=actor)
    entry.save()
    return entry


def ledger_update(*, actor: User, entry: DisputeEntry, data: EntryInput) -> DisputeEntry:
    """Change an entry's facts, measures or status. An entry that became a petition keeps 转为信访件."""
    _check_reporter(actor, entry.place)
    if entry.resolution == Resolution.PETITION:
        data.resolution = Resolution.SCREENING  # passes validation; the stored status is kept below
    errors = entry_errors(data, today=clock.today())
    if errors:
        raise ValidationFailed("；".join(errors))
    _check_reporter(actor, data.place)
    with transaction.atomic():
        locked = DisputeEntry.objects.select_for_update().get(pk=entry.pk)
        resolution = locked.resolution if locked.resolution == Resolution.PETITION else data.resolution
        resolved_on = locked.resolved_on
        if resolution == Resolution.RESOLVED and resolved_on is None:
            resolved_on = clock.today()
        elif resolution != Resolution.RESOLVED:
            resolved_on = None
        DisputeEntry.objects.filter(pk=entry.pk).update(
            **_facts(data), resolution=resolution, resolved_on=resolved_on, updated_at=clock.now()
        )
    entry.refresh_from_db()
    return entry


def _followup_errors(entry: DisputeEntry, on: dt.date | None, note: str) -> list[str]:
    errors = []
    if on is None:
        errors.append("请填写跟进日期")
    elif on > clock.today():
        errors.append("跟进日期不能晚于今天")
    elif on < entry.reported_on:
        errors.append(f"跟进日期不能早于排查日期（{entry.reported_on:%Y-%m-%d}）")
    if not note.strip():
        errors.append("请填写跟进情况")
    return errors


def followup_add(*, actor: User, entry: DisputeEntry, on: dt.date | None, note: str) -> FollowUp:
    _check_reporter(actor, entry.place)
    errors = _followup_errors(entry, on, note)
    if errors:
        raise ValidationFailed("；".join(errors))
    with transaction.atomic():
        followup = FollowUp.objects.create(
            entry=entry, on=on, note=note.strip(), author=actor, created_at=clock.now()
        )
        DisputeEntry.objects.filter(pk=entry.pk).update(updated_at=clock.now())
    return followup


# --- corrections ------------------------------------------------------------------------------------------------
# A follow-up, a meeting or a decision is corrected in place, and every correction writes one ``Revision`` with
# what each changed field said before: the pages read as the records stand now, and nothing is lost.


def _change(field_name: str, label: str, before, after, *, same: bool | None = None) -> dict | None:
    """One changed field as the history shows it, or None. ``same`` compares what the text may not tell apart
    (two units of one name)."""
    if (before == after) if same is None else same:
        return None
    return {"field": field_name, "label": label, "before": before, "after": after}


def _date_text(value: dt.date | None) -> str:
    return f"{value:%Y-%m-%d}" if value else ""


def _names(units) -> str:
    return "、".join(u.name for u in sorted(units, key=lambda u: u.path)) or "（无）"


def followup_correct(
    *, actor: User, entry: DisputeEntry, followup: FollowUp, on: dt.date | None, note: str
) -> FollowUp:
    """Correct a follow-up's date or text; the version it replaces stays in the entry's history."""
    if not selectors.may_edit_followup(actor, entry, followup):
        raise PermissionRefused("只有记录人或本村（社区）、乡镇（街道）的报送人员可以更正跟进记录")
    errors = _followup_errors(entry, on, note)
    if errors:
        raise ValidationFailed("；".join(errors))
    now = clock.now()
    with transaction.atomic():
        locked = FollowUp.objects.select_for_update().get(pk=followup.pk, entry=entry)
        changes = [
            c
            for c in (
                _change("on", "日期", _date_text(locked.on), _date_text(on)),
                _change("note", "跟进情况", locked.note, note.strip()),
            )
            if c
        ]
        if not changes:
            raise ValidationFailed("跟进记录没有改动，无需更正")
        FollowUp.objects.filter(pk=locked.pk).update(on=on, note=note.strip(), edited_at=now, edited_by=actor)
        Revision.objects.create(
            kind=Revision.Kind.FOLLOWUP,
            entry=entry,
            followup=locked,
            changes=changes,
            actor=actor,
            created_at=now,
        )
        DisputeEntry.objects.filter(pk=entry.pk).update(updated_at=now)
    followup.refresh_from_db()
    return followup


# --- entry → petition ------------------------------------------------------------------------------------------


@dataclass
class PetitionInput:
    petitioner_names: list[str]
    channel: str = Channel.VISIT
    claim_type: str = ClaimType.APPEAL
    purpose: str = Purpose.REQUEST
    title: str = ""
    received_on: dt.date | None = None


_NAME_SPLIT = re.compile(r"[、，,；;\s]+")


def split_names(text: str) -> list[str]:
    return [n for n in _NAME_SPLIT.split(text or "") if n]


def registering_unit(actor: User, entry: DisputeEntry) -> Unit | None:
    """Where the item is registered: the township (the organ that handles it), or the village if the actor may
    register only there."""
    for unit in (entry.township, entry.place):
        if policies.can(actor, Perm.REGISTER, unit):
            return unit
    return None


def default_title(entry: DisputeEntry) -> str:
    first_line = entry.summary.strip().splitlines()[0] if entry.summary.strip() else ""
    return f"{entry.get_dispute_type_display()}：{first_line}"[:80]


def ledger_to_petition(*, actor: User, entry: DisputeEntry, data: PetitionInput) -> Case:
    """Register the dispute as a petition item (through ``case_register``) and mark the entry 转为信访件."""
    _check_reporter(actor, entry.place)
    unit = registering_unit(actor, entry)
    if unit is None:
        raise PermissionRefused(
            f"您在「{entry.township.name}」没有登记信访件的权限，请由乡镇（街道）工作人员转为信访件"
        )
    names = [n.strip() for n in data.petitioner_names if n.strip()]
    registration = RegistrationInput(
        channel=data.channel,
        received_on=data.received_on or clock.today(),
        title=(data.title or default_title(entry)).strip(),
        content=(
            f"{entry.summary.strip()}\n\n（由矛盾纠纷排查台账转入：{entry.reported_on:%Y-%m-%d}排查，"
            f"纠纷类型{entry.get_dispute_type_display()}，当事人{entry.parties}。）"
        ),
        claim_type=data.claim_type,
        purpose=data.purpose,
        petitioners=[PetitionerInput(name=n) for n in names],
        people_count=max(1, len(names)),
        problem_place=entry.place,
        responsible_unit=entry.responsible_unit or entry.township,
    )
    with transaction.atomic():
        locked = DisputeEntry.objects.select_for_update().get(pk=entry.pk)
        if locked.case_id is not None:
            raise ValidationFailed("该纠纷已转为信访件，不能重复转入")
        case = case_register(actor=actor, unit=unit, data=registration)
        DisputeEntry.objects.filter(pk=entry.pk).update(
            case=case, resolution=Resolution.PETITION, resolved_on=None, updated_at=clock.now()
        )
        FollowUp.objects.create(
            entry=entry,
            on=clock.today(),
            note=f"转为信访件，编号 {case.number}（{unit.name}登记）",
            author=actor,
            created_at=clock.now(),
        )
    entry.refresh_from_db()
    return case


# --- 联席研判 -------------------------------------------------------------------------------------------------


@dataclass
class DecisionInput:
    text: str
    owner_unit: Unit | None
    due_on: dt.date | None


@dataclass
class MeetingInput:
    unit: Unit | None
    held_on: dt.date | None
    topic: str
    notes: str = ""
    units_present: list[Unit] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    entries: list[DisputeEntry] = field(default_factory=list)
    decisions: list[DecisionInput] = field(default_factory=list)


def meeting_record(*, actor: User, data: MeetingInput) -> JointMeeting:
    """Record a meeting and its decisions; each decision is an open task for its owner unit.

    The caller passes only items and entries the actor may see (the views take them from the scoped selectors).
    """
    if data.unit is None or not selectors.may_record(actor, data.unit):
        raise PermissionRefused("您没有在该单位登记联席研判的权限")
    errors = []
    if data.held_on is None:
        errors.append("请填写会议日期")
    elif data.held_on > clock.today():
        errors.append("会议日期不能晚于今天")
    if not data.topic.strip():
        errors.append("请填写议题")
    for i, d in enumerate(data.decisions, start=1):
        if not d.text.strip():
            errors.append(f"第{i}项议定事项：请填写内容")
        if d.owner_unit is None:
            errors.append(f"第{i}项议定事项：请选择责任单位")
        if d.due_on is None:
            errors.append(f"第{i}项议定事项：请填写完成时限")
        elif data.held_on and d.due_on < data.held_on:
            errors.append(f"第{i}项议定事项：完成时限不能早于会议日期")
    if errors:
        raise ValidationFailed("；".join(errors))
    with transaction.atomic():
        meeting = JointMeeting.objects.create(
            unit=data.unit,
            held_on=data.held_on,
            topic=data.topic.strip(),
            notes=data.notes.strip(),
            created_by=actor,
            created_at=clock.now(),
        )
        meeting.units_present.set(data.units_present)
        meeting.cases.set(data.cases)
        meeting.entries.set(data.entries)
        MeetingDecision.objects.bulk_create(
            MeetingDecision(meeting=meeting, text=d.text.strip(), owner_unit=d.owner_unit, due_on=d.due_on)
            for d in data.decisions
        )
    return meeting


def decision_complete(
    *, actor: User, decision: MeetingDecision, note: str, on: dt.date | None = None
) -> MeetingDecision:
    if not selectors.may_complete_decision(actor, decision):
        raise PermissionRefused("只有责任单位或召集单位可以办结该议定事项")
    if not note.strip():
        raise ValidationFailed("请填写落实情况", field="note")
    done_on = on or clock.today()
    updated = MeetingDecision.objects.filter(pk=decision.pk, done_on__isnull=True).update(
        done_on=done_on, done_note=note.strip(), done_by=actor
    )
    if not updated:
        raise ValidationFailed("该议定事项已办结")
    decision.refresh_from_db()
    return decision


@dataclass
class MeetingEdit:
    """What may change on a recorded meeting. The convening unit stays: it decides who sees and edits the record,
    so changing it would hand the record to another unit."""

    held_on: dt.date | None
    topic: str
    notes: str = ""
    units_present: list[Unit] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    entries: list[DisputeEntry] = field(default_factory=list)


def _check_convener(actor: User, meeting: JointMeeting) -> None:
    if not selectors.may_edit_meeting(actor, meeting):
        raise PermissionRefused(f"只有召集单位（{meeting.unit.name}）的工作人员可以修改该联席研判")


def _ids_change(field_name: str, label: str, before: set[int], after: set[int]) -> dict | None:
    if before == after:
        return None
    return {
        "field": field_name,
        "label": label,
        "before": f"{len(before)}件",
        "after": f"{len(after)}件",
        "before_ids": sorted(before),
        "after_ids": sorted(after),
    }


def meeting_update(*, actor: User, meeting: JointMeeting, data: MeetingEdit) -> JointMeeting:
    """Change a meeting's date, topic, notes, units present and what it discussed.

    The caller passes only items and entries the actor may see (as for ``meeting_record``). Links the actor
    cannot see are kept: they were made by someone who could, and are not this actor's to remove unseen.
    """
    _check_convener(actor, meeting)
    errors = []
    if data.held_on is None:
        errors.append("请填写会议日期")
    elif data.held_on > clock.today():
        errors.append("会议日期不能晚于今天")
    if not data.topic.strip():
        errors.append("请填写议题")
    elif len(data.topic.strip()) > 200:
        errors.append("议题不能超过200字")
    if errors:
        raise ValidationFailed("；".join(errors))
    seen_cases, seen_entries = selectors.meeting_links(actor, meeting)
    now = clock.now()
    with transaction.atomic():
        # Locked first by both this and ``decision_update``: a deadline and the meeting date change one at a time.
        locked = JointMeeting.objects.select_for_update().get(pk=meeting.pk)
        earliest = locked.decisions.order_by("due_on").values_list("due_on", flat=True).first()
        if earliest is not None and data.held_on > earliest:
            raise ValidationFailed(f"会议日期不能晚于议定事项的完成时限（{earliest:%Y-%m-%d}）")
        old_units = list(locked.units_present.all())
        old_cases = set(locked.cases.values_list("pk", flat=True))
        old_entries = set(locked.entries.values_list("pk", flat=True))
        new_cases = {c.pk for c in data.cases} | (old_cases - {c.pk for c in seen_cases})
        new_entries = {e.pk for e in data.entries} | (old_entries - {e.pk for e in seen_entries})
        changes = [
            c
            for c in (
                _change("held_on", "会议日期", _date_text(locked.held_on), _date_text(data.held_on)),
                _change("topic", "议题", locked.topic, data.topic.strip()),
                _change("notes", "研判情况", locked.notes, data.notes.strip()),
                _change(
                    "units_present",
                    "参会单位",
                    _names(old_units),
                    _names(data.units_present),
                    same={u.pk for u in old_units} == {u.pk for u in data.units_present},
                ),
                _ids_change("cases", "研判的信访件", old_cases, new_cases),
                _ids_change("entries", "研判的排查台账", old_entries, new_entries),
            )
            if c
        ]
        if not changes:
            raise ValidationFailed("联席研判没有改动，无需保存")
        JointMeeting.objects.filter(pk=meeting.pk).update(
            held_on=data.held_on,
            topic=data.topic.strip(),
            notes=data.notes.strip(),
            updated_at=now,
            updated_by=actor,
        )
        locked.units_present.set(data.units_present)
        locked.cases.set(new_cases)
        locked.entries.set(new_entries)
        Revision.objects.create(
            kind=Revision.Kind.MEETING, meeting=locked, changes=changes, actor=actor, created_at=now
        )
    meeting.refresh_from_db()
    return meeting


def decision_update(*, actor: User, decision: MeetingDecision, data: DecisionInput) -> MeetingDecision:
    """Change an open decision's text, owner unit or deadline. A done decision is a record of what was done and
    stays as it is."""
    meeting = decision.meeting
    _check_convener(actor, meeting)
    if decision.done_on is not None:
        raise ValidationFailed("该议定事项已办结，不能修改")
    errors = []
    if not data.text.strip():
        errors.append("请填写议定事项内容")
    elif len(data.text.strip()) > 500:
        errors.append("议定事项内容不能超过500字")
    if data.owner_unit is None:
        errors.append("请选择责任单位")
    if data.due_on is None:
        errors.append("请填写完成时限")
    if errors:
        raise ValidationFailed("；".join(errors))
    now = clock.now()
    with transaction.atomic():
        held_on = (
            JointMeeting.objects.select_for_update().values_list("held_on", flat=True).get(pk=meeting.pk)
        )
        if data.due_on < held_on:
            raise ValidationFailed(f"完成时限不能早于会议日期（{held_on:%Y-%m-%d}）")
        locked = (
            MeetingDecision.objects.select_for_update(of=("self",))
            .select_related("owner_unit")
            .get(pk=decision.pk)
        )
        if locked.done_on is not None:
            raise ValidationFailed("该议定事项已办结，不能修改")
        changes = [
            c
            for c in (
                _change("text", "议定事项", locked.text, data.text.strip()),
                _change(
                    "owner_unit",
                    "责任单位",
                    locked.owner_unit.name,
                    data.owner_unit.name,
                    same=locked.owner_unit_id == data.owner_unit.pk,
                ),
                _change("due_on", "完成时限", _date_text(locked.due_on), _date_text(data.due_on)),
            )
            if c
        ]
        if not changes:
            raise ValidationFailed("议定事项没有改动，无需保存")
        MeetingDecision.objects.filter(pk=decision.pk).update(
            text=data.text.strip(), owner_unit=data.owner_unit, due_on=data.due_on, updated_at=now, updated_by=actor
        )
        Revision.objects.create(
            kind=Revision.Kind.DECISION,
            meeting=meeting,
            decision=locked,
            changes=changes,
            actor=actor,
            created_at=now,
        )
    decision.refresh_from_db()
    return decision


# --- 稳评 -----------------------------------------------------------------------------------------------------


@dataclass
class AssessmentInput:
    decision: str
    unit: Unit | None
    decided_on: dt.date | None
    risk_level: str
    conclusion: str
    measures: str = ""


def assessment_record(*, actor: User, data: AssessmentInput) -> StabilityAssessment:
    if data.unit is None or not selectors.may_record(actor, data.unit):
        raise PermissionRefused("您没有在该单位登记稳评的权限")
    errors = []
    if not data.decision.strip():
        errors.append("请填写重大决策事项")
    if data.decided_on is None:
        errors.append("请填写评估日期")
    if data.risk_level not in RiskLevel.values:
        errors.append(choice_error("风险等级", data.risk_level, RiskLevel))
    if not data.conclusion.strip():
        errors.append("请填写评估结论")
    if errors:
        raise ValidationFailed("；".join(errors))
    return StabilityAssessment.objects.create(
        decision=data.decision.strip(),
        unit=data.unit,
        decided_on=data.decided_on,
        risk_level=data.risk_level,
        measures=data.measures.strip(),
        conclusion=data.conclusion.strip(),
        created_by=actor,
        created_at=clock.now(),
    )


def assessment_link_case(
    *, actor: User, assessment: StabilityAssessment, case: Case, note: str = ""
) -> AssessmentLink:
    """Link an item to the decision that caused it. The caller has opened both through the scoped selectors."""
    if not selectors.may_record(actor, assessment.unit):
        raise PermissionRefused("您没有在该单位登记稳评的权限")
    if AssessmentLink.objects.filter(assessment=assessment, case=case).exists():
        raise ValidationFailed(f"信访件 {case.number} 已关联到该决策事项")
    return AssessmentLink.objects.create(
        assessment=assessment, case=case, note=note.strip()[:200], created_by=actor, created_at=clock.now()
    )
