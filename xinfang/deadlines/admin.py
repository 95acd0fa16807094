"""Administrators enter each year's holidays and 调休 days here when the State Council publishes them, then
confirm the year on its preview page (every holiday and 调休 working day listed): only a confirmed year is
loaded (decisions §2).

Saving or deleting through the admin sends the model signals, which write a new CalendarStamp: every server
process rebuilds its calendar before its next computation.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html

from xinfang.core.errors import XinfangError
from xinfang.deadlines import services
from xinfang.deadlines.calendar import weekday_name
from xinfang.deadlines.models import CalendarDay, CalendarYear, DeadlineRule
from xinfang.deadlines.seed import SOURCE_ADMIN


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "source", "day_count", "confirmation", "note", "updated_at")
    list_filter = ("source",)
    search_fields = ("year", "note")
    readonly_fields = ("updated_at", "confirmed_at", "confirmed_by")

    @admin.display(description="节假日与调休条数")
    def day_count(self, obj: CalendarYear) -> int:
        return CalendarDay.objects.filter(date__year=obj.year).count()

    @admin.display(description="确认状态")
    def confirmation(self, obj: CalendarYear) -> str:
        url = reverse("admin:deadlines_calendaryear_confirm", args=[obj.year])
        if obj.confirmed:
            return format_html('已确认 · <a href="{}">查看</a>', url)
        return format_html('<strong>未确认（期限暂定）</strong> · <a href="{}">预览并确认</a>', url)

    def get_urls(self) -> list[Any]:
        extra = [
            path(
                "<int:year>/confirm/",
                self.admin_site.admin_view(self.confirm_view),
                name="deadlines_calendaryear_confirm",
            )
        ]
        return extra + super().get_urls()

    def confirm_view(self, request: HttpRequest, year: int) -> HttpResponse:
        """Preview every holiday and 调休 working day of ``year``; POST confirms it (decisions §2)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        changelist = reverse("admin:deadlines_calendaryear_changelist")
        try:
            if request.method == "POST":
                summary = services.confirm_year(year, actor=request.user)
                self.message_user(request, summary.message(), messages.SUCCESS)
                return HttpResponseRedirect(changelist)
            preview = services.year_preview(year)
        except XinfangError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(changelist)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"{year} 年放假安排预览与确认",
            "preview": preview,
            "changelist_url": changelist,
        }
        return render(request, "admin/deadlines/calendaryear/confirm.html", context)


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

