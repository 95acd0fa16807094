"""工作台: the items waiting for the user's units, grouped by urgency."""

from django.shortcuts import render

from xinfang.cases.selectors import queue_for


def home(request):
    queue = queue_for(request.user)
    return render(request, "workbench/home.html", {"queue": queue, "nav": "home"})
