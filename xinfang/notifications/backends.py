"""Where a message goes: one deliverer per channel (docs/notifications.md).

A deliverer takes an ``Outbox`` row and either returns (delivered) or raises: ``DeliveryError`` is tried again
later, ``PermanentDeliveryError`` is not (the gateway refused the message itself). Every deliverer receives the
row's ``key`` and must make a second delivery of the same key a no-op where its transport allows it: the
sender may deliver a message again after a crash between the delivery and its record.

- ``inapp``: registered by the cases app at start-up (``cases.apps``), which owns the staff inbox; this app sits
  below cases and cannot import it. It writes into this same database (``same_database``), so the sender
  commits the inbox row and the "sent" mark together.
- ``sms``: ``XINFANG_SMS_BACKEND`` — ``console`` (development), ``file`` (JSON lines, one record per key), or
  ``http`` (the county's SMS gateway; it must honour the ``Idempotency-Key`` header).
- ``email``: Django's mail backend (``EMAIL_BACKEND``), with a Message-ID made from the key.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import smtplib
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from xinfang.core import clock

if TYPE_CHECKING:
    from xinfang.notifications.models import Outbox

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The message could not be delivered now; the sender tries again later."""


class PermanentDeliveryError(DeliveryError):
    """The message can never be delivered as it is (refused by the gateway, invalid address): no retry."""


@dataclass(frozen=True)
class Backend:
    deliver: Callable[[Outbox], None]
    # True for a deliverer that only writes rows into this database: its write and the "sent" mark commit in
    # one transaction, which makes it exactly-once by itself, and it may run inside the enqueuing transaction.
    same_database: bool = False


_registry: dict[str, Backend] = {}


def register(channel: str, deliver: Callable[[Outbox], None], *, same_database: bool = False) -> Backend | None:
    """Install the deliverer of ``channel``; returns the previous one (tests restore it)."""
    previous = _registry.get(channel)
    _registry[channel] = Backend(deliver, same_database)
    return previous


def restore(channel: str, backend: Backend | None) -> None:
    if backend is None:
        _registry.pop(channel, None)
    else:
        _registry[channel] = backend


def registered(channel: str) -> Backend | None:
    return _registry.get(channel)


def backend_for(channel: str) -> Backend:
    backend = _registry.get(channel)
    if backend is None:
        # Retried, not failed: a process started without the app that registers the channel is a deployment
        # mistake that the next correctly started sender repairs.
        raise DeliveryError(f"没有可用的「{channel}」发送方式（模块未启用）")
    return backend


# --- SMS -----------------------------------------------------------------------------------------------------


def send_sms(message: Outbox) -> None:
    kind = settings.XINFANG_SMS_BACKEND
    if kind == "http":
        _sms_http(message)
    elif kind == "file":
        _sms_file(Path(settings.XINFANG_SMS_FILE)).deliver(message)
    else:
        _sms_console(message)


def _sms_console(message: Outbox) -> None:
    # Development only: no idempotency, and the number and text go to the terminal.
    sys.stdout.write(f"[短信 #{message.pk} → {message.address}] {message.body}\n")
    sys.stdout.flush()


class SmsFile:
    """Appends one JSON line per message to a file and never writes the same key twice.

    Several senders (processes and threads) may append at once: an exclusive ``flock`` makes "is this key
    already in the file? if not, append it" one step. Each instance remembers the keys it has read and where
    it stopped, so a check reads only what others appended since. A line is synced to disk before the
    message is marked sent, so a crash afterwards cannot lose it and a rerun finds it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._keys: set[str] = set()
        self._offset = 0
        self._file_id: tuple[int, int] | None = None
        self._lock = threading.Lock()

    def deliver(self, message: Outbox) -> None:
        key = str(message.key)
        record = {
            "id": message.pk,
            "key": key,
            "to": message.address,
            "text": message.body,
            "at": timezone.localtime(clock.now()).isoformat(),
        }
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.path, "ab+") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                if self._already_written(f, key):
                    return
                f.seek(0, os.SEEK_END)
                if f.tell() and not self._ends_with_newline(f):
                    # A writer killed in the middle of a line left it unfinished; its message was never marked
                    # sent and is written again here, on a line of its own.
                    f.write(b"\n")
                f.write(line)
                f.flush()
                os.fsync(f.fileno())
                self._offset = f.tell()
                self._keys.add(key)
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def _already_written(self, f, key: str) -> bool:
        size = f.seek(0, os.SEEK_END)
        stat = os.fstat(f.fileno())
        file_id = (stat.st_dev, stat.st_ino)
        if file_id != self._file_id or size < self._offset:  # a new, replaced or truncated file: read it all
            self._keys.clear()
            self._offset = 0
            self._file_id = file_id
        f.seek(self._offset)
        for raw in f.read().splitlines(keepends=True):
            if not raw.endswith(b"\n"):
                break  # an unfinished last line: not a record
            self._offset += len(raw)
            try:
                self._keys.add(json.loads(raw)["key"])
            except (ValueError, KeyError, TypeError):
                continue  # a damaged line is no record of any key
        return key in self._keys

    @staticmethod
    def _ends_with_newline(f) -> bool:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


_sms_files: dict[Path, SmsFile] = {}
_sms_files_lock = threading.Lock()


def _sms_file(path: Path) -> SmsFile:
    with _sms_files_lock:
        if path not in _sms_files:
            _sms_files[path] = SmsFile(path)
        return _sms_files[path]


# A gateway answers these 4xx codes for conditions that pass (timeout, a request with the same key still in
# progress, too many requests); every other 4xx refuses the message itself and is not retried.
_RETRYABLE_4XX = frozenset({408, 409, 425, 429})


def _sms_http(message: Outbox) -> None:
    """POST the message to the gateway (contract in docs/notifications.md). The gateway must treat a request
    whose ``Idempotency-Key`` it has already accepted as done, answering 2xx without sending again."""
    payload = json.dumps(
        {"id": message.pk, "key": str(message.key), "to": message.address, "text": message.body},
        ensure_ascii=False,
    ).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - the URL comes from settings, which accept http(s) only
        settings.XINFANG_SMS_HTTP_URL,
        data=payload,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Authorization": f"Bearer {settings.XINFANG_SMS_HTTP_TOKEN}",
            "Idempotency-Key": str(message.key),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.XINFANG_SMS_HTTP_TIMEOUT) as response:  # noqa: S310
            response.read(1024)
    except urllib.error.HTTPError as exc:
        detail = exc.read(200).decode("utf-8", "replace").strip()
        text = f"短信网关返回 HTTP {exc.code}" + (f"：{detail}" if detail else "")
        if 400 <= exc.code < 500 and exc.code not in _RETRYABLE_4XX:
            raise PermanentDeliveryError(text) from exc
        raise DeliveryError(text) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"无法连接短信网关：{reason}") from exc


# --- e-mail --------------------------------------------------------------------------------------------------


def send_email(message: Outbox) -> None:
    """Through Django's mail backend. SMTP has no idempotency key: the Message-ID is made from ours, so a
    repeat after a crash carries the same Message-ID and mail systems and readers can recognise it."""
    from django.core.mail import EmailMessage

    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    mail = EmailMessage(
        subject=message.subject,
        body=message.body,
        to=[message.address],
        headers={"Message-ID": f"<{message.key}@{domain}>"},
    )
    try:
        sent = mail.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentDeliveryError("邮件服务器拒收该收件地址") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"邮件发送失败：{exc}") from exc
    if sent != 1:
        raise DeliveryError("邮件服务器未接受该邮件")


register("sms", send_sms)
register("email", send_email)
