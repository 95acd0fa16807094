"""督办, 催办, 提醒函 and the 差错登记 (error register).

Rows here are written only by ``supervision.services`` (people) and ``supervision.jobs`` (the daily job). The
register is a record of duty: nothing here is ever deleted ([T22-40], [T22-43..45]); a wrong entry is withdrawn
by the bureau, and the withdrawal stays on it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Supervision(models.Model):
    """A 督办 of one item: the 信访部门 asks the unit that has it to act and to answer in writing ([T22-40])."""

    class Level(models.TextChoices):
        GENERAL = "general", "一般督办"
        KEY = "key", "重点督办"
        LISTED = "listed", "挂牌督办"

    class State(models.TextChoices):
        OPEN = "open", "待回复"
        ANSWERED = "answered", "已回复"
        CLOSED = "closed", "已办结"

    case = models.ForeignKey("cases.Case", verbose_name="信访件", on_delete=models.PROTECT, related_name="supervisions")
    # The unit supervised: the item's current unit when the 督办 was issued (the item may move on later).
    unit = models.ForeignKey("orgs.Unit", verbose_name="被督办单位", on_delete=models.PROTECT, related_name="+")
    issuing_unit = models.ForeignKey(
        "orgs.Unit", verbose_name="督办单位", on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    level = models.CharField("督办级别", max_length=10, choices=Level.choices)
    reason = models.TextField("督办事由")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="督办人", on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    issued_on = models.DateField("督办日期")
    answer_due_on = models.DateField("回复期限")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    letter = models.ForeignKey(
        "documents.IssuedDocument", verbose_name="督办函", null=True, blank=True, on_delete=models.PROTECT,
        db_index=False, related_name="+",
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="办结人", null=True, blank=True, on_delete=models.PROTECT,
        db_index=False, related_name="+",
    )
    closed_on = models.DateField("办结日期", null=True, blank=True)
    close_note = models.TextField("办结意见", blank=True, default="")
    created_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "督办"
        verbose_name_plural = "督办"
        ordering = ["-issued_on", "-pk"]
        indexes = [
            # 「督办待回复」 of a unit and the bureau's open list.
            models.Index(fields=["unit", "state"], name="supervision_unit_state"),
            # The daily job's 催办 scan: open 督办 whose answer is due.
            models.Index(fields=["answer_due_on"], name="supervision_open_due", condition=Q(state="open")),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.case_id}"


def reply_path(instance: SupervisionReply, filename: str) -> str:
    return f"supervision/{instance.supervision_id}/{filename}"


class SupervisionReply(models.Model):
    """The unit's written answer to a 督办 (the 条例 asks for it in writing, [T22-40])."""

    supervision = models.ForeignKey(Supervision, verbose_name="督办", on_delete=models.PROTECT, related_name="replies")
    text = models.TextField("回复内容")
    attachment = models.FileField("附件", upload_to=reply_path, blank=True, max_length=255)
    attachment_name = models.CharField("附件原文件名", max_length=200, blank=True, default="")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="回复人", on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    answering_unit = models.ForeignKey(
        "orgs.Unit", verbose_name="回复单位", on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    answered_on = models.DateField("回复日期")
    created_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "督办回复"
        verbose_name_plural = "督办回复"
        ordering = ["supervision", "pk"]

    def __str__(self) -> str:
        return f"回复 {self.supervision_id} {self.answered_on}"


class Urge(models.Model):
    """催办: a 督办 not answered by its due date. The daily job writes one automatic row per 督办; staff may urge
    again by hand at any time."""

    supervision = models.ForeignKey(Supervision, verbose_name="督办", on_delete=models.PROTECT, related_name="urges")
    urged_on = models.DateField("催办日期")
    urged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="催办人", null=True, blank=True, on_delete=models.PROTECT,
        db_index=False, related_name="+",
    )
    automatic = models.BooleanField("逾期自动催办", default=False)
    note = models.TextField("说明", blank=True, default="")
    created_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "催办"
        verbose_name_plural = "催办"
        ordering = ["supervision", "pk"]
        constraints = [
            # The daily job may run twice a day or on two servers: one automatic 催办 per 督办.
            models.UniqueConstraint(fields=["supervision"], condition=Q(automatic=True), name="uniq_auto_urge"),
        ]

    def __str__(self) -> str:
        return f"催办 {self.supervision_id} {self.urged_on}"


