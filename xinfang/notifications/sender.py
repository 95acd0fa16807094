"""The sender: claims due outbox rows, hands each to its backend, records the outcome (docs/notifications.md).

Safe to run on several servers at once, and safe to kill at any moment:

1. **Claim** a small batch in its own short transaction: ``SELECT … FOR UPDATE SKIP LOCKED`` (a second sender
   skips the rows the first is claiming), then mark them ``sending`` with a lease (``claimed_until``) and one
   more attempt, and commit. After the commit no other sender sees them as due until the lease ends.
2. **Deliver** each row; the backend gets the row's key and ignores a key it has already seen.
3. **Record** the outcome with a compare-and-set on (id, ``sending``, attempt number): a sender whose lease ran
   out and whose row was claimed again by another sender records nothing.

A sender that dies after claiming leaves its rows ``sending``; when the lease ends they are due again and the
next sender claims them. A row delivered but not yet recorded when the sender died is delivered again, and the
backend's idempotency makes that repeat a no-op (for the in-app backend the inbox row and the record commit
together, so there is no such gap). Failures are retried with growing delays; after
``XINFANG_NOTIFY_MAX_ATTEMPTS`` attempts the row is ``failed``, with its last error, for the administrator.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from xinfang.core import clock
from xinfang.notifications import backends
from xinfang.notifications.models import Outbox

log = logging.getLogger(__name__)

# Delay before the next attempt after the n-th failed one (the last value repeats).
BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=6),
)
_LEASE_EXPIRED = "发送过程中断（发送进程退出或超时），且已达到最多尝试次数"


def backoff(attempts: int) -> dt.timedelta:
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


@dataclass
class Failure:
    id: int
    channel: str
    case_number: str
    attempts: int
    error: str
    final: bool


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    failures: list[Failure] = field(default_factory=list)

    def summary(self) -> str:
        return f"消息发送：成功 {self.sent} 条，稍后重试 {self.retrying} 条，发送失败 {self.failed} 条"


def describe(report: SendReport) -> tuple[list[str], list[str]]:
    """What ``xinfang notify`` and ``xinfang tick`` print: the summary (stdout); each failure of this run and
    the failed messages waiting for the administrator (stderr, which cron mails)."""
    from xinfang.notifications.services import failed_count

    errors = []
    for f in report.failures:
        what = "已停止重试" if f.final else "稍后重试"
        errors.append(f"  发件记录 #{f.id}（{f.channel}，{f.case_number or '—'}）第{f.attempts}次发送失败，{what}：{f.error}")
    waiting = failed_count()
    if waiting:
        errors.append(f"发件箱中有 {waiting} 条消息发送失败，请在管理后台「消息发送 › 发件箱」查看原因并「立即重试」")
    return [report.summary()], errors


class _ClaimLost(Exception):
    """Our lease ran out and another sender holds the row: undo this delivery, record nothing."""


def send_due(*, batch: int | None = None, limit: int | None = None) -> SendReport:
    """Deliver every due message (at most ``limit``), ``batch`` rows per claim. Returns what happened."""
    batch = batch or settings.XINFANG_NOTIFY_BATCH
    report = SendReport()
    handled = 0
    while limit is None or handled < limit:
        claimed, gave_up = _claim(batch if limit is None else min(batch, limit - handled), report)
        if not claimed and not gave_up:
            break
        for message in claimed:
            _deliver(message, report)
        handled += len(claimed)
    return report


def _claim(batch: int, report: SendReport) -> tuple[list[Outbox], bool]:
    """Claim up to ``batch`` due rows; also whether rows were given up (then more may be due behind them)."""
    now = clock.now()
    lease = now + dt.timedelta(seconds=settings.XINFANG_NOTIFY_LEASE_SECONDS)
    max_attempts = settings.XINFANG_NOTIFY_MAX_ATTEMPTS
    with transaction.atomic():
        due = Outbox.objects.filter(
            state__in=[Outbox.State.PENDING, Outbox.State.SENDING], next_attempt_at__lte=now
        ).order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        # SQLite has no row locks; it runs write transactions one at a time (IMMEDIATE, config/settings.py), so
        # a second sender's claim starts after this one committed and no longer sees these rows as due.
        rows = list(due.values_list("pk", "state", "attempts", "channel", "case_number")[:batch])
        if not rows:
            return [], False
        # A lease that ran out on the last allowed attempt: the sender died (or hung) with it every time.
        given_up = [r for r in rows if r[1] == Outbox.State.SENDING and r[2] >= max_attempts]
        if given_up:
            Outbox.objects.filter(pk__in=[r[0] for r in given_up]).update(
                state=Outbox.State.FAILED, claimed_until=None, last_error=_LEASE_EXPIRED
            )
            for pk, _state, attempts, channel, number in given_up:
                report.failed += 1
                report.failures.append(Failure(pk, channel, number, attempts, _LEASE_EXPIRED, True))
        ids = [r[0] for r in rows if r not in given_up]
        Outbox.objects.filter(pk__in=ids).update(
            state=Outbox.State.SENDING, attempts=F("attempts") + 1, claimed_until=lease, next_attempt_at=lease
        )
        claimed = list(Outbox.objects.filter(pk__in=ids).order_by("pk"))
    return claimed, bool(given_up)


def _deliver(message: Outbox, report: SendReport) -> None:
    if clock.now() >= message.claimed_until:
        # Too slow: another sender may already hold the row. Leave it to whoever claims it next.
        return
    try:
        backend = backends.backend_for(message.channel)
        if backend.same_database:
            # The inbox row and the "sent" mark commit together: exactly once without relying on a key.
            with transaction.atomic():
                backend.deliver(message)
                if not _mark_sent(message):
                    raise _ClaimLost
        else:
            backend.deliver(message)
            if not _mark_sent(message):
                # Our lease ran out meanwhile and another sender claimed the row: it delivers again with the
                # same key, which the backend recognises; its record is the one that counts.
                log.warning("outbox %s delivered after its lease ran out; left to the sender holding it", message.pk)
                return
        report.sent += 1
    except _ClaimLost:
        log.warning("outbox %s: lease lost before the delivery was recorded; undone", message.pk)
    except Exception as exc:  # a backend's failure of any kind is recorded on the row, never raised
        _mark_failed(message, exc, report)


def _mine(message: Outbox):
    # Compare-and-set: the row is still ours only if no other sender claimed it since (each claim adds one
    # attempt, so the attempt number identifies the claim).
    return Outbox.objects.filter(pk=message.pk, state=Outbox.State.SENDING, attempts=message.attempts)


def _mark_sent(message: Outbox) -> bool:
    return bool(_mine(message).update(state=Outbox.State.SENT, sent_at=clock.now(), claimed_until=None, last_error=""))


def _mark_failed(message: Outbox, exc: Exception, report: SendReport) -> None:
    error = (str(exc) or type(exc).__name__)[:1000]
    final = isinstance(exc, backends.PermanentDeliveryError) or message.attempts >= settings.XINFANG_NOTIFY_MAX_ATTEMPTS
    now = clock.now()
    changed = _mine(message).update(
        state=Outbox.State.FAILED if final else Outbox.State.PENDING,
        next_attempt_at=now if final else now + backoff(message.attempts),
        claimed_until=None,
        last_error=error,
    )
    if not changed:
        return
    log.warning("outbox %s (%s) attempt %s failed%s: %s", message.pk, message.channel, message.attempts,
                " for good" if final else "", error)
    if final:
        report.failed += 1
    else:
        report.retrying += 1
    report.failures.append(Failure(message.pk, message.channel, message.case_number, message.attempts, error, final))
