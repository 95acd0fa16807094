"""网上信访 on the portal (/portal/submit/): the form, the receipt, and the challenge image. No login, no script.

The view only checks the limits (per address, per phone, wrong challenge answers), validates the form and
calls ``cases.online.case_register_online``. A successful submission redirects to the receipt, which is held in
the visitor's session for an hour (POST/redirect/GET: reloading the receipt submits nothing); the form's
one-time token makes a second click or a retried POST find the first item instead of registering another.
"""

from __future__ import annotations

import datetime as dt
import time

from captcha import views as captcha_views
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from xinfang.cases import online
from xinfang.cases.models import Case
from xinfang.core import clock
from xinfang.core.errors import ValidationFailed, XinfangError
from xinfang.core.middleware import client_ip
from xinfang.portal import throttle
from xinfang.portal.forms import SubmitForm

RECEIPT_KEY = "portal_receipt"
RECEIPT_SECONDS = 3600
# Form fields besides the files: a request far above the attachment cap is refused before any file is read.
_FORM_ALLOWANCE = 1024 * 1024
# What a re-rendered form keeps of what was typed (never the challenge, which is new on every page).
_KEPT = ("claim", "title", "content", "category", "problem_place", "problem_address", "accused_unit",
         "accused_person", "anonymous", "name", "phone", "address", "id_number", "email", "confidential", "promise",
         "submission_token")


def _address(request) -> str:
    return client_ip(request) or "unknown"


def _when(seconds: int) -> str:
    """The moment after ``seconds`` from now, as a person reads it: 今天 14:05, 明天 09:30, 12月3日 08:00."""
    moment = timezone.localtime(clock.now() + dt.timedelta(seconds=seconds + 59)).replace(second=0, microsecond=0)
    today = clock.today()
    if moment.date() == today:
        day = "今天"
    elif moment.date() == today + dt.timedelta(days=1):
        day = "明天"
    else:
        day = f"{moment.month}月{moment.day}日"
    return f"{day} {moment:%H:%M}"


def _claims():
    return [{"key": key, "label": c.label, "help": c.help} for key, c in online.PUBLIC_CLAIMS.items()]


def _render_form(request, form: SubmitForm, *, status: int = 200, error: str = "", notice: str = "", retry: int = 0):
    context = {
        "form": form,
        "claims": _claims(),
        "error": error,
        "notice": notice,
        "accusation": online.ACCUSATION,
        "receiving_unit_name": getattr(online.receiving_unit(), "name", ""),
    }
    response = render(request, "portal/submit.html", context, status=status)
    if retry:
        response["Retry-After"] = str(retry)
    return response


def _kept(request) -> dict[str, str]:
    return {key: request.POST.get(key, "") for key in _KEPT if request.POST.get(key, "") != ""}


def _too_many(request, message: str, wait: int):
    return _render_form(request, SubmitForm(initial=_kept(request)), status=429, error=message, retry=wait)


