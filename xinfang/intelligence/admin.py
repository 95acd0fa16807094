from django.contrib import admin

from xinfang.intelligence.models import CategorySuggestion


@admin.display(description="信访件编号")
def case_number(obj) -> str:
    # The number only: an item's title is petition content, which the admin site never shows.
    return obj.case.number


@admin.register(CategorySuggestion)
class CategorySuggestionAdmin(admin.ModelAdmin):
    list_display = [case_number, "label", "confidence", "model_version", "accepted", "created_at"]
    list_filter = ["model_version", "accepted"]
    list_select_related = ["case"]
    fields = ["label", "category", "confidence", "model_version", "accepted", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
