"""复查/复核 applications filed by the petitioner on the portal ([T22-35], [T22-36]).

The petitioner files; the organ that reviews accepts or refuses in writing. Filing is allowed only while the
request window of the rules runs, and the filing date is the date of receipt: an organ that decides a week
later still treats the request as received that day, and the daily job does not conclude an item while an
application waits (``has_pending`` in ``run_daily_tick``). Accepting and refusing go through the same acts as
a request handed in on paper (``case_request_review`` …), so the document, the clocks and the history are the
ones every other request gets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from xinfang.cases import workflow
from xinfang.cases.models import Case, ReviewApplication
from xinfang.cases.services import case_request_rereview, case_request_review
from xinfang.cases.states import Status
from xinfang.cases.workflow import Action, Move, transition
from xinfang.core import clock
from xinfang.core.errors import IllegalTransition, NotFound, ValidationFailed
from xinfang.notifications.models import Outbox
from xinfang.notifications.services import enqueue
from xinfang.orgs.models import User

Kind = ReviewApplication.Kind
State = ReviewApplication.State
REASON_MAX = 2000


@dataclass(frozen=True)
class Window:
    """Where an item stands for one kind of request: open until ``due_on``, or closed with ``why``."""

    kind: str
    open: bool
    due_on: dt.date | None
    why: str = ""
    provisional: bool = False


# kind → (the state in which it may be requested, the window's clock rule, the paper it follows, its article)
_RULES = {
    Kind.REVIEW: (Status.DELIVERED, "review_request", "处理意见书", "第三十五条"),
    Kind.REREVIEW: (Status.REVIEW_DELIVERED, "rereview_request", "复查意见书", "第三十六条"),
}


def window_for(case: Case, kind: str, today: dt.date | None = None) -> Window:
    """Whether ``kind`` can be requested today, and if not, a sentence that says when the window ended and
    why (the portal shows it as the refusal)."""
    status, rule, paper, article = _RULES[Kind(kind)]
    label = Kind(kind).label
    today = today or clock.today()
    window = case.clocks.filter(rule_code=rule).order_by("-started_on", "-pk").first()
    if window is None:
        return Window(kind, False, None, f"本件尚未送达{paper}，暂不能申请{label}。")
    late = (
        f"{label}申请期限已于{window.due_on:%Y年%-m月%-d日}届满：依照《信访工作条例》{article}，{label}申请应当"
        f"自收到{paper}之日起30日内提出。逾期提出的申请不予受理。"
    )
    # A window the daily job closed stopped after its last day; one closed by a request, on or before it.
    if today > window.due_on or (window.stopped_on is not None and window.stopped_on > window.due_on):
        return Window(kind, False, window.due_on, late)
    if window.stopped_on is not None or case.status != status:
        return Window(kind, False, window.due_on, f"本件当前不在{label}申请期内（已提出申请或已办结）。")
    return Window(kind, True, window.due_on, provisional=window.provisional)


def application_file(*, case: Case, kind: str, reason: str) -> ReviewApplication:
    """The petitioner files a request on the portal. A second filing while one waits returns the first."""
    if kind not in Kind.values:
        raise ValidationFailed("申请类型无效，请选择复查或复核", field="kind")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(f"请写明{Kind(kind).label}的请求和理由", field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationFailed(f"请求和理由最多 {REASON_MAX} 字（您写了 {len(reason)} 字）", field="reason")
    with transaction.atomic():
        # The item's lock orders a filing against the daily job that would conclude the item at the
        # window's end: whichever comes second sees the other.
        locked = Case.objects.select_for_update().get(pk=case.pk)
        pending = locked.applications.filter(kind=kind, state=State.PENDING).first()
        if pending is not None:
            return pending
        window = window_for(locked, kind)
        if not window.open:
            raise ValidationFailed(window.why, field="kind")
        now = clock.now()
        try:
            with transaction.atomic():
                application = ReviewApplication.objects.create(
                    case=locked, kind=kind, reason=reason, filed_on=now.date(), filed_at=now
                )
        except IntegrityError:  # pragma: no cover - the row lock above already serialises filings
            return locked.applications.get(kind=kind, state=State.PENDING)
        workflow.record(locked, "application_filed", actor=None, data={"kind": kind, "application": application.pk})
        _tell_the_organ(application)
    return application


def _tell_the_organ(application: ReviewApplication) -> None:
    """The deciding organ's head hears of the request in the inbox (number only: an item's title may tell
    what an accusation alleges). The request is also on the organ's 网上复查申请 list."""
    unit = deciding_unit(application)
    if unit is None or not unit.head_id:
        return
    case = application.case
    label = application.get_kind_display()
    enqueue(
        channel=Outbox.Channel.INAPP, recipient_id=unit.head_id, kind="application",
        body=f"网上{label}申请：信访件 {case.number} 的信访人于{application.filed_on:%Y年%-m月%-d日}提出{label}申请，"
             f"请审查并书面告知是否受理。",
        case_id=case.pk, case_number=case.number,
    )


