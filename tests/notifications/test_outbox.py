"""The outbox: written with the act, delivered by the sender through each channel, retried with back-off,
failed for the administrator to see, and never delivered twice after a crash."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction

from tests.notifications.conftest import NOW, file_records, ids_written
from xinfang.cases import services as s
from xinfang.cases.models import Case, Notification
from xinfang.core import clock
from xinfang.notifications import backends, sender
from xinfang.notifications.backends import DeliveryError, SmsFile
from xinfang.notifications.models import Outbox
from xinfang.notifications.services import enqueue, retry_now

pytestmark = pytest.mark.django_db

SMS = dict(channel="sms", kind="receipt", address="13800138000", body="【县信访局】测试短信", case_number="XFJ-2026-000001")


def sms(**overrides) -> Outbox:
    return enqueue(**{**SMS, **overrides})


def inapp(user, **overrides) -> Outbox:
    return enqueue(**{"channel": "inapp", "kind": "group_visit", "recipient_id": user.pk, "body": "集体访提醒：测试",
                      "deliver_now": False, **overrides})


def fresh(row: Outbox) -> Outbox:
    return Outbox.objects.get(pk=row.pk)


# --- written with the act ------------------------------------------------------------------------------------


def test_an_act_that_fails_leaves_no_message(petition, county, monkeypatch):
    def disk_full(case, actor, upload):
        raise OSError("磁盘已满")

    # The attachment is stored after the item, its receipt and the group-visit alert were written.
    monkeypatch.setattr(s, "_store_attachment", disk_full)
    people = [s.PetitionerInput(name=f"代表{i}", phone="13800138000", is_representative=True) for i in range(5)]
    with pytest.raises(OSError):
        petition(channel="visit", petitioners=people, people_count=23, responsible_unit=county.town,
                 attachments=[s.UploadInput("a.pdf", b"%PDF-1.4")])
    assert not Case.objects.exists()
    assert not Outbox.objects.exists() and not Notification.objects.exists()


def test_a_message_of_a_rolled_back_transaction_is_never_sent(petition, county, sms_file):
    case = petition()
    with pytest.raises(RuntimeError), transaction.atomic():
        s.case_decline(case=case, actor=county.zhang, ground="已进入诉讼程序", on=dt.date(2026, 9, 2))
        assert Outbox.objects.filter(kind="refused").exists()
        raise RuntimeError("the act fails after its message was written")
    assert not Outbox.objects.filter(kind="refused").exists()
    sender.send_due()
    assert [r["text"] for r in file_records(sms_file) if "不予受理" in r["text"]] == []


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_refused(county):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        enqueue(**SMS)
    assert not Outbox.objects.exists()


def test_a_message_needs_its_address_or_recipient():
    with pytest.raises(ValueError):
        enqueue(channel="inapp", kind="x", body="text")
    with pytest.raises(ValueError):
        enqueue(channel="sms", kind="x", body="text")
    with pytest.raises(ValueError):
        enqueue(channel="fax", kind="x", body="text", address="1")


# --- each channel ----------------------------------------------------------------------------------------------


def test_the_sender_delivers_an_inapp_message_to_the_inbox_once(county, frozen):
    row = inapp(county.li_head)
    assert fresh(row).state == "pending" and not Notification.objects.exists()
    report = sender.send_due()
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    note = Notification.objects.get()
    assert (note.recipient, note.outbox_id, note.kind, note.message) == (county.li_head, row.pk, "group_visit",
                                                                        "集体访提醒：测试")
    row = fresh(row)
    assert (row.state, row.attempts, row.sent_at, row.claimed_until) == ("sent", 1, NOW, None)
    assert sender.send_due().sent == 0  # nothing left


def test_the_sender_writes_an_sms_to_the_file(sms_file, frozen):
    row = sms()
    sender.send_due()
    [record] = file_records(sms_file)
    assert record == {"id": row.pk, "key": str(row.key), "to": "13800138000", "text": "【县信访局】测试短信",
                      "at": NOW.isoformat()}
    assert fresh(row).state == "sent"


def test_the_console_sms_backend_prints_the_message(settings, capsys):
    settings.XINFANG_SMS_BACKEND = "console"
    row = sms()
    sender.send_due()
    assert f"[短信 #{row.pk} → 13800138000] 【县信访局】测试短信" in capsys.readouterr().out
    assert fresh(row).state == "sent"


def test_the_sender_sends_an_email_through_django(settings):
    settings.DEFAULT_FROM_EMAIL = "县信访局 <xfj@example.gov.cn>"
    row = enqueue(channel="email", kind="accepted", address="chen@example.com", subject="信访事项办理进展",
                  body="您的信访事项已受理。", case_number="XFJ-2026-000001")
    sender.send_due()
    [message] = mail.outbox
    assert message.to == ["chen@example.com"] and message.subject == "信访事项办理进展"
    assert message.body == "您的信访事项已受理。"
    # A repeat after a crash carries the same Message-ID.
    assert message.extra_headers["Message-ID"] == f"<{row.key}@example.gov.cn>"
    assert fresh(row).state == "sent"


class _Gateway(BaseHTTPRequestHandler):
    answers: list[int] = []
    seen: list[tuple[dict, dict]] = []

    def do_POST(self):  # the name http.server calls
        length = int(self.headers["Content-Length"])
        type(self).seen.append((dict(self.headers), json.loads(self.rfile.read(length))))
        code = type(self).answers.pop(0) if type(self).answers else 200
        self.send_response(code)
        self.end_headers()
        self.wfile.write(b'{"ok": true}' if code == 200 else "号码格式错误".encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    """A stand-in for the county's SMS gateway on 127.0.0.1 (no network beyond this machine)."""
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    _Gateway.answers, _Gateway.seen = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.XINFANG_SMS_BACKEND = "http"
    settings.XINFANG_SMS_HTTP_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.XINFANG_SMS_HTTP_TOKEN = "gateway-token"
    yield _Gateway
    server.shutdown()
    server.server_close()


