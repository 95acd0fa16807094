"""工作台: the items waiting for the user's units, grouped by urgency."""

from django.shortcuts import render

from xinfang.cases.selectors import queue_for
from xinfang.orgs import policies
from xinfang.orgs.permissions import Perm


def home(request):
    if not policies.granted_paths(request.user, Perm.VIEW):
        # The administrator and auditors handle no petitions: no queue, only the way to their own pages.
        return render(request, "workbench/home.html", {"queue": None, "nav": "home"})
    queue = queue_for(request.user)
    return render(request, "workbench/home.html", {"queue": queue, "nav": "home"})
