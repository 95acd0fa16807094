"""Read-only bookkeeping of the leaders' records. Like the items themselves (``cases.admin``), these are written
only through ``leaders.services`` (each write records an event in the items' history), and the admin shows no
petition content: plans, minutes and instructions are read on the scoped staff pages."""

from django.contrib import admin

from xinfang.core.admin import ReadOnlyAdmin
from xinfang.leaders.models import CaseOwnership, DownVisit, Instruction, ReceptionDay


@admin.register(CaseOwnership)
class CaseOwnershipAdmin(ReadOnlyAdmin):
    list_display = ["pk", "leader", "state", "started_on", "deadline", "concluded_on", "settled_checked_on"]
    list_filter = ["state"]
    fields = ["leader", "leader_post", "state", "started_on", "deadline", "concluded_on", "settled_checked_on"]


@admin.register(Instruction)
class InstructionAdmin(ReadOnlyAdmin):
    list_display = ["pk", "case_number", "leader", "unit", "issued_on", "due_on", "answered_at"]
    fields = ["leader", "unit", "issued_on", "due_on", "answered_by", "answered_at"]
    list_select_related = ["case", "leader", "unit"]

    @admin.display(description="信访件编号")
    def case_number(self, obj):
        return obj.case.number


@admin.register(ReceptionDay)
class ReceptionDayAdmin(ReadOnlyAdmin):
    list_display = ["on", "leader_name", "leader_post", "time", "place", "cancelled_at"]
    date_hierarchy = "on"
    fields = ["leader_name", "leader_post", "on", "time", "place", "topics", "created_by", "created_at",
              "updated_by", "updated_at", "cancelled_by", "cancelled_at", "cancel_reason"]


@admin.register(DownVisit)
class DownVisitAdmin(ReadOnlyAdmin):
    list_display = ["on", "leader", "place", "people_met"]
    fields = ["leader", "on", "place", "people_met", "recorded_by", "created_at", "updated_by", "updated_at"]