def pending_for(case: Case) -> list[ReviewApplication]:
    return list(case.applications.filter(state=State.PENDING))


def has_pending() -> Exists:
    """For the daily job: the item has an application that waits for a decision."""
    return Exists(ReviewApplication.objects.filter(case=OuterRef("pk"), state=State.PENDING))


def deciding_unit(application: ReviewApplication):
    """The organ that accepts or refuses: one level above the organ whose opinion is contested."""
    from xinfang.cases.services import review_unit_for

    case = application.case
    base = case.current_unit if application.kind == Kind.REVIEW else (case.review_unit or case.current_unit)
    return review_unit_for(base)


def _locked(application_id: int) -> ReviewApplication:
    try:
        application = ReviewApplication.objects.select_for_update().get(pk=application_id)
    except ReviewApplication.DoesNotExist as exc:
        raise NotFound("未找到该申请") from exc
    if application.state != State.PENDING:
        raise IllegalTransition(f"该申请已处理（{application.get_state_display()}），请刷新页面")
    return application


def application_accept(*, application_id: int, actor: User) -> ReviewApplication:
    """Accept: the request is recorded on the item as received on the day it was filed."""
    with transaction.atomic():
        application = _locked(application_id)
        request = case_request_review if application.kind == Kind.REVIEW else case_request_rereview
        with workflow.dated_by_record(application.filed_on):
            result = request(case=application.case, actor=actor, received_on=application.filed_on,
                             reason=application.reason)
        application.state = State.ACCEPTED if result.accepted else State.REFUSED
        application.decision_note = result.reason
        return _decided(application, actor)


def application_refuse(*, application_id: int, actor: User, ground: str) -> ReviewApplication:
    """Refuse in writing: the 不予受理告知书 states ``ground``; the item stays where it was, so the petitioner
    may still file a corrected request while the window runs."""
    ground = (ground or "").strip()
    if len(ground) < 5:
        raise ValidationFailed("请写明不予受理的理由（将写入告知书），不少于5个字", field="ground")
    with transaction.atomic():
        application = _locked(application_id)
        case = application.case
        review = application.kind == Kind.REVIEW
        unit = deciding_unit(application)
        if unit is None:
            raise ValidationFailed("本系统内没有复查（复核）机关，不能办理")
        # The refusal is decided, and its notice dated, today; the notice names the day the request came in.
        data = {"reason": application.reason, "ground": ground, "application": application.pk,
                "received_on": application.filed_on.isoformat()}
        transition(
            case, Action.REFUSE_REVIEW if review else Action.REFUSE_REREVIEW, actor=actor, note=ground,
            target=unit, move=Move(data=data),
        )
        application.state = State.REFUSED
        application.decision_note = ground
        return _decided(application, actor)


def _decided(application: ReviewApplication, actor: User) -> ReviewApplication:
    application.decided_by = actor
    application.decided_at = clock.now()
    application.save(update_fields=["state", "decision_note", "decided_by", "decided_at"])
    return application


__all__ = [
    "Window", "window_for", "deciding_unit", "application_file", "application_accept", "application_refuse", "pending_for",
    "has_pending",
]
