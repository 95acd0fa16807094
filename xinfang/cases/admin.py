from django.contrib import admin

from xinfang.cases.models import Case, CaseEvent, Category, Clock, Notification, RefusedAttempt


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Items and their history change only through the workflow services, never by hand in the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "status", "current_unit", "received_on", "due_on"]
    list_filter = ["status", "channel", "claim_type"]
    search_fields = ["number", "title"]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["case", "action", "actor", "from_status", "to_status", "effective_on", "created_at"]
    list_filter = ["action"]


@admin.register(Clock)
class ClockAdmin(ReadOnlyAdmin):
    list_display = ["case", "rule_code", "started_on", "due_on", "stopped_on", "on_time"]
    list_filter = ["rule_code", "on_time"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "kind", "case", "created_at", "read_at"]


@admin.register(RefusedAttempt)
class RefusedAttemptAdmin(ReadOnlyAdmin):
    list_display = ["user", "case", "action", "created_at"]
