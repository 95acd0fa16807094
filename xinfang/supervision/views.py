"""Supervision pages (督查督办). Thin: parse the input, call one selector or service, render.

Every item comes through ``access_case`` and every 督办 or error entry through its ``access_*`` selector, so
a user of another unit gets 404, exactly as for a row that does not exist. Sign-in is required by the
middleware (``LoginRequiredMiddleware``).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from xinfang.cases.models import Category
from xinfang.cases.selectors import access_case, cases_visible_to
from xinfang.cases.validators import ascii_int
from xinfang.core import clock
from xinfang.core.errors import NotFound, XinfangError
from xinfang.orgs import policies
from xinfang.orgs.models import Unit
from xinfang.orgs.permissions import Perm
from xinfang.supervision import ladder, selectors, services
from xinfang.supervision.forms import DecideForm, IssueForm, NoteForm, ReplyForm, TextForm


def _or_404(fn, *args):
    try:
        return fn(*args)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((raw or "").strip()) if raw else None
    except ValueError:
        return None


def _back(request, fallback: str, **kwargs):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback, **kwargs)


def _filters(request) -> selectors.BoardFilters:
    """Board filters from the query string; a unit outside the user's scope is 404, never an empty page that
    would tell the unit's counts apart from "no such unit"."""
    get = request.GET
    scope = set(selectors.scope_unit_ids(request.user))
    f = selectors.BoardFilters(start_from=_date(get.get("from")), start_to=_date(get.get("to")))
    unit_id = ascii_int(get.get("unit", ""))
    if unit_id is not None:
        if unit_id not in scope:
            raise Http404("未找到该单位")
        f.unit = Unit.objects.get(pk=unit_id)
    town_id = ascii_int(get.get("township", ""))
    if town_id is not None:
        f.township = Unit.objects.filter(pk=town_id).first()
    cat_id = ascii_int(get.get("category", ""))
    if cat_id is not None:
        f.category = Category.objects.filter(pk=cat_id).first()
    level = get.get("level", "")
    f.level = level if level in ladder.Level.values else ""
    f.rule = (get.get("rule", "") or "")[:24]
    return f


def _page(request, template: str, context: dict):
    """Render a supervision page; the sub-navigation offers only the pages this user may open."""
    user = request.user
    context.setdefault("nav", "supervision")
    context["sub_supervise"] = bool(policies.granted_paths(user, Perm.SUPERVISE))
    context["sub_handle"] = bool(policies.granted_paths(user, Perm.HANDLE))
    return render(request, template, context)


def _scoped(request) -> None:
    if not selectors.scope_unit_ids(request.user):
        raise Http404("您的账号不办理信访件")


@require_GET
def board(request):
    _scoped(request)
    f = _filters(request)
    data = selectors.board(request.user, f)
    base = reverse("supervision:items") + "?" + (f.row_query + "&" if f.row_query else "")
    return _page(request, "supervision/board.html", {
        "nav": "supervision", "board": data, "filters": f, "board_rows": _board_rows_html(data.rows, base),
        "units": selectors.units_in_scope(request.user),
        "townships": selectors.townships_in_scope(request.user),
        "categories": Category.objects.filter(level=1, is_active=True).order_by("code"),
        "levels": [(lv.value, lv.label, ladder.LEVEL_CSS[lv]) for lv in ladder.LEVELS],
        "can_supervise": bool(policies.granted_paths(request.user, Perm.SUPERVISE)),
    })


def _board_rows_html(rows, base: str) -> str:
    """The board's table body. Written here rather than in the template: a county board has several hundred
    rows of five links each, and the template engine took most of the page's time to render them."""
    out = []
    for row in rows:
        prefix = escape(f"{base}unit={row.unit.pk}&rule={quote(row.rule)}")
        cells = "".join(
            f'<td class="num"><a class="badge {css}" data-level="{code}" href="{prefix}&amp;level={code}">{n}</a></td>'
            if n else '<td class="num"><span class="muted">0</span></td>'
            for code, n, css in row.cells()
        )
        out.append(
            f'<tr data-unit="{row.unit.pk}" data-rule="{escape(row.rule)}"><td>{escape(row.unit.name)}</td>'
            f'<td>{escape(row.rule_label)}</td>{cells}<td class="num"><a href="{prefix}">{row.total}</a></td></tr>'
        )
    return mark_safe("\n".join(out))  # noqa: S308 (every value above is escaped or a number)


@require_GET
def items(request):
    _scoped(request)
    f = _filters(request)
    rows, truncated = selectors.board_items(request.user, f)
    return _page(request, "supervision/items.html", {
        "nav": "supervision", "rows": rows, "truncated": truncated, "filters": f,
        "level_label": ladder.level_label(f.level) if f.level else "全部",
        "rule_label": selectors.rule_labels().get(f.rule, f.rule) if f.rule else "全部期限",
        "unit_label": f.unit.name if f.unit else "全部单位",
        "can_supervise": bool(policies.granted_paths(request.user, Perm.SUPERVISE)),
        "issue_form": IssueForm(initial={"level": "general"}),
    })


@require_GET
def open_list(request):
    if not policies.granted_paths(request.user, Perm.SUPERVISE):
        raise Http404("您没有督办权限")
    return _page(request, "supervision/open_list.html", {
        "nav": "supervision", "rows": selectors.open_supervisions(request.user), "today": clock.today(),
    })


