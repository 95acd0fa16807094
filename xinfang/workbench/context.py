"""Template context for every workbench page: what the navigation may offer this user."""

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
    }
