"""登记: the registration page and the look-up of a petitioner's earlier items (for marking a repeat)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from xinfang.cases.choices import GROUP_VISIT_MIN_PEOPLE, MAX_REPRESENTATIVES, Channel, ClaimType
from xinfang.cases.selectors import person_history
from xinfang.cases.services import case_register
from xinfang.cases.validators import nfkc
from xinfang.core.errors import PermissionRefused, ValidationFailed
from xinfang.orgs import policies
from xinfang.orgs.permissions import Perm
from xinfang.workbench.forms_register import Registration, receiving_note, units_for_registration

NO_REGISTER_PERMISSION = "您没有登记信访件的权限。如需登记，请联系系统管理员为您授予登记权限。"


@never_cache  # the page carries petitioners' personal data after a failed save
@require_http_methods(["GET", "POST"])
def case_new(request):
    units = units_for_registration(request.user)
    if not units:
        raise PermissionDenied(NO_REGISTER_PERMISSION)
    if request.method == "POST":
        reg = Registration(request.user, units, data=request.POST, files=request.FILES)
        if reg.is_valid():
            try:
                case = case_register(actor=request.user, unit=reg.unit, data=reg.to_input())
            except (ValidationFailed, PermissionRefused) as exc:
                reg.add_service_error(exc)
            else:
                messages.success(
                    request, f"已登记：编号 {case.number}，查询码 {case.query_code}（请告知信访人：凭查询码和手机号后四位可在 /portal/ 查询办理进展）"
                )
                if case.registering_unit_id != case.current_unit_id and case.is_accusation:
                    # An accusation against the registering unit went to the lawful organ at once; this
                    # unit no longer sees it (docs/secrecy.md).
                    messages.info(
                        request,
                        f"本单位属被反映单位，本件已依法移交「{case.current_unit.name}」办理，本单位不再查看本件。",
                    )
                    return redirect("workbench:case_new")
                return redirect("workbench:case_detail", case_id=case.pk)
    else:
        reg = Registration(request.user, units)
    context = {
        "reg": reg,
        "form": reg.form,
        "formset": reg.formset,
        "single_unit": units[0] if len(units) == 1 else None,
        "single_unit_note": receiving_note(units[0]),
        "nav": "new",
        # The script shows the group and 检举控告 blocks from these, so the rule stays in one place.
        "visit": Channel.VISIT,
        "accusation": ClaimType.ACCUSATION,
        "group_min": GROUP_VISIT_MIN_PEOPLE,
        "max_reps": MAX_REPRESENTATIVES,
    }
    return render(request, "workbench/case_new.html", context)


@never_cache
@require_POST
def person_items(request):
    """JSON: the earlier items of the person typed into a petitioner row, as far as the user may see them.

    POST (with the page's CSRF token): identity numbers, phones and names stay out of URLs and access logs.
    """
    if not policies.granted_paths(request.user, Perm.REGISTER):
        raise PermissionDenied(NO_REGISTER_PERMISSION)
    cases = person_history(
        request.user,
        id_number=nfkc(request.POST.get("id_number"))[:30],
        phone=nfkc(request.POST.get("phone"))[:30],
        name=nfkc(request.POST.get("name"))[:50],
    )
    items = [
        {
            "id": case.pk,
            "number": case.number,
            "received_on": case.received_on.isoformat(),
            "title": case.title,
            "status": case.get_status_display(),
            "url": reverse("workbench:case_detail", args=[case.pk]),
        }
        for case in cases
    ]
    return JsonResponse({"items": items})
