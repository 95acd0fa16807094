"""Template context for every workbench page: what the navigation may offer this user, and the year-end warning."""

from xinfang.cases.inbox import unread_count
from xinfang.leaders.rules import is_leader
from xinfang.orgs import policies
from xinfang.orgs.permissions import Perm


def nav(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "can_register": bool(policies.granted_paths(user, Perm.REGISTER)),
        # Accounts that handle no petitions (the administrator, auditors) are not offered the item pages.
        "can_view_cases": bool(policies.granted_paths(user, Perm.VIEW)),
        "can_audit": bool(policies.granted_paths(user, Perm.VIEW_ACCESS_LOG)),
        # 包案/阅批 and the unit's workload are pages of leaders and unit heads (who may approve extensions).
        "can_lead": is_leader(user),
        "can_manage_unit": bool(policies.granted_paths(user, Perm.APPROVE_EXTENSION)),
        # The bell on every page: one indexed count of the user's own unread messages.
        "inbox_unread": unread_count(user),
    }


def calendar_warning(request):
    """From 1 October (Asia/Shanghai) until next year's schedule is confirmed, warn administrators and the bureau
    (decisions §2): until then every clock reaching that year is provisional (暂定).

    The bureau is whoever may route items (case.route); administrators hold orgs.administer or are Django staff.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from xinfang.deadlines.services import next_year_pending

    year = next_year_pending()
    if year is None:
        return {}
    if not (
        user.is_staff
        or user.is_superuser
        or policies.granted_paths(user, Perm.ADMINISTER)
        or policies.granted_paths(user, Perm.ROUTE)
    ):
        return {}
    return {"calendar_pending_year": year}
