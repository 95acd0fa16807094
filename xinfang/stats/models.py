"""Pre-aggregated statistics (decisions §7), derived only from recorded events (``facts``).

``ItemFact``: what one item contributes — (day, metric, subgroup, unit, place, category, n). Brought in line with
the item's history whenever it changes (``ItemMark`` says how far), so the drill-down lists exactly the items
behind a number.
``DailyCount``: the same summed per day × metric × subgroup × unit × place × category; the pages read only it.
``MonthCount`` and the other ``Month…`` tables: the daily counts rolled up per month over fewer dimensions
(``rollups``), so that a page reads a few thousand rows whatever the number of items.
``FillState``: how far the fill has read the event log (one row). Absent dimensions are stored as 0, not NULL, so
that the uniqueness of a count's key holds on every database.
"""

from __future__ import annotations

from django.db import models


class ItemFact(models.Model):
    id = models.BigAutoField(primary_key=True)
    case_id = models.BigIntegerField("信访件")
    day = models.DateField("统计日期")
    metric = models.CharField("指标", max_length=32)
    sub = models.CharField("分组", max_length=24, blank=True, default="")
    unit_id = models.IntegerField("单位", default=0)
    place_id = models.IntegerField("属地", default=0)
    category_id = models.IntegerField("分类", default=0)
    n = models.IntegerField("数量")

    class Meta:
        verbose_name = "信访件统计事实"
        verbose_name_plural = "信访件统计事实"
        indexes = [
            models.Index(fields=["case_id"], name="fact_case"),
            # The drill-down: the items behind one number of a period.
            models.Index(fields=["metric", "day"], name="fact_metric_day"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.metric} {self.day} {self.n}"


class ItemMark(models.Model):
    """The newest event of an item that its stored facts were computed from: the fill recomputes an item with a
    newer one. Kept apart from the facts so that a recomputation rewrites only the facts that changed."""

    case_id = models.BigIntegerField("信访件", primary_key=True)
    upto = models.BigIntegerField("截至事件")

    class Meta:
        verbose_name = "信访件统计进度"
        verbose_name_plural = "信访件统计进度"

    def __str__(self) -> str:
        return f"{self.case_id} ≤ {self.upto}"


class DailyCount(models.Model):
    id = models.BigAutoField(primary_key=True)
    day = models.DateField("统计日期")
    metric = models.CharField("指标", max_length=32)
    sub = models.CharField("分组", max_length=24, blank=True, default="")
    unit_id = models.IntegerField("单位", default=0)
    place_id = models.IntegerField("属地", default=0)
    category_id = models.IntegerField("分类", default=0)
    n = models.IntegerField("数量")

    class Meta:
        verbose_name = "每日统计"
        verbose_name_plural = "每日统计"
        constraints = [
            # The day first: the edges of a custom period read a range of days over every metric (PostgreSQL 15
            # cannot skip over a leading column it has no condition on).
            models.UniqueConstraint(
                fields=["day", "metric", "sub", "unit_id", "place_id", "category_id"], name="uniq_daily_count_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.metric} {self.sub} {self.n}"


class FillState(models.Model):
    """The fill's progress: events up to ``last_event_id`` are counted, time-dependent facts as of ``as_of``."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_event_id = models.BigIntegerField(default=0)
    as_of = models.DateField(null=True)
    filled_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = "统计填充进度"
        verbose_name_plural = "统计填充进度"

    def __str__(self) -> str:
        return f"事件 ≤ {self.last_event_id}，截至 {self.as_of}"


class MonthCount(models.Model):
    """The daily counts rolled up per month, township (a village's place counts at its township) and unit: what
    the statistics page reads for whole months, a few hundred thousand rows a year at most instead of millions."""

    id = models.BigAutoField(primary_key=True)
    month = models.DateField("月份")  # the month's first day
    metric = models.CharField("指标", max_length=32)
    sub = models.CharField("分组", max_length=24, blank=True, default="")
    unit_id = models.IntegerField("单位", default=0)
    township_id = models.IntegerField("乡镇", default=0)
    n = models.IntegerField("数量")

    class Meta:
        verbose_name = "月度统计"
        verbose_name_plural = "月度统计"
        constraints = [
            models.UniqueConstraint(fields=["metric", "month", "sub", "unit_id", "township_id"], name="uniq_month_count")
        ]
        indexes = [  # the reads narrowed to some units or to some townships
            models.Index(fields=["unit_id", "month"], name="month_count_unit"),
            models.Index(fields=["township_id", "month"], name="month_count_township"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.metric} {self.sub} {self.n}"


class MonthCategoryCount(models.Model):
    """件次 and 人次 per month × unit × township × top-level category (the category breakdowns and the township ×
    category table); rates are not broken down by category."""

    id = models.BigAutoField(primary_key=True)
    month = models.DateField("月份")
    metric = models.CharField("指标", max_length=32)
    unit_id = models.IntegerField("单位", default=0)
    township_id = models.IntegerField("乡镇", default=0)
    category_id = models.IntegerField("一级分类", default=0)
    n = models.IntegerField("数量")

    class Meta:
        verbose_name = "月度分类统计"
        verbose_name_plural = "月度分类统计"
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "month", "unit_id", "township_id", "category_id"], name="uniq_month_category"
            )
        ]
        indexes = [
            models.Index(fields=["unit_id", "month"], name="month_category_unit"),
            models.Index(fields=["township_id", "month"], name="month_category_township"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.metric} {self.n}"


class MonthUnitCount(models.Model):
    """The monthly counts per unit over every place: what a page without a place filter reads (about a dozen
    thousand rows a year for a county, whatever the number of items)."""

    id = models.BigAutoField(primary_key=True)
    month = models.DateField("月份")
    metric = models.CharField("指标", max_length=32)
    sub = models.CharField("分组", max_length=24, blank=True, default="")
    unit_id = models.IntegerField("单位", default=0)
    n = models.IntegerField("数量")

    class Meta:
        verbose_name = "月度单位统计"
        verbose_name_plural = "月度单位统计"
        constraints = [models.UniqueConstraint(fields=["metric", "month", "sub", "unit_id"], name="uniq_month_unit")]
        indexes = [models.Index(fields=["unit_id", "month"], name="month_unit_unit")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.metric} {self.sub} {self.n}"


class MonthTownshipCategoryCount(models.Model):
    """件次 and 人次 per month × township × top-level category over every unit (the county-wide township ×
    category table)."""

    id = models.BigAutoField(primary_key=True)
    month = models.DateField("月份")
    metric = models.CharField("指标", max_length=32)
    township_id = models.IntegerField("乡镇", default=0)
    category_id = models.IntegerField("一级分类", default=0)
    n = models.IntegerField("数量")

    class Meta:
        verbose_name = "月度乡镇分类统计"
        verbose_name_plural = "月度乡镇分类统计"
        constraints = [
            models.UniqueConstraint(fields=["metric", "month", "township_id", "category_id"],
                                    name="uniq_month_township_category")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.metric} {self.n}"


class DayUnitCount(models.Model):
    """The daily counts per unit over every place and category: the days of a custom period outside whole months."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField("统计日期")
    metric = models.CharField("指标", max_length=32)
    sub = models.CharField("分组", max_length=24, blank=True, default="")
    unit_id = models.IntegerField("单位", default=0)
    n = models.IntegerField("数量")

    class Meta:
        verbose_name = "每日单位统计"
        verbose_name_plural = "每日单位统计"
        constraints = [models.UniqueConstraint(fields=["day", "metric", "sub", "unit_id"], name="uniq_day_unit")]

    def __str__(self) -> str:
        return f"{self.day} {self.metric} {self.sub} {self.n}"


class DayTownshipCategoryCount(models.Model):
    """件次 and 人次 per day × township × top-level category over every unit (the same days, by place)."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField("统计日期")
    metric = models.CharField("指标", max_length=32)
    township_id = models.IntegerField("乡镇", default=0)
    category_id = models.IntegerField("一级分类", default=0)
    n = models.IntegerField("数量")

    class Meta:
        verbose_name = "每日乡镇分类统计"
        verbose_name_plural = "每日乡镇分类统计"
        constraints = [
            models.UniqueConstraint(fields=["day", "metric", "township_id", "category_id"],
                                    name="uniq_day_township_category")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.metric} {self.n}"
