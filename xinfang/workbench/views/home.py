"""工作台: the items waiting for the user's units, grouped by urgency."""

from django.shortcuts import render

from xinfang.cases.selectors import queue_for
from xinfang.orgs import policies
from xinfang.orgs.permissions import Perm
from xinfang.supervision import views as supervision_views


def home(request):
    if not policies.granted_paths(request.user, Perm.VIEW):
        # The administrator and auditors handle no petitions: no queue, only the way to their own pages.
        return render(request, "workbench/home.html", {"queue": None, "nav": "home"})
    if _supervises_only(request.user):
        # 督查 staff handle no items of their own: their home page is the supervision board, served at "/"
        # itself (not a redirect), so signing in lands on the same address for everyone.
        return supervision_views.board(request)
    queue = queue_for(request.user)
    return render(request, "workbench/home.html", {"queue": queue, "nav": "home"})


# Permissions of someone who moves items; a holder of 督办 without any of them (Role.SUPERVISOR) has no queue.
_HANDLING = (Perm.REGISTER, Perm.ROUTE, Perm.SIGN, Perm.ACCEPT, Perm.HANDLE, Perm.REVIEW, Perm.APPROVE_EXTENSION)


def _supervises_only(user) -> bool:
    return bool(policies.granted_paths(user, Perm.SUPERVISE)) and not policies.has_any(user, _HANDLING)