@require_GET
def awaiting(request):
    if not policies.granted_paths(request.user, Perm.HANDLE):
        raise Http404("您的账号不办理信访件")
    return _page(request, "supervision/awaiting.html", {
        "nav": "supervision", "rows": selectors.awaiting_reply(request.user), "today": clock.today(),
    })


@require_POST
def issue(request, case_id):
    case = _or_404(access_case, request.user, case_id)
    return _issue(request, [case], fallback=("workbench:case_detail", {"case_id": case.pk}))


@require_POST
def issue_batch(request):
    """督办 several items from a board list at once (all or nothing)."""
    ids = [i for i in (ascii_int(x) for x in request.POST.getlist("case")) if i is not None]
    cases = list(cases_visible_to(request.user).filter(pk__in=ids).select_related("current_unit"))
    if not ids or len(cases) != len(set(ids)):
        raise Http404("未找到所选信访件")
    return _issue(request, cases, fallback=("supervision:open_list", {}))


def _issue(request, cases, *, fallback):
    form = IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, "督办未发出：" + "；".join(e for errs in form.errors.values() for e in errs))
        return _back(request, fallback[0], **fallback[1])
    try:
        done = services.supervision_issue(cases=cases, actor=request.user, **form.cleaned_data)
    except XinfangError as exc:
        messages.error(request, f"督办未发出：{exc}")
    else:
        numbers = "、".join(s.letter.number for s in done if s.letter)
        messages.success(request, f"已发出督办函 {numbers}，共 {len(done)} 件")
    return _back(request, fallback[0], **fallback[1])


@require_POST
def reply(request, supervision_id):
    sup = _or_404(selectors.access_supervision, request.user, supervision_id)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data.get("attachment")
        try:
            services.supervision_reply(
                supervision=sup, actor=request.user, text=form.cleaned_data["text"],
                attachment=upload.read() if upload else None, attachment_name=upload.name if upload else "",
            )
        except XinfangError as exc:
            messages.error(request, f"回复未保存：{exc}")
        else:
            messages.success(request, "督办回复已提交，等待信访部门审核办结")
    else:
        messages.error(request, "请填写回复内容")
    return _back(request, "workbench:case_detail", case_id=sup.case_id)


def _with_note(request, supervision_id, service, done: str):
    """办结 and 催办: the same note form, the same service call and the same way back to the item."""
    sup = _or_404(selectors.access_supervision, request.user, supervision_id)
    form = NoteForm(request.POST)
    try:
        service(supervision=sup, actor=request.user, note=form.cleaned_data.get("note", "") if form.is_valid() else "")
    except XinfangError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return _back(request, "workbench:case_detail", case_id=sup.case_id)


@require_POST
def close(request, supervision_id):
    return _with_note(request, supervision_id, services.supervision_close, "督办已办结")


@require_POST
def urge(request, supervision_id):
    return _with_note(request, supervision_id, services.supervision_urge, "已催办")


@require_POST
def remind(request, case_id):
    case = _or_404(access_case, request.user, case_id)
    form = NoteForm(request.POST)
    try:
        r = services.reminder_send(case=case, actor=request.user,
                                   note=form.cleaned_data.get("note", "") if form.is_valid() else "")
    except XinfangError as exc:
        messages.error(request, f"提醒函未发出：{exc}")
    else:
        messages.success(request, f"已发出提醒函 {r.document.number}")
    return _back(request, "workbench:case_detail", case_id=case.pk)


# --- 差错登记 ------------------------------------------------------------------------------------------------


@require_GET
def errors(request):
    units = selectors.error_units(request.user)
    if not units:
        raise Http404("您的账号不办理信访件")
    unit = None
    unit_id = ascii_int(request.GET.get("unit", ""))
    if unit_id is not None:
        unit = next((u for u in units if u.pk == unit_id), None)
        if unit is None:
            raise Http404("未找到该单位")
    month = _date(f"{request.GET.get('month', '')}-01") if request.GET.get("month") else None
    rows, truncated = selectors.error_list(request.user, unit=unit, month=month)
    return _page(request, "supervision/errors.html", {
        "nav": "supervision", "rows": rows, "truncated": truncated, "units": units, "unit": unit,
        "month": month.strftime("%Y-%m") if month else "", "decide_form": DecideForm(),
    })


def _error_action(request, entry_id, fn, form_class, done: str, **fixed):
    entry = _or_404(selectors.access_error, request.user, entry_id)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写必填内容")
    else:
        try:
            fn(entry=entry, actor=request.user, **fixed, **_error_args(form.cleaned_data))
        except XinfangError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, done)
    return _back(request, "supervision:errors")


def _error_args(data: dict) -> dict:
    if "decision" in data:
        return {"withdraw": data["decision"] == "withdraw", "note": data["note"]}
    return data


@require_POST
def error_annotate(request, entry_id):
    return _error_action(request, entry_id, services.error_annotate, TextForm, "批注已保存")


@require_POST
def error_contest(request, entry_id):
    def contest(*, entry, actor, text):
        return services.error_contest(entry=entry, actor=actor, reason=text)

    return _error_action(request, entry_id, contest, TextForm, "异议已提出，等待信访部门裁定")


@require_POST
def error_decide(request, entry_id):
    return _error_action(request, entry_id, services.error_decide, DecideForm, "已裁定")
