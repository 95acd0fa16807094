"""Writing to the outbox: the one way a message enters the system (docs/notifications.md).

``enqueue`` is called inside the transaction of the act that causes the message, so the message exists if and
only if the act committed. Nothing leaves the database before the commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import transaction

from xinfang.core import clock
from xinfang.notifications import backends
from xinfang.notifications.models import Outbox

log = logging.getLogger(__name__)


def outbox_row(
    *,
    channel: str,
    kind: str,
    body: str,
    recipient_id: int | None = None,
    address: str = "",
    subject: str = "",
    case_id: int | None = None,
    case_number: str = "",
    created_at: dt.datetime | None = None,
) -> Outbox:
    """An unsaved, checked message, due at once. For callers that insert it together with their own rows
    (registration writes the receipt in the same statement as the item); everyone else calls ``enqueue``."""
    if channel not in Outbox.Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    if channel == Outbox.Channel.INAPP and recipient_id is None:
        raise ValueError("an in-app message needs a recipient account")
    if channel != Outbox.Channel.INAPP and not address:
        raise ValueError(f"a {channel} message needs an address")
    if not body.strip():
        raise ValueError("a message needs a text")
    now = created_at or clock.now()
    return Outbox(
        channel=channel,
        kind=kind,
        body=body,
        subject=subject[:200],
        recipient_id=recipient_id,
        address=address,
        case_id=case_id,
        case_number=case_number,
        created_at=now,
        next_attempt_at=now,
    )


def enqueue(
    *,
    channel: str,
    kind: str,
    body: str,
    recipient_id: int | None = None,
    address: str = "",
    subject: str = "",
    case_id: int | None = None,
    case_number: str = "",
    created_at: dt.datetime | None = None,
    deliver_now: bool = True,
) -> Outbox:
    """Write one message in the caller's transaction (the arguments are those of ``outbox_row``).

    A channel whose backend writes only into this database (the staff inbox) is delivered right here, in a
    savepoint of the same transaction: the inbox row and the "sent" mark commit with the act or not at all, so
    a group-visit alert is on the leaders' pages the moment the registration commits (decisions §4). If that
    delivery fails, only the savepoint is undone and the row waits for the sender like any other. Every other
    channel waits for the sender (``xinfang notify``, ``xinfang tick``). ``deliver_now=False`` leaves even an
    in-app message to the sender (tests of the sender use it).
    """
    if not transaction.get_connection().in_atomic_block:
        # Outside a transaction the message could commit without its act, or the act without its message.
        raise RuntimeError("enqueue() must run inside the transaction of the act that causes the message")
    fields = dict(channel=channel, kind=kind, body=body, recipient_id=recipient_id, address=address, subject=subject,
                  case_id=case_id, case_number=case_number, created_at=created_at)
    backend = backends.registered(channel) if deliver_now else None
    if backend is not None and backend.same_database:
        row = outbox_row(**fields)
        row.state, row.attempts, row.sent_at = Outbox.State.SENT, 1, row.created_at
        try:
            with transaction.atomic():
                row.save(force_insert=True)
                backend.deliver(row)
            return row
        except Exception:
            log.warning("%s message for %s left to the sender: delivery failed", channel, case_number or "-",
                        exc_info=True)
    row = outbox_row(**fields)
    row.save(force_insert=True)
    return row


def retry_now(ids: Iterable[int]) -> int:
    """「立即重试」: make waiting or failed messages due now; the number changed. A failed message gets one more
    attempt (it fails again at once if that attempt fails); a message being sent is left to its sender."""
    return Outbox.objects.filter(pk__in=list(ids), state__in=[Outbox.State.PENDING, Outbox.State.FAILED]).update(
        state=Outbox.State.PENDING, next_attempt_at=clock.now()
    )


def failed_count() -> int:
    return Outbox.objects.filter(state=Outbox.State.FAILED).count()


def purge_delivered(*, older_than_days: int) -> int:
    """Delete sent messages older than ``older_than_days``: they hold phone numbers, e-mail addresses and
    query codes that are not needed once delivered (the item's history keeps what happened). Failed and
    waiting messages stay until an administrator has seen them. Returns the number deleted."""
    cutoff = clock.now() - dt.timedelta(days=older_than_days)
    deleted, _ = Outbox.objects.filter(state=Outbox.State.SENT, sent_at__lt=cutoff).delete()
    return deleted