class Reminder(models.Model):
    """A 提醒函 sent to the unit that has an item, at a configured moment of one clock or on demand."""

    class Moment(models.TextChoices):
        START = "start", "交办（期限开始）时"
        DUE_SOON = "due_soon", "临期时"
        DUE_DAY = "due_day", "到期当日"
        ON_DEMAND = "on_demand", "督查人员手动发送"

    case = models.ForeignKey("cases.Case", verbose_name="信访件", on_delete=models.PROTECT, related_name="reminders")
    clock = models.ForeignKey(
        "cases.Clock", verbose_name="期限", null=True, blank=True, on_delete=models.PROTECT, db_index=False,
        related_name="+",
    )
    moment = models.CharField("时点", max_length=10, choices=Moment.choices)
    unit = models.ForeignKey("orgs.Unit", verbose_name="提醒单位", on_delete=models.PROTECT, db_index=False, related_name="+")
    document = models.ForeignKey(
        "documents.IssuedDocument", verbose_name="提醒函", on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    sent_on = models.DateField("发送日期")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发送人", null=True, blank=True, on_delete=models.PROTECT,
        db_index=False, related_name="+",
    )
    created_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "提醒函记录"
        verbose_name_plural = "提醒函记录"
        ordering = ["case", "pk"]
        constraints = [
            # Never twice for the same item × clock × moment, however often the job runs.
            models.UniqueConstraint(
                fields=["clock", "moment"], condition=~Q(moment="on_demand"), name="uniq_reminder_moment"
            ),
        ]

    def __str__(self) -> str:
        return f"提醒函 {self.case_id} {self.moment}"


class ErrorEntry(models.Model):
    """One entry of the 差错登记: a breach of a duty found by the daily job, kept for the 考核 ([T22-43..46])."""

    class Kind(models.TextChoices):
        LATE_ROUTING = "late_routing", "信访部门逾期未分流"
        LATE_ACCEPTANCE = "late_acceptance", "逾期未告知受理"
        LATE_REPLY = "late_reply", "逾期未办结答复"
        REPLY_WITHOUT_DOCUMENT = "reply_no_document", "答复未出具书面意见书"
        EXTENSION_WITHOUT_APPROVAL = "extension_unapproved", "延期未经批准"
        GROUP_WITHOUT_RECEPTION = "group_no_reception", "集体访未记录领导接谈"

    class Contest(models.TextChoices):
        NONE = "none", "无异议"
        CONTESTED = "contested", "单位提出异议"
        UPHELD = "upheld", "异议不成立（维持）"
        WITHDRAWN = "withdrawn", "异议成立（撤销）"

    # What makes an entry unique (kind:item[:clock]): the daily job inserts it once, however often it runs.
    key = models.CharField("登记键", max_length=80, unique=True, editable=False)
    unit = models.ForeignKey("orgs.Unit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", verbose_name="信访件", on_delete=models.PROTECT, related_name="error_entries")
    # The clock that was missed, for the clock-based kinds (lets the daily job skip clocks already entered).
    clock = models.ForeignKey(
        "cases.Clock", verbose_name="期限", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("差错类型", max_length=24, choices=Kind.choices)
    rule_code = models.CharField("规则", max_length=40)
    article = models.CharField("依据条文", max_length=300)
    occurred_on = models.DateField("发生日期")
    detail = models.TextField("情况")
    contest = models.CharField("异议状态", max_length=10, choices=Contest.choices, default=Contest.NONE)
    contest_reason = models.TextField("异议理由", blank=True, default="")
    contested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提出异议人", null=True, blank=True, on_delete=models.PROTECT,
        db_index=False, related_name="+",
    )
    contested_at = models.DateTimeField("提出异议时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="裁定人", null=True, blank=True, on_delete=models.PROTECT,
        db_index=False, related_name="+",
    )
    decided_at = models.DateTimeField("裁定时间", null=True, blank=True)
    decision_note = models.TextField("裁定意见", blank=True, default="")
    created_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "差错登记"
        verbose_name_plural = "差错登记"
        ordering = ["-occurred_on", "-pk"]
        indexes = [models.Index(fields=["unit", "occurred_on"], name="error_unit_month")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.case_id}"


class ErrorNote(models.Model):
    """An annotation on an error entry, by the unit or the bureau (append-only)."""

    entry = models.ForeignKey(ErrorEntry, verbose_name="差错登记", on_delete=models.PROTECT, related_name="notes")
    text = models.TextField("批注")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="批注人", on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    created_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "差错批注"
        verbose_name_plural = "差错批注"
        ordering = ["entry", "pk"]

    def __str__(self) -> str:
        return self.text[:40]
