"""The official calendar and the deadline rules, both as data an administrator can correct (decisions §2–§3)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from xinfang.deadlines.calendar import DAY_KIND_LABELS, PERIOD_UNIT_LABELS, DayKind, PeriodUnit, weekday_name
from xinfang.deadlines.seed import RULE_TITLES, SOURCE_ADMIN, SOURCE_CHOICES

# Years outside this range are almost certainly typos, and would bloat the in-memory calendar.
MIN_YEAR = 1990
MAX_YEAR = 2100


class CalendarYear(models.Model):
    """A year whose holidays and make-up days have been entered.

    Only a *confirmed* year is loaded, i.e. used for official deadlines: an administrator confirms it after a
    preview of all its days (decisions §2). Until then clocks reaching the year are provisional (暂定).
    """

    year = models.PositiveSmallIntegerField(
        "年份",
        primary_key=True,
        validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)],
        help_text="录入该年全部节假日和调休上班日后，在“预览并确认”页核对并确认；确认前该年的期限均为暂定。",
    )
    source = models.CharField("来源", max_length=20, choices=SOURCE_CHOICES, default=SOURCE_ADMIN)
    note = models.CharField("备注", max_length=200, blank=True, default="")
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True, editable=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = "日历年份"
        verbose_name_plural = "日历年份"

    def __str__(self) -> str:
        return f"{self.year} 年"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class CalendarStamp(models.Model):
    """One row whose ``token`` changes with every edit of the calendar or the rules.

    Each server process keeps the calendar and the rules in memory; it reads this row (a primary-key look-up)
    before a computation and rebuilds its copy when the token differs, so an edit saved in one process is
    used by every other process at once. A random token rather than a counter: a rolled-back edit can never
    leave a value that a later, different edit would repeat.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    token = models.CharField("版本标记", max_length=32)

    class Meta:
        verbose_name = "日历与规则版本"
        verbose_name_plural = "日历与规则版本"

    def __str__(self) -> str:
        return self.token


class CalendarDay(models.Model):
    """A day that differs from the Monday–Friday rule: a day off, or a 调休 weekend working day."""

    date = models.DateField("日期", unique=True)
    kind = models.CharField(
        "类型", max_length=10, choices=[(k.value, DAY_KIND_LABELS[k]) for k in DayKind]
    )
    name = models.CharField("名称", max_length=50, blank=True, default="", help_text="如 春节、国庆节")
    source = models.CharField("来源", max_length=20, choices=SOURCE_CHOICES, default=SOURCE_ADMIN)

    class Meta:
        ordering = ["date"]
        verbose_name = "节假日与调休"
        verbose_name_plural = "节假日与调休"

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name or self.get_kind_display()}"

    def clean(self) -> None:
        if self.date is None:
            return
        if not MIN_YEAR <= self.date.year <= MAX_YEAR:
            raise ValidationError({"date": f"日期年份应在 {MIN_YEAR}–{MAX_YEAR} 年之间。"})
        # A make-up day on a weekday changes nothing and is almost always a mistyped date.
        if self.kind == DayKind.WORKDAY and self.date.weekday() < 5:
            raise ValidationError(
                {"kind": f"{self.date.isoformat()} 是{weekday_name(self.date)}，本来就是工作日；调休上班日应为周六或周日。"}
            )


class DeadlineRule(models.Model):
    """One version of a statutory period; the version in force for an item is the latest one not after its receipt."""

    code = models.CharField(
        "规则代码", max_length=40, db_index=True, help_text="如 handling；代码是对外接口的一部分，不要改名"
    )
    title = models.CharField("名称", max_length=60, blank=True, default="")
    effective_from = models.DateField("生效日期", help_text="收到日期在此日及以后的信访事项适用本版本")
    days = models.PositiveSmallIntegerField("期限天数")
    unit = models.CharField(
        "计算单位", max_length=10, choices=[(u.value, PERIOD_UNIT_LABELS[u]) for u in PeriodUnit]
    )
    start_event = models.CharField("起算事件", max_length=200, help_text="如 信访部门收到信访事项之日")
    legal_basis = models.CharField("法律依据", max_length=300, help_text="如《信访工作条例》第二十二条")
    description = models.TextField("说明", blank=True, default="")
    max_extra_days = models.PositiveSmallIntegerField(
        "可增加天数上限",
        null=True,
        blank=True,
        default=0,
        help_text="0 表示不能增加；留空表示不限（如复核听证所用天数）",
    )
    extra_days_meaning = models.CharField(
        "增加天数的含义", max_length=50, blank=True, default="", help_text="如 延长期限天数、听证所用天数"
    )

    class Meta:
        ordering = ["code", "-effective_from"]
        verbose_name = "期限规则"
        verbose_name_plural = "期限规则"
        constraints = [
            models.UniqueConstraint(fields=["code", "effective_from"], name="deadlines_rule_code_effective_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code}（{self.title or RULE_TITLES.get(self.code, '')}，自 {self.effective_from} 起）"
