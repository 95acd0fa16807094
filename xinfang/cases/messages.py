"""What a petitioner is told by SMS and e-mail, and the staff inbox as the outbox's in-app backend.

The workflow calls ``registration_messages``/``event_messages`` inside the act's transaction, after its event
is written; the messages go into the outbox (``xinfang.notifications``) and are sent after the commit by
``xinfang notify`` / ``xinfang tick``. They go to the main petitioner's mobile number and e-mail address, when
there are any; an anonymous item gets nothing.

The texts are short (one SMS is 70 Chinese characters), signed by the 信访局, and say only what the petitioner
needs to act: the item's number, what happened, the next date. They name no staff, no unit and never the
item's title or kind — the same for every item, so a message about a 检举控告 says nothing about the accused
and, read by someone else on the petitioner's phone, not even that it is an accusation (docs/secrecy.md).
Everything else is on the portal and in the written notices.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings

from xinfang.cases import secrecy
from xinfang.cases.choices import Procedure
from xinfang.cases.workflow import Action
from xinfang.core import clock
from xinfang.notifications.backends import PermanentDeliveryError
from xinfang.notifications.models import Outbox
from xinfang.notifications.services import enqueue, outbox_row

if TYPE_CHECKING:
    from xinfang.cases.models import Case, CaseEvent, Clock, Petitioner
    from xinfang.orgs.models import Unit

_MOBILE = re.compile(r"1[3-9]\d{9}")
_FALLBACK_SIGNATURE = "信访部门"


# --- the texts -----------------------------------------------------------------------------------------------


def _day(due: Clock | None, today: dt.date) -> str:
    if due is None:
        return ""
    d = due.due_on
    text = f"{d.month}月{d.day}日" if d.year == today.year else f"{d.year}年{d.month}月{d.day}日"
    # A date counted with an estimated holiday schedule (decisions §2) may still move.
    return text + ("（暂定）" if due.provisional else "")


class _Dates:
    """The running clocks of the item after the act: those ``transition`` holds, or read from the database."""

    def __init__(self, case: Case, clocks: Mapping[str, Clock] | None) -> None:
        self.case, self.clocks, self.today = case, clocks, clock.today()

    def due(self, rule: str) -> str:
        if self.clocks is not None:
            found = self.clocks.get(rule)
        else:
            found = self.case.clocks.filter(rule_code=rule, stopped_on__isnull=True).order_by("-pk").first()
        return _day(found, self.today)


def _item(case: Case) -> str:
    return f"您的信访事项（编号{case.number}）"


def _request(label: str, case: Case) -> str:
    return f"您的{label}申请（信访事项编号{case.number}）"


def _receipt(case: Case, dates: _Dates) -> str:
    return f"您的信访事项已登记，编号{case.number}，查询码{case.query_code}，可在{settings.XINFANG_PORTAL_URL}查询办理进展。"


def _accepted(case: Case, dates: _Dates) -> str:
    simple = case.procedure == Procedure.SIMPLE
    due = dates.due("simple_handling" if simple else "handling")
    what = "已受理（简易办理）" if simple else "已受理"
    return f"{_item(case)}{what}，依法应于{due}前办结。" if due else f"{_item(case)}{what}。"


def _refused(case: Case, dates: _Dates) -> str:
    return f"{_item(case)}不予受理，理由和其他途径见不予受理告知书，可在{settings.XINFANG_PORTAL_URL}查看。"


def _not_reaccepted(case: Case, dates: _Dates) -> str:
    return f"{_item(case)}依法不再受理，理由见不再受理告知书，可在{settings.XINFANG_PORTAL_URL}查看。"


def _extended(case: Case, dates: _Dates) -> str:
    due = dates.due("handling_extended")
    return f"{_item(case)}办理期限依法延长至{due}，理由见延期告知书。"


def _reply_delivered(case: Case, dates: _Dates) -> str:
    review, evaluation = dates.due("review_request"), dates.due("evaluation")
    head = f"{_item(case)}处理意见书已送达"
    if not evaluation:  # an item received before the evaluation measure existed (workflow: optional clock)
        return f"{head}，如不服可在{review}前申请复查。"
    if evaluation == review:
        return f"{head}，可在{review}前申请复查，并请在此前评价办理工作。"
    return f"{head}，可在{review}前申请复查，请在{evaluation}前评价办理工作。"


def _request_accepted(label: str, rule: str) -> Callable[[Case, _Dates], str]:
    def text(case: Case, dates: _Dates) -> str:
        due = dates.due(rule)
        after = f"，{label}机关将于{due}前作出{label}意见。" if due else "。"
        return f"{_request(label, case)}已受理{after}"

    return text


def _request_refused(label: str) -> Callable[[Case, _Dates], str]:
    def text(case: Case, dates: _Dates) -> str:
        return f"{_request(label, case)}不予受理，理由见告知书，可在{settings.XINFANG_PORTAL_URL}查看。"

    return text


def _decided(label: str, next_step: str) -> Callable[[Case, _Dates], str]:
    def text(case: Case, dates: _Dates) -> str:
        head = f"{_item(case)}{label}意见书已送达"
        if not next_step:
            return f"{head}，{label}意见为最终意见。"
        return f"{head}，如不服可在{dates.due('rereview_request')}前申请{next_step}。"

    return text


def _redo(label: str) -> Callable[[Case, _Dates], str]:
    def text(case: Case, dates: _Dates) -> str:
        due = dates.due("handling")
        return f"{_item(case)}{label}意见书已送达，责令重新办理" + (f"，应于{due}前办结。" if due else "。")

    return text


@dataclass(frozen=True)
class _Say:
    kind: str  # Outbox.kind
    subject: str
    text: Callable[[Case, _Dates], str]


_PROGRESS = "信访事项办理进展"
# The acts a petitioner hears about (their written notice goes with most of them, decisions §8).
SAYINGS: Mapping[str, _Say] = {
    Action.REGISTER: _Say("receipt", "信访事项已登记", _receipt),
    Action.REGISTER_DIRECT: _Say("receipt", "信访事项已登记", _receipt),
    Action.ACCEPT: _Say("accepted", _PROGRESS, _accepted),
    Action.ACCEPT_SIMPLE: _Say("accepted", _PROGRESS, _accepted),
    Action.DECLINE: _Say("refused", _PROGRESS, _refused),
    Action.REFUSE: _Say("refused", _PROGRESS, _refused),
    Action.NOT_REACCEPT: _Say("not_reaccepted", _PROGRESS, _not_reaccepted),
    Action.EXTEND: _Say("extended", _PROGRESS, _extended),
    Action.DELIVER: _Say("reply_delivered", _PROGRESS, _reply_delivered),
    Action.REQUEST_REVIEW: _Say("review_accepted", _PROGRESS, _request_accepted("复查", "review")),
    Action.REFUSE_REVIEW: _Say("review_refused", _PROGRESS, _request_refused("复查")),
    Action.REQUEST_REREVIEW: _Say("rereview_accepted", _PROGRESS, _request_accepted("复核", "rereview")),
    Action.REFUSE_REREVIEW: _Say("rereview_refused", _PROGRESS, _request_refused("复核")),
    Action.REVIEW_DECIDE: _Say("review_decided", _PROGRESS, _decided("复查", "复核")),
    Action.REVIEW_REDO: _Say("review_decided", _PROGRESS, _redo("复查")),
    Action.REREVIEW_DECIDE: _Say("rereview_decided", _PROGRESS, _decided("复核", "")),
    Action.REREVIEW_REDO: _Say("rereview_decided", _PROGRESS, _redo("复核")),
}


# --- who, and signed by whom ---------------------------------------------------------------------------------


def mobile_number(phone: str) -> str:
    """The number as an SMS gateway takes it, or "" for a landline or anything that is not a mainland mobile."""
    digits = re.sub(r"[\s\-()]", "", phone or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    return digits if _MOBILE.fullmatch(digits) else ""


def _main_contact(case: Case) -> tuple[str, str]:
    """The main petitioner's own mobile number and e-mail address, to send them their item's news. Read by the
    system for the petitioner, never shown to staff (the outbox admin masks them)."""
    from xinfang.cases.models import Petitioner

    row = Petitioner.objects.filter(case=case, is_main=True).values_list("phone", "email").first()
    return (mobile_number(row[0]), row[1]) if row else ("", "")


def _county_bureau(unit: Unit) -> Unit | None:
    from xinfang.orgs.models import Unit, UnitKind

    if unit.kind == UnitKind.BUREAU:
        return unit
    for ancestor in reversed(unit.ancestors()):
        bureau = Unit.objects.filter(parent=ancestor, kind=UnitKind.BUREAU, is_active=True).order_by("pk").first()
        if bureau is not None:
            return bureau
    return None


def signature(case: Case) -> str:
    """The sender's name in 【】: the configured one, else the 信访局 that registered the item (or the 信访局 of
    its county, for an item an organ received directly)."""
    if settings.XINFANG_MESSAGE_SIGNATURE:
        return settings.XINFANG_MESSAGE_SIGNATURE
    bureau = _county_bureau(case.registering_unit)
    if bureau is None or secrecy.unit_is_accused(case, bureau):
        return _FALLBACK_SIGNATURE  # never sign an accusation's news with the accused unit's name
    return bureau.name


def _outgoing(case: Case, say: _Say, dates: _Dates, phone: str, email: str) -> list[dict[str, Any]]:
    sign = signature(case)
    text = say.text(case, dates)
    common = {"kind": say.kind, "case_id": case.pk, "case_number": case.number}
    fields = []
    if phone:
        fields.append({**common, "channel": Outbox.Channel.SMS, "address": phone, "body": f"【{sign}】{text}"})
    if email:
        body = f"{text}\n\n{sign}\n（本邮件由系统自动发送，请勿直接回复。）"
        subject = f"{say.subject}（编号{case.number}）"
        fields.append({**common, "channel": Outbox.Channel.EMAIL, "address": email, "subject": subject, "body": body})
    return fields


# --- called by the workflow ------------------------------------------------------------------------------------


def registration_messages(case: Case, action: str, petitioners: Iterable[Petitioner],
                          clocks: Mapping[str, Clock]) -> list[Outbox]:
    """The receipt of a new item, as unsaved outbox rows (``case_id`` unset): ``transition`` inserts them in
    the registration's one statement. ``petitioners`` are the item's unsaved rows."""
    say = SAYINGS.get(action)
    main = next((p for p in petitioners if p.is_main), None)
    if say is None or main is None:
        return []
    phone, email = mobile_number(main.phone), main.email
    if not (phone or email):
        return []
    return [outbox_row(**fields) for fields in _outgoing(case, say, _Dates(case, clocks), phone, email)]


def event_messages(case: Case, event: CaseEvent, clocks: Mapping[str, Clock] | None = None) -> None:
    """Enqueue what the petitioner is told about ``event`` (nothing for most events), in the act's
    transaction. ``clocks``: the item's running clocks after the act, when the caller has them."""
    say = SAYINGS.get(event.action)
    if say is None:
        return
    phone, email = _main_contact(case)
    if not (phone or email):
        return
    for fields in _outgoing(case, say, _Dates(case, clocks), phone, email):
        enqueue(**fields)


# --- the in-app backend --------------------------------------------------------------------------------------


def deliver_to_inbox(message: Outbox) -> None:
    """Deliver an outbox message to a staff member's inbox (``cases.inbox``). ``Notification.outbox_id`` is
    unique, so delivering the same message again inserts nothing."""
    from xinfang.cases.models import Notification

    if message.recipient_id is None:
        raise PermanentDeliveryError("站内通知没有接收人")
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=message.recipient_id,
                case_id=message.case_id,
                kind=message.kind,
                message=message.body,
                created_at=message.created_at,
                outbox_id=message.pk,
            )
        ],
        ignore_conflicts=True,
    )
