from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from xinfang.orgs.models import Grant, Unit, User


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent", "head", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent", "head", "party_secretary"]


class GrantInline(admin.TabularInline):
    model = Grant
    extra = 1
    autocomplete_fields = ["unit"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "unit", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "unit__kind"]
    search_fields = ["username", "full_name", "phone"]
    autocomplete_fields = ["unit"]
    inlines = [GrantInline]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("信访通", {"fields": ("full_name", "unit", "phone")}),
    )


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__full_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]