def test_the_http_gateway_gets_the_message_with_its_idempotency_key(gateway, frozen):
    row = sms()
    assert sender.send_due().sent == 1
    [(headers, payload)] = gateway.seen
    assert headers["Idempotency-Key"] == str(row.key)
    assert headers["Authorization"] == "Bearer gateway-token"
    assert headers["Content-Type"].startswith("application/json")
    assert payload == {"id": row.pk, "key": str(row.key), "to": "13800138000", "text": "【县信访局】测试短信"}
    assert fresh(row).state == "sent"


def test_a_gateway_failure_is_retried_and_a_refusal_is_not(gateway, frozen):
    busy, refused = sms(), sms(address="13900139000")
    gateway.answers = [503, 400]
    report = sender.send_due()
    assert (report.sent, report.retrying, report.failed) == (0, 1, 1)
    busy, refused = fresh(busy), fresh(refused)
    assert (busy.state, busy.attempts, busy.next_attempt_at) == ("pending", 1, NOW + dt.timedelta(minutes=1))
    assert "HTTP 503" in busy.last_error
    assert refused.state == "failed" and refused.attempts == 1 and "HTTP 400" in refused.last_error
    assert "号码格式错误" in refused.last_error
    frozen.shift(dt.timedelta(minutes=1))
    assert sender.send_due().sent == 1
    assert fresh(busy).state == "sent" and fresh(refused).state == "failed"
    # The retry carried the same key: the gateway can tell it is the same message.
    assert gateway.seen[0][0]["Idempotency-Key"] == gateway.seen[2][0]["Idempotency-Key"] == str(busy.key)


def test_an_unreachable_gateway_is_retried(settings, frozen):
    settings.XINFANG_SMS_BACKEND = "http"
    settings.XINFANG_SMS_HTTP_URL = "http://127.0.0.1:9/send"  # the discard port: nobody listens
    settings.XINFANG_SMS_HTTP_TOKEN = "t"
    row = sms()
    assert sender.send_due().retrying == 1
    row = fresh(row)
    assert row.state == "pending" and "无法连接短信网关" in row.last_error


# --- retries, back-off, failure --------------------------------------------------------------------------------


