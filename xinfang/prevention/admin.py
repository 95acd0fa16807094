from django.contrib import admin

from xinfang.core.admin import ReadOnlyAdmin
from xinfang.prevention.models import (
    AssessmentLink,
    DisputeEntry,
    FollowUp,
    JointMeeting,
    MeetingDecision,
    Revision,
    StabilityAssessment,
)


class FollowUpInline(admin.TabularInline):
    model = FollowUp
    extra = 0
    raw_id_fields = ("author", "edited_by")


@admin.register(DisputeEntry)
class DisputeEntryAdmin(admin.ModelAdmin):
    list_display = ("reported_on", "township", "place", "dispute_type", "parties", "risk_level", "resolution")
    list_filter = ("dispute_type", "risk_level", "resolution", "township")
    search_fields = ("parties", "summary")
    raw_id_fields = ("place", "township", "responsible_unit", "reporter", "case")
    inlines = [FollowUpInline]


class DecisionInline(admin.TabularInline):
    model = MeetingDecision
    extra = 0
    raw_id_fields = ("owner_unit", "done_by", "updated_by")


@admin.register(JointMeeting)
class JointMeetingAdmin(admin.ModelAdmin):
    list_display = ("held_on", "topic", "unit")
    raw_id_fields = ("unit", "created_by", "updated_by", "cases", "entries")
    filter_horizontal = ("units_present",)
    inlines = [DecisionInline]


@admin.register(MeetingDecision)
class MeetingDecisionAdmin(admin.ModelAdmin):
    list_display = ("text", "owner_unit", "due_on", "done_on")
    list_filter = ("done_on",)
    raw_id_fields = ("meeting", "owner_unit", "done_by", "updated_by")


class LinkInline(admin.TabularInline):
    model = AssessmentLink
    extra = 0
    raw_id_fields = ("case", "created_by")


@admin.register(StabilityAssessment)
class StabilityAssessmentAdmin(admin.ModelAdmin):
    list_display = ("decided_on", "decision", "unit", "risk_level")
    list_filter = ("risk_level",)
    raw_id_fields = ("unit", "created_by")
    inlines = [LinkInline]


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    """The history of corrections is append-only: changing it by hand would defeat it."""

    list_display = ("created_at", "kind", "actor")
    list_filter = ("kind",)
