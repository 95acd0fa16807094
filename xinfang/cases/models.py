"""The petition item (信访件) and everything recorded about it.

``Case.status`` and the clock fields are written only by ``xinfang.cases.workflow.transition``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from xinfang.cases.choices import (
    CLOCK_LABELS,
    PETITIONER_CLOCKS,
    Channel,
    ClaimType,
    ConclusionReason,
    EvaluationStatus,
    Procedure,
    Purpose,
    ReplyOutcome,
    ReviewOutcome,
    RouteKind,
    Satisfaction,
)
from xinfang.cases.states import OPEN_STATES, Status
from xinfang.deadlines.calendar import provisional_label


def provisional_note(due_on, provisional: bool) -> str:
    """「暂定（2027年放假安排尚未录入）」 for a provisional due date, else "" (shown beside the date)."""
    return provisional_label(due_on.year) if provisional and due_on is not None else ""


class Category(models.Model):
    """Content taxonomy (内容分类), three levels, kept as data because editions change (workflow-rules §14.3)."""

    code = models.CharField("分类代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=60)
    parent = models.ForeignKey(
        "self", verbose_name="上级分类", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.PositiveSmallIntegerField("级别", default=1)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "内容分类"
        verbose_name_plural = "内容分类"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        names = [self.name]
        node = self
        while node.parent_id is not None:
            node = node.parent
            names.append(node.name)
        return "_".join(reversed(names))


class Case(models.Model):
    number = models.CharField("信访件编号", max_length=40, unique=True)
    # Unique through Meta.constraints: a plain unique index, without the pattern index Django adds for
    # ``unique=True`` on a text column (codes are only looked up whole).
    query_code = models.CharField("查询码", max_length=12)
    channel = models.CharField("信访形式", max_length=10, choices=Channel.choices)
    received_on = models.DateField("收到日期")
    registered_at = models.DateTimeField("登记时间")
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    registering_unit = models.ForeignKey(
        "orgs.Unit", verbose_name="登记单位", on_delete=models.PROTECT, related_name="+"
    )

    title = models.CharField("标题", max_length=200)
    content = models.TextField("诉求内容（事实、理由、请求）")
    claim_type = models.CharField("诉求类型", max_length=12, choices=ClaimType.choices)
    purpose = models.CharField("信访目的", max_length=12, choices=Purpose.choices)
    category = models.ForeignKey(
        Category, verbose_name="内容分类", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    problem_place = models.ForeignKey(
        "orgs.Unit", verbose_name="问题属地", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    problem_address = models.CharField("问题发生地址", max_length=200, blank=True)
    responsible_unit = models.ForeignKey(
        "orgs.Unit", verbose_name="责任单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Indexed by case_unit_status, whose first column it is.
    current_unit = models.ForeignKey(
        "orgs.Unit", verbose_name="当前办理单位", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    first_handling_unit = models.ForeignKey(
        "orgs.Unit", verbose_name="首办单位", null=True, blank=True, on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    accused_unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name="被反映单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False, related_name="+",
        help_text="检举控告件：该单位及其下级不得看到信访人身份和材料，也不得向其转送（决定第5条）",
    )
    accused_person = models.CharField("被反映人", max_length=100, blank=True)
    # 检举控告 without a known accused unit: nothing protects the accuser yet, so no move may hand the item
    # to any unit until the accused unit is set (decisions §5, docs/secrecy.md).
    accused_unit_unknown = models.BooleanField("被反映单位不明", default=False)
    is_confidential = models.BooleanField("信访人要求保密", default=False)

    people_count = models.PositiveIntegerField("信访人数", default=1)
    is_group = models.BooleanField("集体访（5人及以上）", default=False)
    is_skip_level = models.BooleanField("越级", default=False)
    is_repeat = models.BooleanField("重件", default=False)
    earlier_items = models.ManyToManyField(
        "self", verbose_name="关联的前次信访件", symmetrical=False, blank=True, related_name="later_items"
    )

    status = models.CharField("状态", max_length=24, choices=Status.choices)
    procedure = models.CharField("办理程序", max_length=10, choices=Procedure.choices, default=Procedure.NORMAL)
    route_kind = models.CharField("分流方式", max_length=10, choices=RouteKind.choices, blank=True)
    routed_on = models.DateField("转送/交办日期", null=True, blank=True)
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField("延期天数", default=0)
    reply_delivered_on = models.DateField("处理意见书送达日期", null=True, blank=True)
    review_unit = models.ForeignKey(
        "orgs.Unit", verbose_name="复查机关", null=True, blank=True, on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    review_delivered_on = models.DateField("复查意见书送达日期", null=True, blank=True)
    rereview_unit = models.ForeignKey(
        "orgs.Unit", verbose_name="复核机关", null=True, blank=True, on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    hearing_started_on = models.DateField("听证开始日期", null=True, blank=True)
    hearing_days = models.PositiveSmallIntegerField("听证天数", default=0)
    concluded_on = models.DateField("终结日期", null=True, blank=True)
    conclusion_reason = models.CharField(
        "终结原因", max_length=20, choices=ConclusionReason.choices, blank=True
    )

    # Foreign keys that no screen or report looks items up by carry no index (db_index=False): every index
    # costs time on each registration.

    # The nearest running statutory clock, denormalised from Clock for the work queue (decisions §2:
    # stored when the clock starts; "overdue"/"due soon" are derived from it at read time).
    due_on = models.DateField("当前期限", null=True, blank=True)
    due_rule = models.CharField("当前期限规则", max_length=24, blank=True)
    due_started_on = models.DateField("当前期限起算日", null=True, blank=True)
    # Mirrors Clock.provisional of the nearest clock, so lists can mark the date 暂定 without a join.
    due_provisional = models.BooleanField("当前期限为暂定", default=False)

    evaluation_status = models.CharField(
        "评价状态", max_length=10, choices=EvaluationStatus.choices, blank=True, default=""
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # The units of the item's CaseAccess rows ("3 19"), written with them by the workflow. CaseAccess is what
    # decides visibility; this copy lets PostgreSQL find "items of these units containing this word" in
    # two GIN indexes at once (migration 0006) instead of reading every item that contains the word.
    access_units = models.TextField("可见单位（检索用）", blank=True, default="", editable=False)

    class Meta:
        verbose_name = "信访件"
        verbose_name_plural = "信访件"
        ordering = ["-registered_at"]
        indexes = [
            models.Index(fields=["current_unit", "status"], name="case_unit_status"),
            models.Index(fields=["received_on"], name="case_received"),
            # Every index costs each registration and transition; text columns get plain indexes only
            # (``db_index=True`` would add a second, pattern-matching one that no query uses).
            models.Index(fields=["status"], name="case_status"),
            models.Index(
                fields=["due_on"], name="case_open_due", condition=Q(status__in=sorted(s.value for s in OPEN_STATES))
            ),
        ]
        constraints = [models.UniqueConstraint(fields=["query_code"], name="uniq_case_query_code")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def due_rule_label(self) -> str:
        return CLOCK_LABELS.get(self.due_rule, self.due_rule) if self.due_rule else "—"

    @property
    def due_provisional_note(self) -> str:
        return provisional_note(self.due_on, self.due_provisional)

    @property
    def is_accusation(self) -> bool:
        return self.claim_type == ClaimType.ACCUSATION

    def main_petitioner(self) -> Petitioner | None:
        for p in self.petitioners.all():
            if p.is_main:
                return p
        return None


class Petitioner(models.Model):
    case = models.ForeignKey(Case, verbose_name="信访件", on_delete=models.CASCADE, related_name="petitioners")
    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("身份证号码", max_length=18, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    email = models.EmailField("电子邮箱", max_length=254, blank=True, default="")
    address = models.CharField("住址", max_length=200, blank=True)
    is_main = models.BooleanField("主要信访人", default=False)
    is_representative = models.BooleanField("代表", default=False)

    class Meta:
        verbose_name = "信访人"
        verbose_name_plural = "信访人"
        ordering = ["-is_main", "pk"]
        # Identity and phone numbers are searched whole: plain indexes, no pattern indexes.
        indexes = [
            models.Index(fields=["id_number"], name="petitioner_id_number"),
            models.Index(fields=["phone"], name="petitioner_phone"),
        ]

    def __str__(self) -> str:
        return self.name


class CaseAccess(models.Model):
    """Units an item has been routed to; a user sees the item if one of these lies in their grants."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="access")
    # Indexed by uniq_case_access, whose first column it is.
    unit = models.ForeignKey("orgs.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        verbose_name = "可见单位"
        verbose_name_plural = "可见单位"
        constraints = [models.UniqueConstraint(fields=["unit", "case"], name="uniq_case_access")]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.unit_id}"