def test_failures_back_off_then_fail_after_the_last_attempt(settings, frozen, flaky_backend):
    settings.XINFANG_NOTIFY_MAX_ATTEMPTS = 6

    def timeout(message):
        raise DeliveryError("短信网关超时")

    flaky_backend("sms", timeout)
    row = sms()
    delays = []
    for attempt in range(1, 6):
        report = sender.send_due()
        assert report.retrying == 1 and report.failures[0].attempts == attempt
        row = fresh(row)
        assert (row.state, row.attempts, row.last_error) == ("pending", attempt, "短信网关超时")
        delay = row.next_attempt_at - clock.now()
        delays.append(delay)
        assert sender.send_due().failures == []  # not due again before its time
        frozen.shift(delay)
    assert delays == [dt.timedelta(minutes=m) for m in (1, 5, 30, 120, 360)]
    report = sender.send_due()
    assert report.failed == 1 and report.failures[0].final
    row = fresh(row)
    assert (row.state, row.attempts, row.last_error) == ("failed", 6, "短信网关超时")
    frozen.shift(dt.timedelta(days=1))
    assert sender.send_due().failures == []  # a failed message waits for the administrator


def test_notify_prints_failures_and_the_administrator_retries(settings, frozen, flaky_backend, sms_file):
    settings.XINFANG_NOTIFY_MAX_ATTEMPTS = 1

    def refuse(message):
        raise DeliveryError("短信网关超时")

    flaky_backend("sms", refuse)
    row = sms()
    out, err = StringIO(), StringIO()
    call_command("notify", stdout=out, stderr=err)
    assert "消息发送：成功 0 条，稍后重试 0 条，发送失败 1 条" in out.getvalue()
    assert f"发件记录 #{row.pk}（sms，XFJ-2026-000001）第1次发送失败，已停止重试：短信网关超时" in err.getvalue()
    assert "发件箱中有 1 条消息发送失败" in err.getvalue()
    # 「立即重试」 gives it one more attempt now; this time the gateway answers.
    backends.register("sms", backends.send_sms)
    assert retry_now([row.pk]) == 1
    out = StringIO()
    call_command("notify", stdout=out, stderr=StringIO())
    assert "成功 1 条" in out.getvalue()
    assert fresh(row).state == "sent" and ids_written(sms_file) == {row.pk: 1}


def test_retry_leaves_sent_and_sending_messages_alone(county):
    sent, sending = inapp(county.li_head), sms()
    Outbox.objects.filter(pk=sent.pk).update(state="sent")
    Outbox.objects.filter(pk=sending.pk).update(state="sending")
    assert retry_now([sent.pk, sending.pk]) == 0


# --- crashes ---------------------------------------------------------------------------------------------------


def _crash_after_claim() -> list[Outbox]:
    """A sender that claims its batch and dies before recording anything."""
    claimed, _ = sender._claim(10, sender.SendReport())
    return claimed


def test_a_crashed_claim_is_taken_over_after_its_lease_without_a_duplicate(county, sms_file, frozen, settings):
    note, text = inapp(county.li_head), sms()
    claimed = _crash_after_claim()
    # It got as far as delivering both before it died: the inbox row (which cannot commit without its "sent"
    # mark in a real sender; here it does, to prove the unique outbox id) and the SMS line.
    for message in claimed:
        backends.backend_for(message.channel).deliver(message)
    assert sender.send_due().sent == 0  # still leased: nobody else touches them
    frozen.shift(dt.timedelta(seconds=settings.XINFANG_NOTIFY_LEASE_SECONDS))
    assert sender.send_due().sent == 2
    assert fresh(note).state == fresh(text).state == "sent"
    assert fresh(note).attempts == fresh(text).attempts == 2
    assert Notification.objects.filter(outbox_id=note.pk).count() == 1
    assert ids_written(sms_file) == {text.pk: 1}


def test_a_sender_whose_lease_ran_out_records_nothing(county, frozen, settings):
    row = inapp(county.li_head)
    [stale] = _crash_after_claim()
    frozen.shift(dt.timedelta(seconds=settings.XINFANG_NOTIFY_LEASE_SECONDS))
    [current] = _crash_after_claim()  # another sender takes it over
    assert not sender._mark_sent(stale)
    report = sender.SendReport()
    sender._deliver(stale, report)  # the slow sender wakes up: its lease is over, it does nothing
    assert report.sent == 0 and not Notification.objects.exists()
    assert sender._mark_sent(current)
    assert fresh(row).state == "sent"


