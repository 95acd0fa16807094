"""Leaders' part in petition work ([T22-18 ¶2]): 包案 (a leader owns a matter until it is settled), 阅批 (a
leader's written instruction on an item), 领导接访日 (published reception days) and 下访 (going down).

Every row here is about a matter or an item, never about a petitioner's movements (decisions §5).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class CaseOwnership(models.Model):
    """包案: one leader, one team, one plan and one deadline for one item or a group of related items."""

    class State(models.TextChoices):
        OPEN = "open", "化解中"
        CONCLUDED = "concluded", "已化解待观察"
        SETTLED = "settled", "息诉罢访"
        UNSETTLED = "unsettled", "未息诉（再次信访）"

    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="包案领导", on_delete=models.PROTECT, related_name="+"
    )
    # The leader's post as written on the record (「县委常委、副县长」): posts change, the record does not.
    leader_post = models.CharField("领导职务", max_length=60, blank=True)
    title = models.CharField("包案事项", max_length=200)
    plan = models.TextField("化解方案")
    deadline = models.DateField("化解期限")
    team_units = models.ManyToManyField("orgs.Unit", verbose_name="责任单位", blank=True, related_name="+")
    team_members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="工作专班成员", blank=True, related_name="+"
    )
    items = models.ManyToManyField(
        "cases.Case", verbose_name="信访件", through="OwnershipItem", related_name="ownerships"
    )
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    started_on = models.DateField("包案日期")
    outcome = models.TextField("化解结果", blank=True, default="")
    concluded_on = models.DateField("化解日期", null=True, blank=True)
    settled_checked_on = models.DateField("息诉罢访核定日期", null=True, blank=True)
    settled_note = models.TextField("核定说明", blank=True, default="")
    created_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "领导包案"
        verbose_name_plural = "领导包案"
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["state", "concluded_on"], name="ownership_state_concluded")]

    def __str__(self) -> str:
        return f"{self.title}（{self.leader}）"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


class OwnershipItem(models.Model):
    ownership = models.ForeignKey(CaseOwnership, on_delete=models.CASCADE, related_name="item_links")
    case = models.ForeignKey("cases.Case", verbose_name="信访件", on_delete=models.CASCADE, related_name="+")
    added_on = models.DateField("纳入日期")

    class Meta:
        verbose_name = "包案信访件"
        verbose_name_plural = "包案信访件"
        constraints = [models.UniqueConstraint(fields=["ownership", "case"], name="uniq_ownership_item")]

    def __str__(self) -> str:
        return f"{self.ownership_id} ← {self.case_id}"


class Milestone(models.Model):
    ownership = models.ForeignKey(
        CaseOwnership, verbose_name="包案", on_delete=models.CASCADE, related_name="milestones"
    )
    due_on = models.DateField("计划完成日期")
    text = models.CharField("工作节点", max_length=300)
    done_on = models.DateField("完成日期", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True, on_delete=models.PROTECT,
        db_index=False, related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, db_index=False, related_name="+"
    )

    class Meta:
        verbose_name = "包案工作节点"
        verbose_name_plural = "包案工作节点"
        ordering = ["ownership", "due_on", "pk"]

    def __str__(self) -> str:
        return f"{self.due_on} {self.text}"


class MeetingNote(models.Model):
    ownership = models.ForeignKey(
        CaseOwnership, verbose_name="包案", on_delete=models.CASCADE, related_name="notes"
    )
    held_on = models.DateField("会议日期")
    attendees = models.CharField("参会人员", max_length=300, blank=True)
    text = models.TextField("会议纪要")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    created_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "包案会议纪要"
        verbose_name_plural = "包案会议纪要"
        ordering = ["ownership", "held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.held_on} 会议纪要"


class Instruction(models.Model):
    """阅批: a leader's written instruction on an item, a task for the item's unit until it answers in writing."""

    case = models.ForeignKey(
        "cases.Case", verbose_name="信访件", on_delete=models.CASCADE, related_name="leader_instructions"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="批示领导", on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    text = models.TextField("批示内容")
    # The item's current unit when the instruction was written: the task stays with it even if the item moves.
    unit = models.ForeignKey("orgs.Unit", verbose_name="落实单位", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField("办理时限")
    issued_on = models.DateField("批示日期")
    answer = models.TextField("落实情况", blank=True, default="")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="答复人", null=True, blank=True, on_delete=models.PROTECT,
        db_index=False, related_name="+",
    )
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    created_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "领导阅批"
        verbose_name_plural = "领导阅批"
        ordering = ["due_on", "pk"]
        # The board and the units' task lists ask only for open instructions.
        indexes = [
            models.Index(fields=["unit", "due_on"], name="instruction_open_unit",
                         condition=models.Q(answered_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} 批示 {self.issued_on}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


class ReceptionDay(models.Model):
    """领导接访日: a published day on which a named leader receives visitors. Only the leader's name and post
    are public; nobody is recorded here except through the items registered that day."""

    leader_name = models.CharField("接访领导", max_length=30)
    leader_post = models.CharField("职务", max_length=60)
    on = models.DateField("日期")
    time = models.CharField("时间", max_length=40, help_text="如 上午9:00—12:00")
    place = models.CharField("地点", max_length=120)
    topics = models.CharField("接访重点", max_length=300, blank=True)
    items = models.ManyToManyField("cases.Case", verbose_name="当日登记的来访件", blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    created_at = models.DateTimeField("录入时间")
    # The schedule is published: who last changed it, and when, answers "why does the portal say this".
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="修改人", null=True, blank=True, on_delete=models.PROTECT,
        db_index=False, related_name="+",
    )
    updated_at = models.DateTimeField("修改时间", null=True, blank=True)
    # A cancelled day stays on record (it was announced to the public) but leaves the portal.
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="取消人", null=True, blank=True, on_delete=models.PROTECT,
        db_index=False, related_name="+",
    )
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    cancel_reason = models.CharField("取消原因", max_length=200, blank=True, default="")

    class Meta:
        verbose_name = "领导接访日"
        verbose_name_plural = "领导接访日"
        ordering = ["on", "pk"]
        indexes = [models.Index(fields=["on"], name="reception_day_on")]

    def __str__(self) -> str:
        return f"{self.on} {self.leader_name}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class DownVisit(models.Model):
    """下访: a leader going down to a township or village to hear and settle matters."""

    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="下访领导", on_delete=models.PROTECT, related_name="+"
    )
    on = models.DateField("日期")
    place = models.CharField("地点", max_length=120)
    people_met = models.PositiveIntegerField("接待群众人次", default=0)
    items = models.ManyToManyField("cases.Case", verbose_name="反映的信访件", blank=True, related_name="+")
    notes = models.TextField("情况记录", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    created_at = models.DateTimeField("记录时间")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="修改人", null=True, blank=True, on_delete=models.PROTECT,
        db_index=False, related_name="+",
    )
    updated_at = models.DateTimeField("修改时间", null=True, blank=True)

    class Meta:
        verbose_name = "领导下访"
        verbose_name_plural = "领导下访"
        ordering = ["-on", "-pk"]

    def __str__(self) -> str:
        return f"{self.on} {self.place}"
