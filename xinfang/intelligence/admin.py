from django.contrib import admin

from xinfang.intelligence.models import CategorySuggestion


@admin.register(CategorySuggestion)
class CategorySuggestionAdmin(admin.ModelAdmin):
    list_display = ["case", "label", "confidence", "model_version", "accepted", "created_at"]
    list_filter = ["model_version", "accepted"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
