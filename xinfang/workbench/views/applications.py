"""网上复查（复核）申请: the applications petitioners filed on the portal, and the organ's written decision.

The list and the item's panel show only what the user may decide (``applications_to_decide``); a decision on
anything else is a 404, the same answer as for an application that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from xinfang.cases import requests
from xinfang.cases.selectors import applications_to_decide
from xinfang.core.errors import XinfangError
from xinfang.workbench.views.detail import case_or_404


@require_safe
def application_list(request):
    rows = applications_to_decide(request.user)
    return render(request, "workbench/applications.html", {"nav": "applications", "rows": rows})


@require_POST
def application_decide(request, case_id, application_id):
    case = case_or_404(request.user, case_id)
    application = next((a for a in applications_to_decide(request.user, case) if a.pk == application_id), None)
    if application is None:
        raise Http404("未找到该申请")
    decision = request.POST.get("decision", "")
    try:
        if decision == "accept":
            done = requests.application_accept(application_id=application.pk, actor=request.user)
        elif decision == "refuse":
            done = requests.application_refuse(
                application_id=application.pk, actor=request.user, ground=request.POST.get("ground", "")
            )
        else:
            messages.error(request, "请选择受理或不予受理")
            return redirect("workbench:case_detail", case_id=case.pk)
    except XinfangError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("workbench:case_detail", args=[case.pk]) + "#applications")
    written = "，不予受理告知书已出具，请送达" if done.state == done.State.REFUSED else ""
    messages.success(request, f"{done.get_kind_display()}申请：{done.get_state_display()}{written}")
    return redirect("workbench:case_detail", case_id=case.pk)
