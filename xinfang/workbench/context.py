"""Template context for every workbench page: what the navigation may offer this user."""

from xinfang.orgs import policies
from xinfang.orgs.permissions import Perm


def nav(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"can_register": bool(policies.granted_paths(user, Perm.REGISTER))}