class Clock(models.Model):
    """One statutory period of one item. The due date is fixed when the clock starts (decisions §2)."""

    case = models.ForeignKey(Case, verbose_name="信访件", on_delete=models.CASCADE, related_name="clocks")
    rule_code = models.CharField("期限规则", max_length=24)
    started_on = models.DateField("起算日")
    extra_days = models.PositiveSmallIntegerField("延长/听证天数", default=0)
    due_on = models.DateField("截止日")
    stopped_on = models.DateField("结束日", null=True, blank=True)
    on_time = models.BooleanField("是否按期", null=True)
    paused = models.BooleanField("暂停中（听证）", default=False)
    superseded = models.BooleanField("已被替换", default=False)
    # Counted with estimated holidays because a year it reaches had no confirmed schedule (decisions §2);
    # recomputed and cleared when that year is confirmed (cases.calendar_sync).
    provisional = models.BooleanField("暂定", default=False)
    # The item's current unit, copied here while the clock runs so that the supervision board counts running
    # clocks per unit from one index instead of joining them to the items. Written only by
    # ``workflow.transition`` (on start, and on every move of the item); left as it was once the clock stops.
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name="所在单位", null=True, blank=True, on_delete=models.PROTECT, db_index=False,
        related_name="+",
    )

    class Meta:
        verbose_name = "期限"
        verbose_name_plural = "期限"
        ordering = ["case", "pk"]
        indexes = [
            models.Index(fields=["rule_code", "due_on"], name="clock_rule_due"),
            # The supervision board: running clocks of a unit's duties by unit and type, with every column the
            # level needs, so the count is an index-only scan with no filter left (INCLUDE is PostgreSQL's; other databases index the key only).
            models.Index(
                fields=["unit", "rule_code"],
                include=["started_on", "due_on", "paused", "case"],
                condition=Q(stopped_on__isnull=True, superseded=False) & ~Q(rule_code__in=PETITIONER_CLOCKS),
                name="clock_running_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_code} {self.started_on}→{self.due_on}"

    @property
    def running(self) -> bool:
        return self.stopped_on is None

    @property
    def label(self) -> str:
        return CLOCK_LABELS.get(self.rule_code, self.rule_code)

    @property
    def provisional_note(self) -> str:
        if self.provisional and self.stopped_on is not None:
            # Its on-time verdict was recorded against this date and is not rewritten when the year is confirmed.
            return "暂定期限（按当时估算的放假安排判定）"
        return provisional_note(self.due_on, self.provisional)


class ClockTally(models.Model):
    """Running clocks of the units' duties counted by (unit, type, start, due, hearing day): the supervision
    board's numbers without reading a million clocks.

    Append-only deltas: ``workflow`` inserts +1/−1 rows in the transaction that starts, stops, moves or
    re-dates a clock (``cases.tally``), so concurrent moves never wait on a shared counter row; the daily job
    folds them into one row per key. A key's count is the sum of its rows. ``paused_on`` is the item's hearing
    day for a clock paused by a 复核 hearing (its level is judged on that day), otherwise empty."""

    id = models.BigAutoField(primary_key=True)
    unit = models.ForeignKey("orgs.Unit", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    rule_code = models.CharField(max_length=24)
    started_on = models.DateField()
    due_on = models.DateField()
    paused_on = models.DateField(null=True)
    n = models.IntegerField()

    class Meta:
        verbose_name = "期限计数"
        verbose_name_plural = "期限计数"
        indexes = [models.Index(fields=["unit", "rule_code"], name="tally_unit_rule")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.rule_code} {self.started_on}→{self.due_on} {self.n:+d}"


class CaseEvent(models.Model):
    """Append-only history of an item: the timeline shown to staff is this table."""

    case = models.ForeignKey(Case, verbose_name="信访件", on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    actor_unit = models.ForeignKey(
        "orgs.Unit", verbose_name="操作单位", null=True, blank=True, on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    from_status = models.CharField("原状态", max_length=24, blank=True)
    to_status = models.CharField("新状态", max_length=24)
    # The item's unit once the act is done, so the statistics attribute every act and every clock to the unit
    # that held the item then, from the history alone (``stats.facts``); empty on rows recorded before it existed.
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name="所在单位", null=True, blank=True, on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    effective_on = models.DateField("发生日期")
    data = models.JSONField("数据", default=dict, blank=True)
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["case", "pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.effective_on}"


class Opinion(models.Model):
    """A written decision served on the petitioner: 处理意见书 / 复查意见书 / 复核意见书."""

    class Stage(models.TextChoices):
        REPLY = "reply", "信访处理意见书"
        REVIEW = "review", "复查意见书"
        REREVIEW = "rereview", "复核意见书"

    case = models.ForeignKey(Case, verbose_name="信访件", on_delete=models.CASCADE, related_name="opinions")
    stage = models.CharField("类型", max_length=10, choices=Stage.choices)
    unit = models.ForeignKey("orgs.Unit", verbose_name="出具单位", on_delete=models.PROTECT, related_name="+")
    document_number = models.CharField("文号", max_length=60, blank=True)  # the 意见书 that states it
    request_summary = models.TextField("信访人请求")
    facts = models.TextField("事实和理由")
    opinion = models.TextField("处理意见")
    legal_basis = models.TextField("依据")
    remedy = models.TextField("救济途径和期限")
    review_outcome = models.CharField(
        "复查/复核结论", max_length=10, choices=ReviewOutcome.choices, blank=True
    )
    issued_on = models.DateField("出具日期")
    delivered_on = models.DateField("送达日期", null=True, blank=True)

    class Meta:
        verbose_name = "意见书"
        verbose_name_plural = "意见书"
        ordering = ["case", "pk"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.document_number}".strip()


class RequestItem(models.Model):
    """One request of a petition and the outcome given to it (partial support = mixed outcomes)."""

    opinion = models.ForeignKey(Opinion, verbose_name="意见书", on_delete=models.CASCADE, related_name="items")
    request = models.CharField("诉求事项", max_length=300)
    outcome = models.CharField("处理结果", max_length=10, choices=ReplyOutcome.choices)
    explanation = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "诉求事项"
        verbose_name_plural = "诉求事项"
        ordering = ["opinion", "pk"]

    def __str__(self) -> str:
        return f"{self.request}：{self.get_outcome_display()}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.case_id}/{filename}"


class Attachment(models.Model):
    case = models.ForeignKey(Case, verbose_name="信访件", on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("文件", upload_to=attachment_path)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"

    def __str__(self) -> str:
        return self.original_name


class Evaluation(models.Model):
    class Target(models.TextChoices):
        BUREAU = "bureau", "信访部门"
        UNIT = "unit", "责任单位"

    case = models.ForeignKey(Case, verbose_name="信访件", on_delete=models.CASCADE, related_name="evaluations")
    target = models.CharField("评价对象", max_length=10, choices=Target.choices)
    value = models.CharField("满意度", max_length=12, choices=Satisfaction.choices)
    comment = models.TextField("意见", blank=True)
    created_at = models.DateTimeField("评价时间")

    class Meta:
        verbose_name = "满意度评价"
        verbose_name_plural = "满意度评价"
        constraints = [models.UniqueConstraint(fields=["case", "target"], name="uniq_evaluation")]

    def __str__(self) -> str:
        return f"{self.get_target_display()}：{self.get_value_display()}"


class Notification(models.Model):
    """A message to a staff member (for example the group-visit alert of decisions §4)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(Case, verbose_name="信访件", null=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField("类型", max_length=30)
    message = models.TextField("内容")
    created_at = models.DateTimeField("时间")
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    # The outbox message this inbox row delivers: unique, so a sender that retries delivers it once.
    outbox_id = models.PositiveBigIntegerField("发件记录", null=True, blank=True, unique=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message[:40]


class ReviewApplication(models.Model):
    """A 复查/复核 request the petitioner filed on the portal, waiting for staff to accept or refuse it in
    writing. Accepting records the request on the item as of the day it was filed (``filed_on``)."""

    class Kind(models.TextChoices):
        REVIEW = "review", "复查"
        REREVIEW = "rereview", "复核"

    class State(models.TextChoices):
        PENDING = "pending", "待处理"
        ACCEPTED = "accepted", "已受理"
        REFUSED = "refused", "不予受理"

    case = models.ForeignKey(Case, verbose_name="信访件", on_delete=models.CASCADE, related_name="applications")
    kind = models.CharField("申请类型", max_length=10, choices=Kind.choices)
    reason = models.TextField("请求和理由")
    filed_on = models.DateField("提出日期")
    filed_at = models.DateTimeField("提交时间")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="处理人", null=True, blank=True, on_delete=models.PROTECT,
        db_index=False, related_name="+",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    decision_note = models.TextField("处理说明", blank=True, default="")

    class Meta:
        verbose_name = "网上复查（复核）申请"
        verbose_name_plural = "网上复查（复核）申请"
        ordering = ["filed_at", "pk"]
        constraints = [
            # One open request per item and kind: a second click or a retry finds the first.
            models.UniqueConstraint(
                fields=["case", "kind"], condition=models.Q(state="pending"), name="uniq_pending_application"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}申请 {self.case_id}"


class CaseNumberSequence(models.Model):
    """Per unit and year counter for readable numbers (XFJ-2026-000123); incremented under a row lock."""

    unit = models.ForeignKey("orgs.Unit", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="uniq_case_sequence")]

    def __str__(self) -> str:
        return f"{self.unit_id}-{self.year}: {self.last}"


class PersonalDataAccess(models.Model):
    """Every view of a petitioner's personal data by staff (decisions §5), written by ``cases.disclosure``.

    One row per item opened or found by a person's identity; one row per list page or export, without an
    item, carrying what was asked (``detail``) and how many rows showed personal data (``count``).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="查看人", on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(
        Case, verbose_name="信访件", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    purpose = models.CharField("用途", max_length=60)
    detail = models.CharField("条件/说明", max_length=500, blank=True, default="")
    count = models.PositiveIntegerField("涉及件数", default=1)
    created_at = models.DateTimeField("时间", db_index=True)

    class Meta:
        verbose_name = "个人信息查看记录"
        verbose_name_plural = "个人信息查看记录"

    def __str__(self) -> str:
        return f"{self.user_id} {self.case_id} {self.created_at}"


class RefusedAttempt(models.Model):
    """A refused attempt that touches petitioners' rights (for example forwarding an accusation to the
    accused unit): kept for the audit even though the move itself changed nothing (decisions §5)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    action = models.CharField("操作", max_length=32)
    reason = models.TextField("拒绝原因")
    created_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "被拒绝的操作"
        verbose_name_plural = "被拒绝的操作"

    def __str__(self) -> str:
        return f"{self.action} {self.case_id}"




class SubmissionToken(models.Model):
    """The one-time token of a registration form, stored with the item it created.

    A browser that retries a POST, or a double click, sends the same token again; the unique constraint makes
    the second attempt find the first item instead of registering the petition twice.
    """

    token = models.CharField("表单令牌", max_length=64)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_index=False, related_name="+")
    created_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "登记表单令牌"
        verbose_name_plural = "登记表单令牌"
        constraints = [models.UniqueConstraint(fields=["token"], name="uniq_submission_token")]

    def __str__(self) -> str:
        return f"{self.token[:8]}… → {self.case_id}"


class Assignment(models.Model):
    """The named 承办人 of an item inside one unit, chosen by the unit's head (``cases.assignment``).

    A reassignment deactivates the row and adds a new one, so the history of who held the item stays. The unit
    is part of the key: when the item moves on, the receiving unit names its own 承办人 and the old row stays
    as the record of who handled it there.
    """

    case = models.ForeignKey(Case, verbose_name="信访件", on_delete=models.CASCADE, related_name="assignments",
                             db_index=False)  # first column of uniq_active_assignment
    unit = models.ForeignKey("orgs.Unit", verbose_name="办理单位", on_delete=models.PROTECT, related_name="+",
                             db_index=False)  # first column of assignment_active_unit
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="承办人", on_delete=models.PROTECT,
                                db_index=False, related_name="+")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="指定人", on_delete=models.PROTECT,
                                    db_index=False, related_name="+")
    assigned_at = models.DateTimeField("指定时间")
    active = models.BooleanField("当前有效", default=True)

    class Meta:
        verbose_name = "承办人指定"
        verbose_name_plural = "承办人指定"
        ordering = ["case", "pk"]
        constraints = [
            # One 承办人 at a time per item and unit; two heads assigning at once cannot both win.
            models.UniqueConstraint(fields=["case", "unit"], condition=Q(active=True), name="uniq_active_assignment"),
        ]
        indexes = [
            # The workload page: the active rows of the units below a head. Past rows stay out of the index.
            models.Index(fields=["unit", "handler"], condition=Q(active=True), name="assignment_active_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} @ {self.unit_id} → {self.handler_id}"


class ExtensionRequest(models.Model):
    """A 承办人's request that the head extend the handling period ([T22-34]). Approval goes through
    ``services.case_extend``, the one write path of an extension; this row only records who asked and why."""

    class State(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已批准"
        REFUSED = "refused", "不同意"

    case = models.ForeignKey(Case, verbose_name="信访件", on_delete=models.CASCADE, related_name="extension_requests",
                             db_index=False)  # first column of uniq_pending_extension and extension_request_case
    unit = models.ForeignKey("orgs.Unit", verbose_name="办理单位", on_delete=models.PROTECT, related_name="+",
                             db_index=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT,
                                     db_index=False, related_name="+")
    days = models.PositiveSmallIntegerField("申请延长天数")
    reason = models.TextField("延期理由")
    requested_at = models.DateTimeField("申请时间")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批人", null=True, blank=True,
                                   on_delete=models.PROTECT, db_index=False, related_name="+")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True, default="")

    class Meta:
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        ordering = ["case", "pk"]
        constraints = [
            # One open request per item: a second click or a second handler finds the first.
            models.UniqueConstraint(fields=["case"], condition=Q(state="pending"), name="uniq_pending_extension"),
        ]
        indexes = [models.Index(fields=["case", "state"], name="extension_request_case")]

    def __str__(self) -> str:
        return f"延期申请 {self.case_id} {self.days}日"
