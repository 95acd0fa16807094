"""矛盾纠纷排查台账, 联席研判 and 社会稳定风险评估 (decisions §5: these records concern disputes and decisions,
never a person's movements; there is no field for a party's whereabouts, identity number or petitioning history).
"""

from __future__ import annotations

from django.db import models


class Source(models.TextChoices):
    SCREENING = "screening", "排查发现"
    PUBLIC = "public", "群众反映"
    TRANSFER = "transfer", "部门移交"
    HOTLINE = "hotline", "热线转办"
    OTHER = "other", "其他"


class DisputeType(models.TextChoices):
    LAND_TAKING = "land_taking", "征地拆迁"
    LABOUR = "labour", "劳资纠纷"
    POLLUTION = "pollution", "环境污染"
    NEIGHBOUR = "neighbour", "邻里纠纷"
    FAMILY = "family", "婚姻家庭"
    LAND_CONTRACT = "land_contract", "土地承包"
    OTHER = "other", "其他"


class RiskLevel(models.TextChoices):
    LOW = "low", "低"
    MEDIUM = "medium", "中"
    HIGH = "high", "高"
    MAJOR = "major", "重大"


# The field is ``resolution``, not ``status``: ``status`` names an item's lifecycle, which only cases.workflow
# writes (tests/test_boundaries.py).
class Resolution(models.TextChoices):
    SCREENING = "screening", "排查中"
    RESOLVING = "resolving", "化解中"
    RESOLVED = "resolved", "已化解"
    PETITION = "petition", "转为信访件"
    HANDED_OVER = "handed_over", "已移交"


