"""工作台: the items waiting for the user's units, grouped by urgency."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from xinfang.cases.selectors import queue_for


@login_required
def home(request):
    queue = queue_for(request.user)
    return render(request, "workbench/home.html", {"queue": queue, "nav": "home"})
