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


def followup_add(*, actor: User, entry: DisputeEntry, on: dt.date | None, note: str) -> FollowUp:
    _check_reporter(actor, entry.place)
    errors = []
    if on is None:
        errors.append("请填写跟进日期")
    elif on > clock.today():
        errors.append("跟进日期不能晚于今天")
    elif on < entry.reported_on:
        errors.append(f"跟进日期不能早于排查日期（{entry.reported_on:%Y-%m-%d}）")
    if not note.strip():
        errors.append("请填写跟进情况")
    if errors:
        raise ValidationFailed("；".join(errors))
    with transaction.atomic():
        followup = FollowUp.objects.create(
            entry=entry, on=on, note=note.strip(), author=actor, created_at=clock.now()
        )
        DisputeEntry.objects.filter(pk=entry.pk).update(updated_at=clock.now())
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