class DisputeEntry(models.Model):
    """One dispute found by screening, before (or instead of) becoming a petition item."""

    source = models.CharField("来源", max_length=16, choices=Source.choices, default=Source.SCREENING)
    place = models.ForeignKey(
        "orgs.Unit", verbose_name="发生地（村/乡镇）", on_delete=models.PROTECT, related_name="+"
    )
    # Set from ``place`` by the services: the summary and the 台账 group by township, and a village entry's
    # township would otherwise need the unit tree at every read.
    township = models.ForeignKey(
        "orgs.Unit", verbose_name="乡镇（街道）", on_delete=models.PROTECT, related_name="+"
    )
    parties = models.CharField("当事人", max_length=200, help_text="纠纷涉及的各方名称或姓名")
    dispute_type = models.CharField("纠纷类型", max_length=16, choices=DisputeType.choices)
    summary = models.TextField("简要情况")
    risk_level = models.CharField("风险等级", max_length=8, choices=RiskLevel.choices)
    responsible_unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name="责任单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responsible_leader = models.CharField("责任领导", max_length=50, blank=True)
    measures = models.TextField("化解措施", blank=True)
    resolution = models.CharField(
        "化解状态", max_length=16, choices=Resolution.choices, default=Resolution.SCREENING
    )
    reported_on = models.DateField("排查日期")
    resolved_on = models.DateField("化解日期", null=True, blank=True)
    reporter = models.ForeignKey(
        "orgs.User",
        verbose_name="报送人账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reporter_name = models.CharField("报送人", max_length=50, blank=True)
    case = models.OneToOneField(
        "cases.Case",
        verbose_name="转为信访件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dispute_entry",
    )
    created_at = models.DateTimeField("录入时间")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        verbose_name = "矛盾纠纷排查台账"
        verbose_name_plural = "矛盾纠纷排查台账"
        ordering = ["-reported_on", "-pk"]
        indexes = [models.Index(fields=["township", "reported_on"], name="prev_entry_town_day")]

    def __str__(self) -> str:
        return f"{self.get_dispute_type_display()}：{self.parties}"


class FollowUp(models.Model):
    entry = models.ForeignKey(
        DisputeEntry, verbose_name="台账", on_delete=models.CASCADE, related_name="followups"
    )
    on = models.DateField("日期")
    note = models.TextField("跟进情况")
    author = models.ForeignKey(
        "orgs.User", verbose_name="记录人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("录入时间")
    # A follow-up is corrected in place so the list reads as it stands now; these say it was, and the text it
    # replaced is kept in ``Revision``.
    edited_at = models.DateTimeField("更正时间", null=True, blank=True)
    edited_by = models.ForeignKey(
        "orgs.User", verbose_name="更正人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "跟进记录"
        verbose_name_plural = "跟进记录"
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"{self.on:%Y-%m-%d} {self.note[:30]}"


class JointMeeting(models.Model):
    """A monthly 联席研判 meeting convened by ``unit``."""

    unit = models.ForeignKey("orgs.Unit", verbose_name="召集单位", on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField("会议日期")
    topic = models.CharField("议题", max_length=200)
    units_present = models.ManyToManyField("orgs.Unit", verbose_name="参会单位", related_name="+", blank=True)
    cases = models.ManyToManyField("cases.Case", verbose_name="研判的信访件", related_name="+", blank=True)
    entries = models.ManyToManyField(
        DisputeEntry, verbose_name="研判的排查台账", related_name="meetings", blank=True
    )
    notes = models.TextField("研判情况", blank=True)
    created_by = models.ForeignKey(
        "orgs.User", verbose_name="记录人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("录入时间")
    # Who last changed the record and when; what each change replaced is in ``Revision``.
    updated_at = models.DateTimeField("修改时间", null=True, blank=True)
    updated_by = models.ForeignKey(
        "orgs.User", verbose_name="修改人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "联席研判"
        verbose_name_plural = "联席研判"
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.topic}"


class MeetingDecision(models.Model):
    """A decision of a meeting: a task for ``owner_unit``, open until someone there records it done."""

    meeting = models.ForeignKey(
        JointMeeting, verbose_name="联席研判", on_delete=models.CASCADE, related_name="decisions"
    )
    text = models.TextField("议定事项")
    owner_unit = models.ForeignKey(
        "orgs.Unit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField("完成时限")
    done_on = models.DateField("完成日期", null=True, blank=True)
    done_note = models.TextField("落实情况", blank=True)
    done_by = models.ForeignKey(
        "orgs.User", verbose_name="办结人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField("修改时间", null=True, blank=True)
    updated_by = models.ForeignKey(
        "orgs.User", verbose_name="修改人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "议定事项"
        verbose_name_plural = "议定事项"
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(
                fields=["owner_unit", "due_on"],
                name="prev_decision_open",
                condition=models.Q(done_on__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return self.text[:40]


class StabilityAssessment(models.Model):
    """社会稳定风险评估 of a major decision, and the petition items that decision later caused."""

    decision = models.CharField("重大决策事项", max_length=200)
    unit = models.ForeignKey("orgs.Unit", verbose_name="决策单位", on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField("评估日期")
    risk_level = models.CharField("风险等级", max_length=8, choices=RiskLevel.choices)
    measures = models.TextField("防范化解措施", blank=True)
    conclusion = models.TextField("评估结论")
    created_by = models.ForeignKey(
        "orgs.User", verbose_name="记录人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("录入时间")

    class Meta:
        verbose_name = "社会稳定风险评估"
        verbose_name_plural = "社会稳定风险评估"
        ordering = ["-decided_on", "-pk"]

    def __str__(self) -> str:
        return self.decision


class AssessmentLink(models.Model):
    assessment = models.ForeignKey(
        StabilityAssessment, verbose_name="稳评", on_delete=models.CASCADE, related_name="links"
    )
    case = models.ForeignKey("cases.Case", verbose_name="信访件", on_delete=models.CASCADE, related_name="+")
    note = models.CharField("关联说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        "orgs.User", verbose_name="关联人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("关联时间")

    class Meta:
        verbose_name = "稳评关联信访件"
        verbose_name_plural = "稳评关联信访件"
        constraints = [
            models.UniqueConstraint(fields=["assessment", "case"], name="prev_uniq_assessment_case")
        ]

    def __str__(self) -> str:
        return f"{self.assessment} ↔ {self.case_id}"


class Revision(models.Model):
    """Append-only: one correction of a follow-up, a meeting or a decision — who made it, when, and each changed
    field's value before and after, as the page showed it.

    Those records are corrected in place so their pages read as they stand now; this table is why no correction
    is silent. A follow-up's revisions hang on its entry, a meeting's and its decisions' on the meeting, so each
    page reads its history in one query.
    """

    class Kind(models.TextChoices):
        FOLLOWUP = "followup", "更正跟进记录"
        MEETING = "meeting", "修改联席研判"
        DECISION = "decision", "修改议定事项"

    kind = models.CharField("修改内容", max_length=16, choices=Kind.choices)
    entry = models.ForeignKey(
        DisputeEntry,
        verbose_name="台账",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="revisions",
    )
    followup = models.ForeignKey(
        FollowUp,
        verbose_name="跟进记录",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="revisions",
    )
    meeting = models.ForeignKey(
        JointMeeting,
        verbose_name="联席研判",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="revisions",
    )
    decision = models.ForeignKey(
        MeetingDecision,
        verbose_name="议定事项",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="revisions",
    )
    # [{"field": …, "label": …, "before": …, "after": …}], values as display text. Items and entries discussed
    # at a meeting are kept by id ("before_ids"/"after_ids") and shown only as counts: the meeting page lists
    # only those the reader may open, and its history must not name the others.
    changes = models.JSONField("修改前后", default=list)
    actor = models.ForeignKey(
        "orgs.User", verbose_name="修改人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("修改时间")

    class Meta:
        verbose_name = "修改记录"
        verbose_name_plural = "修改记录"
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        kind="followup", entry__isnull=False, followup__isnull=False, meeting__isnull=True
                    )
                    | models.Q(
                        kind="meeting", meeting__isnull=False, entry__isnull=True, decision__isnull=True
                    )
                    | models.Q(
                        kind="decision", meeting__isnull=False, decision__isnull=False, entry__isnull=True
                    )
                ),
                name="prev_revision_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"