def test_a_message_whose_sender_died_on_every_attempt_fails(county, frozen, settings):
    settings.XINFANG_NOTIFY_MAX_ATTEMPTS = 2
    row = inapp(county.li_head)
    for _ in range(2):
        _crash_after_claim()
        frozen.shift(dt.timedelta(seconds=settings.XINFANG_NOTIFY_LEASE_SECONDS))
    report = sender.send_due()
    assert report.failed == 1 and not Notification.objects.exists()
    row = fresh(row)
    assert row.state == "failed" and "发送过程中断" in row.last_error


def test_the_sms_file_never_holds_a_key_twice(tmp_path, county):
    row = sms()
    path = tmp_path / "sms.jsonl"
    first, second = SmsFile(path), SmsFile(path)  # as two sender processes would have
    first.deliver(row)
    second.deliver(row)
    first.deliver(row)
    assert ids_written(path) == {row.pk: 1}


def test_the_sms_file_survives_a_writer_killed_in_the_middle_of_a_line(tmp_path, county):
    path = tmp_path / "sms.jsonl"
    path.write_bytes(b'{"id": 1, "key": "half-writ')
    row = sms()
    SmsFile(path).deliver(row)
    lines = path.read_bytes().split(b"\n")
    assert lines[0] == b'{"id": 1, "key": "half-writ' and json.loads(lines[1])["id"] == row.pk


# --- the administrator -----------------------------------------------------------------------------------------


@pytest.fixture
def administrator(county):
    from xinfang.orgs.permissions import Role
    from xinfang.orgs.services import user_create

    return user_create(username="xfadmin", password="Xinfang-2026", full_name="管理员", unit=county.bureau,
                       roles=[(Role.ADMINISTRATOR, county.city)], is_staff=True)


def test_the_admin_lists_failures_without_the_text_or_the_number(client, administrator, county, flaky_backend,
                                                               settings):
    settings.XINFANG_NOTIFY_MAX_ATTEMPTS = 1

    def refuse(message):
        raise DeliveryError("短信网关返回 HTTP 500")

    flaky_backend("sms", refuse)
    row = sms(body="【县信访局】您的信访事项已登记，编号XFJ-2026-000001，查询码ABCDEFGHJK")
    sender.send_due()
    client.force_login(administrator)
    page = client.get("/admin/notifications/outbox/?state__exact=failed").content.decode()
    assert "XFJ-2026-000001" in page and "短信网关返回 HTTP 500" in page and "发送失败" in page
    assert "138******00" in page
    assert "13800138000" not in page and "ABCDEFGHJK" not in page
    detail = client.get(f"/admin/notifications/outbox/{row.pk}/change/").content.decode()
    assert "短信网关返回 HTTP 500" in detail and "ABCDEFGHJK" not in detail and "13800138000" not in detail

    response = client.post("/admin/notifications/outbox/", {"action": "retry_now", "_selected_action": [row.pk]},
                           follow=True)
    assert "已安排 1 条消息立即重试" in response.content.decode()
    assert fresh(row).state == "pending"


def test_only_administrators_see_the_outbox(client, county):
    from xinfang.orgs.permissions import Role
    from xinfang.orgs.services import user_create

    staff = user_create(username="staff_li", password="Xinfang-2026", full_name="李员工", unit=county.town,
                        roles=[(Role.UNIT_HEAD, county.town)], is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/notifications/outbox/").status_code == 403


def test_delivered_messages_are_deleted_after_the_keeping_period_and_the_rest_stay(db):
    import datetime as dt

    from django.db import transaction

    from xinfang.core import clock
    from xinfang.notifications.models import Outbox
    from xinfang.notifications.services import enqueue, purge_delivered

    with transaction.atomic():
        rows = [enqueue(channel=Outbox.Channel.SMS, kind="receipt", body=f"短信{i}", address="13800138000")
                for i in range(4)]
    old = clock.now() - dt.timedelta(days=91)
    Outbox.objects.filter(pk=rows[0].pk).update(state=Outbox.State.SENT, sent_at=old)
    Outbox.objects.filter(pk=rows[1].pk).update(state=Outbox.State.SENT, sent_at=clock.now())
    Outbox.objects.filter(pk=rows[2].pk).update(state=Outbox.State.FAILED, created_at=old)
    assert purge_delivered(older_than_days=90) == 1
    assert set(Outbox.objects.values_list("pk", flat=True)) == {r.pk for r in rows[1:]}
