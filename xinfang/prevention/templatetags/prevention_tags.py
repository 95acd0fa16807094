"""The navigation link to the ledger, decided here so the workbench's context processor need not know this app."""

from django import template

from xinfang.prevention.selectors import may_see_ledger

register = template.Library()


@register.filter
def may_see_prevention(user) -> bool:
    return bool(user and user.is_authenticated and may_see_ledger(user))
