"""The daily supervision job (``xinfang supervise``, run by cron after ``xinfang tick``).

Three passes, each idempotent, so the job can be run again or on two servers without doubling anything:

1. 催办: every open 督办 whose answer date has passed gets one automatic 催办 (``Urge`` unique constraint).
2. 提醒函 at the configured moments of each running clock of an open item (``Reminder`` unique on clock × moment).
3. 差错登记: breaches found in the items' records (``ErrorEntry.key`` is unique).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q

from xinfang.cases.models import Case, CaseEvent, Clock
from xinfang.cases.states import OPEN_STATES
from xinfang.core import clock
from xinfang.documents.models import DocumentKind, IssuedDocument
from xinfang.orgs import policies
from xinfang.orgs.permissions import Perm
from xinfang.supervision import ladder, services
from xinfang.supervision.models import ErrorEntry, Reminder, Supervision

log = logging.getLogger(__name__)

# Clocks whose duty lies with the unit that has the item. The petitioner's windows (复查/复核申请, 评价) and the
# bureau's own routing clock get no 提醒函: nobody is reminded of their own or the petitioner's time.
REMINDER_RULES = (
    "acceptance_notice", "simple_acceptance", "simple_transit", "handling", "handling_extended", "simple_handling",
    "review", "rereview", "assigned",
)
DEFAULT_MOMENTS = ("start", "due_soon", "due_day")
# A clock that started more than this many days ago gets no 「交办时」 letter: the first run on existing data
# must not send letters about assignments made weeks before.
START_WINDOW_DAYS = 3


def reminder_moments() -> tuple[str, ...]:
    """The moments the county has switched on (setting ``XINFANG_REMINDER_MOMENTS``)."""
    return tuple(getattr(settings, "XINFANG_REMINDER_MOMENTS", DEFAULT_MOMENTS))


def group_reception_days() -> int:
    """Days after a group visit by which the leaders' reception must be on record (``XINFANG_GROUP_RECEPTION_DAYS``)."""
    return int(getattr(settings, "XINFANG_GROUP_RECEPTION_DAYS", 7))


@dataclass
class SuperviseResult:
    urged: int = 0
    reminders: int = 0
    errors: int = 0
    notes: list[str] = field(default_factory=list)


def run_daily(*, today: dt.date | None = None) -> SuperviseResult:
    today = today or clock.today()
    result = SuperviseResult()
    result.urged = urge_overdue(today)
    actor = services.system_actor()
    if actor is None:
        result.notes.append("未找到唯一的县级信访部门，提醒函未发送（请在单位设置中检查信访部门）")
    else:
        result.reminders = send_reminders(today, actor)
    result.errors = scan_errors(today)
    return result


def urge_overdue(today: dt.date) -> int:
    n = 0
    due = Supervision.objects.filter(state=Supervision.State.OPEN, answer_due_on__lt=today).order_by("pk")
    for sup in due.exclude(urges__automatic=True):
        if services.supervision_urge(supervision=sup, actor=None, automatic=True, on=today) is not None:
            n += 1
    return n


def _moment_for(c: Clock, level: str, today: dt.date, moments: tuple[str, ...]) -> list[str]:
    found = []
    if "start" in moments and c.started_on <= today and (today - c.started_on).days <= START_WINDOW_DAYS:
        found.append(Reminder.Moment.START)
    if "due_soon" in moments and level == ladder.Level.DUE_SOON and today < c.due_on:
        found.append(Reminder.Moment.DUE_SOON)
    if "due_day" in moments and c.due_on == today:
        found.append(Reminder.Moment.DUE_DAY)
    return found


