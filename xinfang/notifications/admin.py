"""The outbox for administrators: what was sent, what waits, what failed and why, and 「立即重试」.

Administrators look after the system, not petitions (they hold no ``case.view``). A petitioner's message
carries their phone number or e-mail address and, for the receipt, the query code that opens their item on
the portal; so the list shows the address masked and never the text. Staff messages show their recipient.
"""

from __future__ import annotations

from django.contrib import admin, messages

from xinfang.notifications import services
from xinfang.notifications.models import Outbox
from xinfang.orgs import policies
from xinfang.orgs.permissions import Perm


def is_administrator(request) -> bool:
    user = request.user
    return bool(user.is_active and (user.is_superuser or policies.has_any(user, [Perm.ADMINISTER])))


def masked_address(address: str) -> str:
    """「138****8000」 → 「138******00」, 「zhangsan@example.com」 → 「z***@example.com」."""
    if "@" in address:
        name, _, domain = address.partition("@")
        return f"{name[:1]}***@{domain}"
    if len(address) <= 5:
        return "*" * len(address)
    return address[:3] + "*" * (len(address) - 5) + address[-2:]


@admin.register(Outbox)
class OutboxAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "channel", "kind", "case_number", "to", "state", "attempts",
                    "next_attempt_at", "sent_at", "error"]
    list_filter = ["state", "channel", "kind"]
    search_fields = ["case_number"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    fields = ["channel", "kind", "case_number", "to", "created_at", "state", "attempts", "next_attempt_at",
              "claimed_until", "sent_at", "last_error"]
    readonly_fields = fields
    actions = ["retry_now"]

    @admin.display(description="接收方")
    def to(self, obj: Outbox) -> str:
        if obj.channel == Outbox.Channel.INAPP:
            return str(obj.recipient) if obj.recipient_id else "—"
        return masked_address(obj.address)

    @admin.display(description="最近一次错误")
    def error(self, obj: Outbox) -> str:
        return obj.last_error[:80] + ("…" if len(obj.last_error) > 80 else "")

    @admin.action(description="立即重试", permissions=["retry"])
    def retry_now(self, request, queryset):
        count = services.retry_now(queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            f"已安排 {count} 条消息立即重试（由下一次 xinfang notify 或 xinfang tick 发送；正在发送或已发送的不变）",
            messages.SUCCESS,
        )

    def has_retry_permission(self, request) -> bool:
        return is_administrator(request)

    def has_module_permission(self, request) -> bool:
        return is_administrator(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_administrator(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
