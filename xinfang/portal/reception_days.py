"""领导接访日 on the public portal: who receives visitors, when and where ([T22-18]; the schedule is kept by
the 信访部门 in ``xinfang.leaders``). Only the leader's name and post are public; nothing about staff accounts,
items or visitors reaches this page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from xinfang.leaders.selectors import upcoming_reception_days


@login_not_required
@require_safe
def reception_days(request):
    return render(request, "portal/reception_days.html", {"days": upcoming_reception_days()})
