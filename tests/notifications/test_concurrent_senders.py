"""The outbox's proof on PostgreSQL: two senders run at once, one is killed halfway, a third run after the
lease finishes the job — every message delivered exactly once, none lost."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine
from django.db import connection, transaction

from tests.notifications.conftest import ids_written
from xinfang.cases.models import Notification
from xinfang.core import clock
from xinfang.notifications import sender
from xinfang.notifications.models import Outbox
from xinfang.notifications.services import enqueue

pytestmark = [pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 300


@pytest.fixture(autouse=True)
def needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("多进程发送测试需要 PostgreSQL（SKIP LOCKED 与多个连接）")


def _database_url() -> str:
    db = connection.settings_dict  # the test database, which the sender processes share with this test
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait_until(condition, *processes) -> None:
    """Poll until ``condition()`` holds; stop early (and fail) if a process has exited instead."""
    while not condition():
        for p in processes:
            if p.poll() is not None:
                raise AssertionError(f"sender process exited early ({p.returncode}): {p.stderr.read()}")
        time.sleep(0.01)


@pytest.mark.parametrize("hang_channel", ["sms", "inapp"])
def test_two_senders_one_killed_halfway_deliver_every_message_exactly_once(
    transactional_db, county, tmp_path, settings, hang_channel
):
    sms_path = tmp_path / "sms.jsonl"
    with transaction.atomic():
        rows = [
            enqueue(channel="sms", kind="receipt", address=f"138{i:08d}", body=f"【县信访局】第{i}条",
                    case_number=f"XFJ-2026-{i:06d}")
            if i % 2
            else enqueue(channel="inapp", kind="group_visit", recipient_id=county.li_head.pk, body=f"第{i}条",
                         deliver_now=False)
            for i in range(MESSAGES)
        ]
    sms_ids = {r.pk for r in rows if r.channel == "sms"}
    inapp_ids = {r.pk for r in rows if r.channel == "inapp"}

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "XINFANG_DATABASE_URL": _database_url(),
        "XINFANG_SMS_BACKEND": "file",
        "XINFANG_SMS_FILE": str(sms_path),
        "XINFANG_NOTIFY_BATCH": "5",  # small claims, so both senders take turns over the whole outbox
    }
    ready = [tmp_path / "ready-victim", tmp_path / "ready-survivor"]
    go, hung = tmp_path / "go", tmp_path / "hung"
    command = [sys.executable, "-m", "tests.notifications.sender_process"]
    victim = subprocess.Popen(
        [*command, str(ready[0]), str(go), "--hang-after", "5", "--hang-channel", hang_channel, "--hung", str(hung)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    survivor = subprocess.Popen(
        [*command, str(ready[1]), str(go)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        _wait_until(lambda: all(p.exists() for p in ready), victim, survivor)
        go.touch()  # both start sending at the same moment
        _wait_until(hung.exists, victim)
        # The victim delivered its message and hangs before recording it: kill it there, as a power cut would.
        victim.kill()
        victim.wait()
        out, err = survivor.communicate()
        assert survivor.returncode == 0, err
        survivor_sent = int(out.split("成功 ")[1].split(" 条")[0])
    finally:
        for p in (victim, survivor):
            if p.poll() is None:
                p.kill()
                p.wait()

    hung_id = int(hung.read_text())
    stranded = set(Outbox.objects.filter(state="sending").values_list("pk", flat=True))
    # Nothing the survivor could take was left behind; only the killed sender's claim waits for its lease.
    assert hung_id in stranded and not Outbox.objects.filter(state__in=["pending", "failed"]).exists()
    assert len(stranded) <= 5

    settings.XINFANG_SMS_BACKEND, settings.XINFANG_SMS_FILE = "file", str(sms_path)
    after_lease = clock.now() + dt.timedelta(seconds=settings.XINFANG_NOTIFY_LEASE_SECONDS + 1)
    with time_machine.travel(after_lease, tick=False):
        report = sender.send_due()
    assert report.sent == len(stranded) and report.failures == []
    # Both senders really worked side by side: the killed one recorded some messages before it hung.
    assert 0 < MESSAGES - survivor_sent - report.sent < MESSAGES

    assert set(Outbox.objects.values_list("state", flat=True)) == {"sent"}
    assert ids_written(sms_path) == Counter({pk: 1 for pk in sms_ids})
    inbox = Counter(Notification.objects.values_list("outbox_id", flat=True))
    assert inbox == Counter({pk: 1 for pk in inapp_ids})
    # The message delivered by the killed sender was taken over after the lease and not delivered again.
    assert Outbox.objects.get(pk=hung_id).attempts == 2