def _hold_receipt(request, case: Case, *, query_by_phone: bool, anonymous: bool) -> None:
    # A new session id for the browser that now holds a query code (no fixed session can read it).
    request.session.cycle_key()
    request.session[RECEIPT_KEY] = {
        "case": case.pk,
        "query_by_phone": query_by_phone,
        "anonymous": anonymous,
        "until": time.time() + RECEIPT_SECONDS,
    }


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def submit(request):
    if online.receiving_unit() is None:
        return render(request, "portal/submit_closed.html", {"reason": "closed"}, status=503)
    if request.method == "GET":
        return _render_form(request, SubmitForm())

    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > settings.XINFANG_PORTAL_ATTACHMENTS_TOTAL_BYTES + _FORM_ALLOWANCE:
        limit = settings.XINFANG_PORTAL_ATTACHMENTS_TOTAL_BYTES // 1048576
        return render(request, "portal/submit_closed.html", {"reason": "too_large", "limit": limit}, status=413)

    earlier = online.case_of_submission(request.POST.get("submission_token", ""))
    if earlier is not None:
        # The same form again (a second click, a retried request): its receipt, not a second item.
        anonymous = earlier.is_accusation and bool(request.POST.get("anonymous"))
        _hold_receipt(request, earlier, query_by_phone=bool(request.POST.get("phone", "").strip()), anonymous=anonymous)
        return redirect("portal:submit_receipt")

    limits = throttle.submit_limits()
    address = _address(request)
    wait = throttle.wait_seconds(address, limits.challenge_failures)
    if wait:
        return _too_many(request, f"验证码输入错误次数过多，请于{_when(wait)} 后再试。", wait)
    wait = throttle.wait_seconds(address, limits.per_address)
    if wait:
        return _too_many(
            request,
            f"提交过于频繁：同一网络每 {limits.per_address.seconds // 60} 分钟最多提交 {limits.per_address.count} 件，"
            f"请于{_when(wait)} 后再试。",
            wait,
        )

    if "new_challenge" in request.POST:
        lost = "；已选择的附件需要重新选择" if request.FILES else ""
        return _render_form(request, SubmitForm(initial=_kept(request)), notice=f"已换一张验证码图片{lost}。")

    form = SubmitForm(request.POST, request.FILES)
    lost = "出于安全考虑，本次选择的附件没有保存，请重新选择。" if request.FILES else ""
    if not form.is_valid():
        if form.challenge_failed:
            throttle.record(address, limits.challenge_failures)
        return _render_form(request, form, status=400, notice=lost)

    phone = form.cleaned_data["phone"]
    if phone:
        wait = throttle.wait_seconds(throttle.phone_key(phone), limits.per_phone)
        if wait:
            return _too_many(
                request,
                f"同一手机号 {limits.per_phone.seconds // 3600} 小时内最多提交 {limits.per_phone.count} 件信访事项，"
                f"请于{_when(wait)} 后再试。同一事项不必重复提交，可以凭查询码查询办理进展。",
                wait,
            )
    try:
        receipt = online.case_register_online(data=form.to_input())
    except ValidationFailed as exc:
        form.add_error(None, exc.message)
        return _render_form(request, form, status=400, notice=lost)
    if receipt.created:
        throttle.record(address, limits.per_address)
        if phone:
            throttle.record(throttle.phone_key(phone), limits.per_phone)
    _hold_receipt(request, receipt.case, query_by_phone=bool(phone), anonymous=form.cleaned_data["anonymous"])
    return redirect("portal:submit_receipt")


def _cn(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def next_steps(case: Case) -> list[str]:
    """What happens next and by when, from the item's running clock and the rules in force on its date of
    receipt (the same rules the deadline engine counts with; nothing typed here)."""
    from xinfang.deadlines.services import get_rule

    lines = []
    running = {c.rule_code: c for c in case.clocks.filter(stopped_on__isnull=True, superseded=False)}
    holder = "信访部门" if case.is_accusation else case.current_unit.name
    try:
        routing = running.get("bureau_routing")
        if routing is not None:
            rule = get_rule("bureau_routing", case.received_on)
            lines.append(
                f"{holder}应在{_cn(routing.due_on)}{'（暂定）' if routing.provisional else ''}前，"
                f"将您的信访事项转送、交办有权处理的机关，或者告知您向有权处理的机关提出"
                f"（收到之日起{rule.days}{rule.unit_label}，{rule.legal_basis}）。"
            )
        notice = running.get("acceptance_notice")
        acceptance = get_rule("acceptance_notice", case.received_on)
        if notice is not None:
            lines.append(f"有权处理的机关应在{_cn(notice.due_on)}前书面告知您是否受理（{acceptance.legal_basis}）。")
        else:
            lines.append(
                f"有权处理的机关收到后，应在{acceptance.days}{acceptance.unit_label}内书面告知您是否受理"
                f"（{acceptance.legal_basis}）。"
            )
        handling = get_rule("handling", case.received_on)
        lines.append(f"受理后，一般应在{handling.days}{handling.unit_label}内办结并出具书面处理意见（{handling.legal_basis}）。")
    except XinfangError:
        pass  # rules not loaded on this installation: the receipt still shows the number and the code
    return lines


@login_not_required
@never_cache
@require_safe
def receipt(request):
    held = request.session.get(RECEIPT_KEY) or {}
    case = online.receipt_case(held.get("case")) if held.get("until", 0) >= time.time() else None
    if case is None:
        return redirect("portal:submit")
    anonymous = held.get("anonymous", False)
    context = {
        "case": case,
        "query_by_phone": held.get("query_by_phone", False),
        "anonymous": anonymous,
        "steps": [] if anonymous else next_steps(case),
    }
    return render(request, "portal/submit_receipt.html", context)


@login_not_required
@require_POST
def receipt_close(request):
    request.session.pop(RECEIPT_KEY, None)
    return redirect("portal:query")


@login_not_required
@never_cache
@require_safe
def challenge(request, key: str):
    """The challenge image (drawn by django-simple-captcha, nothing leaves this server)."""
    return captcha_views.captcha_image(request, key, scale=1)
