"""The admin site manages settings (the content taxonomy) and shows the bookkeeping of clocks and refused
attempts. It never shows petition content or personal data: items, petitioners, attachments, opinions,
histories and notifications are read only in the workbench, through the scoped selectors and the disclosure
door (``cases.disclosure``) that logs every view (decisions §5, docs/secrecy.md). Rows here name an item by
its number only, never by its title.
"""

from django.contrib import admin

from xinfang.cases.models import Category, Clock, RefusedAttempt
from xinfang.core.admin import ReadOnlyAdmin


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name"]




@admin.display(description="信访件编号")
def case_number(obj) -> str:
    return obj.case.number


@admin.register(Clock)
class ClockAdmin(ReadOnlyAdmin):
    list_display = [case_number, "rule_code", "started_on", "due_on", "stopped_on", "on_time"]
    list_filter = ["rule_code", "on_time"]
    list_select_related = ["case"]
    fields = ["rule_code", "started_on", "extra_days", "due_on", "stopped_on", "on_time", "paused", "superseded"]


@admin.register(RefusedAttempt)
class RefusedAttemptAdmin(ReadOnlyAdmin):
    list_display = ["user", case_number, "action", "created_at"]
    list_select_related = ["case", "user"]
    # The reason names the accused unit of an accusation: it is for the audit, not for account management.
    fields = ["user", "action", "created_at"]