def send_reminders(today: dt.date, actor) -> int:
    moments = reminder_moments()
    if not moments:
        return 0
    window = today - dt.timedelta(days=START_WINDOW_DAYS)
    # Only clocks that can be at one of the moments today; the level is computed in SQL like the board's.
    # Only units under the bureau's supervision: an item reviewed by the city (复核) is the city's to remind.
    supervised = policies.unit_ids_with(actor, Perm.SUPERVISE)
    candidates = (
        Clock.objects.filter(ladder.RUNNING, paused=False, rule_code__in=REMINDER_RULES, unit_id__in=supervised,
                             case__status__in=sorted(s.value for s in OPEN_STATES))
        .annotate(level=ladder.level_expression(today))
        .filter(Q(started_on__gte=window) | Q(due_on=today) | Q(level=ladder.Level.DUE_SOON))
        .select_related("case")
        .order_by("case_id", "pk")
    )
    sent = 0
    for c in candidates:
        done = set(Reminder.objects.filter(clock=c).values_list("moment", flat=True))
        for moment in _moment_for(c, c.level, today, moments):
            if moment in done:
                continue
            try:
                with transaction.atomic():
                    services.reminder_send(case=c.case, actor=actor, moment=moment, clock_row=c, on=today)
                sent += 1
            except IntegrityError:
                # Another copy of the job sent this one a moment ago.
                continue
            except Exception:
                log.exception("提醒函发送失败：信访件 %s 期限 %s", c.case_id, c.pk)
    return sent


# --- 差错登记 ------------------------------------------------------------------------------------------------

ARTICLES = {
    ErrorEntry.Kind.LATE_ROUTING: "《信访工作条例》第二十二条、第四十三条：信访部门应当自收到信访事项之日起15日内分别处理",
    ErrorEntry.Kind.LATE_ACCEPTANCE: "《信访工作条例》第二十四条、第四十四条：有权处理的机关应当自收到之日起15日内告知是否受理",
    ErrorEntry.Kind.LATE_REPLY: "《信访工作条例》第三十二条、第四十五条：应当自受理之日起60日内办结，出具书面答复意见",
    ErrorEntry.Kind.REPLY_WITHOUT_DOCUMENT: "《信访工作条例》第三十二条：处理意见应当书面答复信访人（决定第8条）",
    ErrorEntry.Kind.EXTENSION_WITHOUT_APPROVAL: "《信访工作条例》第三十四条：延长办理期限须经本机关负责人批准并告知信访人",
    ErrorEntry.Kind.GROUP_WITHOUT_RECEPTION: "《信访工作条例》第十八条、第四十六条：集体访由领导当面接谈（决定第4条）",
}
CLOCK_KINDS = {
    ErrorEntry.Kind.LATE_ROUTING: ("bureau_routing",),
    ErrorEntry.Kind.LATE_ACCEPTANCE: ("acceptance_notice", "simple_acceptance"),
    ErrorEntry.Kind.LATE_REPLY: ("handling", "handling_extended", "simple_handling"),
}


def _duty_unit(case: Case, kind: str, running: bool) -> int:
    """The unit the breach is entered against: the bureau for routing; the unit that has (or had) the item."""
    if kind == ErrorEntry.Kind.LATE_ROUTING:
        return case.registering_unit_id
    if running:
        return case.current_unit_id
    return case.first_handling_unit_id or case.responsible_unit_id or case.current_unit_id


def _insert(entries: list[ErrorEntry]) -> int:
    # ignore_conflicts on the unique key: two copies of the job insert each entry once.
    before = ErrorEntry.objects.count()
    ErrorEntry.objects.bulk_create(entries, ignore_conflicts=True, batch_size=500)
    return ErrorEntry.objects.count() - before


