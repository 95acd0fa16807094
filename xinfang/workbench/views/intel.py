"""Advisory suggestions as JSON for the registration and item pages, the hot-topics page, and accepting a
suggested category. Pages never wait for these: they are fetched after the page has loaded."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from xinfang.cases import secrecy
from xinfang.cases.models import Case, Category
from xinfang.cases.services import case_classify
from xinfang.cases.validators import ascii_int, nfkc
from xinfang.core import clock
from xinfang.core.errors import XinfangError
from xinfang.intelligence import services as intel
from xinfang.orgs import policies
from xinfang.orgs.models import Unit
from xinfang.orgs.permissions import Perm
from xinfang.workbench.views.detail import case_or_404


def _case_json(case: Case) -> dict:
    return {
        "id": case.pk,
        "number": case.number,
        "title": case.title,
        "received_on": case.received_on.isoformat(),
        "status": case.get_status_display(),
        "url": reverse("workbench:case_detail", args=[case.pk]),
    }


def _payload(category, units, repeats) -> dict:
    return {
        "category": None
        if category is None
        else {
            "label": category.label,
            "category_id": category.category.pk if category.category else None,
            "category_name": category.category.name if category.category else category.label,
            "confidence": round(category.confidence, 3),
            "model_version": category.model_version,
        },
        "units": [
            {"id": h.unit.pk, "name": h.unit.name, "count": h.count, "reason": h.reason} for h in units
        ],
        "repeats": [
            {**_case_json(h.case), "score": h.score, "method": h.method, "reason": h.reason} for h in repeats
        ],
        "empty_text": intel.NO_SUGGESTION,
    }


@never_cache
@require_POST
def suggest(request):
    """Suggestions while a registrar types (登记 page). POST: the petition text, identity numbers and phones
    never appear in a URL (access logs, proxies, browser history), and long texts fit."""
    if not policies.granted_paths(request.user, Perm.REGISTER):
        raise PermissionDenied("您没有登记信访件的权限")

    def field(key: str, limit: int) -> str:
        return nfkc(request.POST.get(key, ""))[:limit]

    text = f"{field('title', 200)} {field('content', 5000)}".strip()[:5000]
    hint = intel.suggest_category(text) if len(text) >= 6 else None

    def pick(model, key):
        pk = ascii_int(request.POST.get(key, ""))
        return model.objects.filter(pk=pk).first() if pk is not None else None

    category = pick(Category, "category") or (hint.category if hint else None)
    units = intel.suggest_units(request.user, category=category, place=pick(Unit, "problem_place"))
    repeats = intel.repeat_candidates(
        request.user,
        text=text if len(text) >= 10 else "",
        id_number=field("id_number", 30).strip(),
        phone=field("phone", 30).strip(),
    )
    return JsonResponse(_payload(hint, units, repeats))


@never_cache
@require_GET
def case_suggestions(request, case_id):
    case = case_or_404(request.user, case_id)
    s = intel.suggestions_for(request.user, case)
    return JsonResponse(_payload(s.category, s.units, s.repeats))


@require_POST
def case_set_category(request, case_id):
    case = case_or_404(request.user, case_id)
    pk = ascii_int(request.POST.get("category", ""))
    category = Category.objects.filter(pk=pk).first() if pk is not None else None
    if category is None:
        messages.error(request, "请选择有效的内容分类")
    else:
        try:
            case_classify(case=case, actor=request.user, category=category)
            intel.record_category_decision(case=case, user=request.user, category=category)
            messages.success(request, f"内容分类已确定为「{category.full_name}」")
        except XinfangError as exc:
            messages.error(request, str(exc))
    return redirect("workbench:case_detail", case_id=case.pk)


@require_GET
def hot_topics(request):
    try:
        days = min(max(int(request.GET.get("days", "90")), 7), 730)
    except ValueError:
        days = 90
    topics = intel.hot_topics(request.user, days=days)
    return render(
        request,
        "workbench/hot_topics.html",
        {"topics": topics, "days": days, "nav": "hot", "since": clock.today() - dt.timedelta(days=days)},
    )


@never_cache
@require_POST
def reply_check(request, case_id: int):
    """Warnings on the draft of a 处理意见书 (the reply form posts its fields here; nothing is saved)."""
    case = case_or_404(request.user, case_id)
    if not policies.can(request.user, Perm.HANDLE, case.current_unit):
        raise PermissionDenied("您不是本件的办理单位，不能检查其处理意见书")
    if secrecy.on_accused_side(request.user, case):
        # The check compares the draft with the petition's text, which this user may not read: any
        # "missing term" would echo it (docs/secrecy.md). Refused, with nothing of the text.
        raise PermissionDenied("本件检举控告的内容依法对被反映单位保密，不能进行意见书检查")
    post = request.POST
    items = [v for k, v in post.items() if k.startswith("items-") and k.endswith("-request")]
    advice = intel.reply_advice(
        case,
        request_summary=post.get("request_summary", "")[:2000],
        facts=post.get("facts", "")[:5000],
        opinion=post.get("opinion", "")[:5000],
        legal_basis=post.get("legal_basis", "")[:2000],
        items=[i[:300] for i in items[:20]],
    )
    return JsonResponse(
        {
            "checked": advice.checked,
            "warnings": advice.warnings,
            "missing_terms": advice.missing_terms,
            "empty_text": intel.NO_SUGGESTION,
        }
    )
