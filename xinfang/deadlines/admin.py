"""Administrators enter each year's holidays and 调休 days here when the State Council publishes them.

Saving or deleting through the admin sends the model signals, which drop the in-process calendar and rule
caches (see apps.py); other processes pick the change up within services.CACHE_SECONDS.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from xinfang.deadlines.calendar import weekday_name
from xinfang.deadlines.models import CalendarDay, CalendarYear, DeadlineRule
from xinfang.deadlines.seed import SOURCE_ADMIN


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "source", "day_count", "note", "updated_at")
    list_filter = ("source",)
    search_fields = ("year", "note")
    readonly_fields = ("updated_at",)

    @admin.display(description="节假日与调休条数")
    def day_count(self, obj: CalendarYear) -> int:
        return CalendarDay.objects.filter(date__year=obj.year).count()


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "weekday", "kind", "name", "source")
    list_filter = ("kind", "source", "name")
    search_fields = ("name", "date")
    date_hierarchy = "date"
    ordering = ("-date",)

    @admin.display(description="星期", ordering="date")
    def weekday(self, obj: CalendarDay) -> str:
        return weekday_name(obj.date)

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        # Record that a person changed the row, so a re-seed or audit can tell it from package data.
        obj.source = SOURCE_ADMIN
        super().save_model(request, obj, form, change)


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "effective_from", "days", "unit", "max_extra_days", "legal_basis")
    list_filter = ("unit", "code", "effective_from")
    search_fields = ("code", "title", "legal_basis", "start_event", "description")
    ordering = ("code", "-effective_from")