def scan_errors(today: dt.date) -> int:
    now = clock.now()
    entries: list[ErrorEntry] = []
    for kind, rules in CLOCK_KINDS.items():
        late = (
            Clock.objects.filter(rule_code__in=rules, superseded=False)
            .filter(Q(stopped_on__isnull=False, on_time=False) | Q(stopped_on__isnull=True, due_on__lt=today))
            .exclude(Exists(ErrorEntry.objects.filter(clock=OuterRef("pk"), kind=kind)))
            .select_related("case")
        )
        for c in late.iterator(chunk_size=1000):
            running = c.stopped_on is None
            what = "尚未办理" if running else f"于 {c.stopped_on:%Y-%m-%d} 办理"
            entries.append(ErrorEntry(
                key=f"{kind}:{c.pk}", unit_id=_duty_unit(c.case, kind, running), case=c.case, clock=c, kind=kind,
                rule_code=c.rule_code, article=ARTICLES[kind], occurred_on=c.due_on + dt.timedelta(days=1),
                detail=f"{c.label}自 {c.started_on:%Y-%m-%d} 起算，截止 {c.due_on:%Y-%m-%d}，{what}。",
                created_at=now,
            ))

    delivered_reply = IssuedDocument.objects.filter(
        case=OuterRef("pk"), kind=DocumentKind.REPLY, delivered_on__isnull=False)
    kind = ErrorEntry.Kind.REPLY_WITHOUT_DOCUMENT
    for case in Case.objects.filter(reply_delivered_on__isnull=False).exclude(Exists(delivered_reply)).exclude(
        Exists(ErrorEntry.objects.filter(case=OuterRef("pk"), kind=kind))
    ):
        entries.append(ErrorEntry(
            key=f"{kind}:{case.pk}", unit_id=_duty_unit(case, kind, False), case=case, kind=kind, rule_code="reply",
            article=ARTICLES[kind], occurred_on=case.reply_delivered_on,
            detail=f"记录于 {case.reply_delivered_on:%Y-%m-%d} 送达答复，但没有已送达的信访处理意见书。", created_at=now,
        ))

    kind = ErrorEntry.Kind.EXTENSION_WITHOUT_APPROVAL
    approved = CaseEvent.objects.filter(case=OuterRef("pk"), action="extend", actor__isnull=False)
    notice = IssuedDocument.objects.filter(case=OuterRef("pk"), kind=DocumentKind.EXTENSION_NOTICE)
    extended = Case.objects.filter(
        Q(extension_days__gt=0) | Exists(Clock.objects.filter(case=OuterRef("pk"), rule_code="handling_extended"))
    ).exclude(Exists(ErrorEntry.objects.filter(case=OuterRef("pk"), kind=kind)))
    for case in extended.filter(~Exists(approved) | ~Exists(notice)).annotate(
        has_approval=Exists(approved), has_notice=Exists(notice)
    ):
        missing = [text for ok, text in ((case.has_approval, "没有负责人批准延期的记录"),
                                         (case.has_notice, "没有出具延期告知书")) if not ok]
        entries.append(ErrorEntry(
            key=f"{kind}:{case.pk}", unit_id=_duty_unit(case, kind, False), case=case, kind=kind,
            rule_code="handling_extended", article=ARTICLES[kind], occurred_on=case.accepted_on or today,
            detail=f"办理期限已延长 {case.extension_days} 日，但{'，'.join(missing)}。", created_at=now,
        ))

    kind = ErrorEntry.Kind.GROUP_WITHOUT_RECEPTION
    days = group_reception_days()
    reception = CaseEvent.objects.filter(case=OuterRef("pk"), action="group_reception")
    groups = Case.objects.filter(
        is_group=True, people_count__gte=5, received_on__lt=today - dt.timedelta(days=days)
    ).exclude(Exists(reception)).exclude(Exists(ErrorEntry.objects.filter(case=OuterRef("pk"), kind=kind)))
    for case in groups:
        entries.append(ErrorEntry(
            key=f"{kind}:{case.pk}", unit_id=case.responsible_unit_id or case.current_unit_id, case=case, kind=kind,
            rule_code="group_reception", article=ARTICLES[kind],
            occurred_on=case.received_on + dt.timedelta(days=days + 1),
            detail=f"{case.people_count} 人集体访于 {case.received_on:%Y-%m-%d} 登记，{days} 日内没有领导接谈记录。",
            created_at=now,
        ))
    return _insert(entries) if entries else 0
