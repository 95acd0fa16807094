"""督办 and the error register in the admin: read only. They change only through ``supervision.services`` (with
the item's history written alongside), and nothing here is ever deleted: the register is a record of duty."""

from django.contrib import admin

from xinfang.core.admin import ReadOnlyAdmin
from xinfang.supervision.models import ErrorEntry, ErrorNote, Reminder, Supervision, SupervisionReply, Urge


@admin.register(Supervision)
class SupervisionAdmin(ReadOnlyAdmin):
    # Items are named by number only: petition content stays in the workbench (cases.admin).
    list_display = ["pk", "case_number", "unit", "level", "issued_on", "answer_due_on", "state"]
    list_filter = ["level", "state"]

    @admin.display(description="信访件编号")
    def case_number(self, obj):
        return obj.case.number


@admin.register(SupervisionReply)
class SupervisionReplyAdmin(ReadOnlyAdmin):
    list_display = ["pk", "supervision", "answering_unit", "answered_on"]
    exclude = ["text"]


@admin.register(Urge)
class UrgeAdmin(ReadOnlyAdmin):
    list_display = ["pk", "supervision", "urged_on", "automatic"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["pk", "case_number", "unit", "moment", "sent_on"]
    list_filter = ["moment"]

    @admin.display(description="信访件编号")
    def case_number(self, obj):
        return obj.case.number


@admin.register(ErrorEntry)
class ErrorEntryAdmin(ReadOnlyAdmin):
    list_display = ["pk", "unit", "kind", "rule_code", "occurred_on", "contest"]
    list_filter = ["kind", "contest"]


@admin.register(ErrorNote)
class ErrorNoteAdmin(ReadOnlyAdmin):
    list_display = ["pk", "entry", "created_at"]
