"""The outbox (发件箱): every message the system sends, written in the transaction of the act that causes it.

A row is the message and its delivery record at once. ``services.enqueue`` writes it; ``sender.send_due``
claims due rows, hands each to its channel's backend and records the outcome. This app sits below ``cases``
(pyproject's import layers), so an item is referred to by its id and number only, without a foreign key.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Outbox(models.Model):
    class Channel(models.TextChoices):
        INAPP = "inapp", "站内通知"
        SMS = "sms", "短信"
        EMAIL = "email", "电子邮件"

    # Named ``state``, not ``status``: ``status`` is an item's lifecycle field, which only the case workflow
    # may write (tests/test_boundaries.py checks every ``.update(status=…)`` in the code base).
    class State(models.TextChoices):
        PENDING = "pending", "待发送"
        SENDING = "sending", "发送中"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    channel = models.CharField("渠道", max_length=8, choices=Channel.choices)
    # Staff messages (in-app) go to an account; petitioners' messages to a phone number or an e-mail address.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", null=True, blank=True, on_delete=models.CASCADE,
        db_index=False, related_name="+",
    )
    address = models.CharField("手机号码或电子邮箱", max_length=254, blank=True, default="")
    kind = models.CharField("消息类型", max_length=30)
    subject = models.CharField("标题", max_length=200, blank=True, default="")
    body = models.TextField("内容")
    case_id = models.PositiveBigIntegerField("信访件ID", null=True, blank=True)
    case_number = models.CharField("信访件编号", max_length=40, blank=True, default="")
    # Sent to every backend so that it can recognise a repeat (a retry after a crash). Random rather than the
    # row id: ids start again after a database is restored from a backup, and a gateway that had seen the old
    # id would then silently drop a different message.
    key = models.UUIDField("幂等键", default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField("生成时间")

    state = models.CharField("状态", max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    # When the sender next looks at the row: a pending row's next try; a claimed row's lease end (after which
    # another sender takes it over), so one indexed column answers "what is due now" for both.
    next_attempt_at = models.DateTimeField("下次发送时间")
    claimed_until = models.DateTimeField("发送占用至", null=True, blank=True)
    last_error = models.TextField("最近一次错误", blank=True, default="")
    sent_at = models.DateTimeField("发送成功时间", null=True, blank=True)

    class Meta:
        verbose_name = "发件记录"
        verbose_name_plural = "发件箱"
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The sender's query (sender._claim): due rows in the order they fell due. Sent and failed rows,
            # nearly all of the table, stay out of the index.
            models.Index(fields=["next_attempt_at"], name="outbox_due", condition=Q(state__in=["pending", "sending"])),
            # `xinfang notify` counts the failed messages on every run; there are few of them.
            models.Index(fields=["created_at"], name="outbox_failed", condition=Q(state="failed")),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk} {self.kind}"
