"""Staff pages of 包案, 阅批, 积案, 领导接访日 and 下访. Thin: parse the form, call one service or selector, render.

Everything not visible to the user is a 404, the same as something that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.cases.models import Case
from xinfang.cases.selectors import access_case, related_items
from xinfang.core import clock
from xinfang.core.errors import NotFound, XinfangError
from xinfang.leaders import forms, rules, selectors, services
from xinfang.leaders.models import Milestone


def _case(user, case_id) -> Case:
    try:
        return access_case(user, case_id)
    except NotFound as exc:
        raise Http404("未找到该信访件") from exc


def _ownership(user, ownership_id):
    try:
        return selectors.access_ownership(user, ownership_id)
    except NotFound as exc:
        raise Http404("未找到该包案") from exc


def _page(request, template: str, context: dict):
    """Render with what the section's tabs need: who may see the 接访日 and 下访 pages."""
    context.setdefault("is_leader", rules.is_leader(request.user))
    context.setdefault("manages_days", services.may_manage_reception_days(request.user))
    context.setdefault("nav", "leaders")
    return render(request, template, context)


def _form_error(form, exc: XinfangError) -> None:
    """Put a service's refusal on the field it names, else at the top of the form."""
    field = getattr(exc, "field", None)
    form.add_error(field if field in form.fields else None, str(exc))


def _errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@require_GET
def home(request):
    user = request.user
    return _page(request, "leaders/home.html", {
        "nav": "leaders",
        "rows": selectors.leader_cases(user),
        "issued": selectors.instructions_issued_by(user),
        "waiting": selectors.open_instructions(user),
        "is_leader": rules.is_leader(user),
        "manages_days": services.may_manage_reception_days(user),
        "today": clock.today(),
    })


@require_http_methods(["GET", "POST"])
def take(request, case_id):
    case = _case(request.user, case_id)
    if not selectors.can_take(request.user, case):
        # Not a leader of this item's unit, or it already has one: the page is not offered at all.
        raise Http404("该操作当前不可用")
    earlier, later = related_items(request.user, case)
    related = [c for c in earlier + later if rules.leads_unit(request.user, c.current_unit)]
    if request.method == "POST":
        form = forms.TakeForm(request.POST, leader=request.user, related=related)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ownership = services.ownership_take(
                    leader=request.user, cases=[case, *data["related"]], title=data["title"], plan=data["plan"],
                    deadline=data["deadline"], team_units=data["team_units"], team_members=data["team_members"],
                    leader_post=data["leader_post"],
                )
            except XinfangError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已包案，请列出工作节点")
                return redirect("leaders:ownership", ownership_id=ownership.pk)
    else:
        form = forms.TakeForm(
            initial={"title": case.title, "deadline": clock.today() + _default_days()},
            leader=request.user, related=related,
        )
    return _page(request, "leaders/take.html", {"case": case, "form": form, "nav": "leaders"})


def _default_days():
    import datetime as dt

    return dt.timedelta(days=30)


@require_GET
def ownership(request, ownership_id):
    obj = _ownership(request.user, ownership_id)
    editable = selectors.may_edit_ownership(request.user, obj)
    today = clock.today()
    return _page(request, "leaders/ownership.html", {
        "nav": "leaders",
        "o": obj,
        "items": selectors.ownership_items(request.user, obj),
        "milestones": list(obj.milestones.select_related("done_by").order_by("due_on", "pk")),
        "notes": list(obj.notes.select_related("recorded_by").order_by("held_on", "pk")),
        "team_units": list(obj.team_units.order_by("path")),
        "team_members": list(obj.team_members.select_related("unit").order_by("pk")),
        "next": selectors.next_action(obj, today),
        "today": today,
        "editable": editable,
        "is_leader": request.user.pk == obj.leader_id,
        "watch_until": rules.settled_window_end(obj.concluded_on) if obj.concluded_on else None,
        "settled_days": rules.settled_days(),
        "milestone_form": forms.MilestoneForm(prefix="m") if editable else None,
        "note_form": forms.NoteForm(prefix="n", initial={"held_on": today}) if editable else None,
        "conclude_form": forms.ConcludeForm(prefix="c") if editable and request.user.pk == obj.leader_id else None,
    })


def _back(obj, anchor: str = ""):
    return redirect(reverse("leaders:ownership", args=[obj.pk]) + anchor)


def _run(request, obj, form, call, done: str, anchor: str):
    if not form.is_valid():
        _errors(request, form)
        return _back(obj, anchor)
    try:
        call(form.cleaned_data)
    except XinfangError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return _back(obj, anchor)


@require_POST
def milestone_add(request, ownership_id):
    obj = _ownership(request.user, ownership_id)
    form = forms.MilestoneForm(request.POST, prefix="m")
    return _run(request, obj, form, lambda d: services.milestone_add(
        ownership=obj, actor=request.user, due_on=d["due_on"], text=d["text"]), "已添加工作节点", "#milestones")


@require_POST
def milestone_done(request, ownership_id, milestone_id):
    obj = _ownership(request.user, ownership_id)
    milestone = Milestone.objects.filter(pk=milestone_id, ownership=obj).first()
    if milestone is None:
        raise Http404("未找到该工作节点")
    try:
        services.milestone_complete(milestone=milestone, actor=request.user)
    except XinfangError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "工作节点已完成")
    return _back(obj, "#milestones")


@require_POST
def note_add(request, ownership_id):
    obj = _ownership(request.user, ownership_id)
    form = forms.NoteForm(request.POST, prefix="n")
    return _run(request, obj, form, lambda d: services.note_add(
        ownership=obj, actor=request.user, held_on=d["held_on"], text=d["text"], attendees=d["attendees"]),
        "已记录会议纪要", "#notes")


@require_POST
def conclude(request, ownership_id):
    obj = _ownership(request.user, ownership_id)
    form = forms.ConcludeForm(request.POST, prefix="c")
    return _run(request, obj, form, lambda d: services.ownership_conclude(
        ownership=obj, actor=request.user, outcome=d["outcome"]), "已确认化解结果，进入息诉罢访观察期", "#outcome")


@require_POST
def instruct(request, case_id):
    case = _case(request.user, case_id)
    if not rules.leads_unit(request.user, case.current_unit):
        raise Http404("该操作当前不可用")
    form = forms.InstructionForm(request.POST)
    target = reverse("workbench:case_detail", args=[case.pk]) + "#leaders"
    if not form.is_valid():
        _errors(request, form)
        return redirect(target)
    try:
        services.instruction_issue(case=case, leader=request.user, **form.cleaned_data)
    except XinfangError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"批示已交{case.current_unit.name}落实，并通知其负责人")
    return redirect(target)


@require_POST
def answer(request, instruction_id):
    try:
        instruction = selectors.access_instruction(request.user, instruction_id)
    except NotFound as exc:
        raise Http404("未找到该批示") from exc
    form = forms.AnswerForm(request.POST)
    target = reverse("workbench:case_detail", args=[instruction.case_id]) + "#leaders"
    if not form.is_valid():
        _errors(request, form)
        return redirect(target)
    try:
        services.instruction_answer(instruction=instruction, actor=request.user, answer=form.cleaned_data["answer"])
    except NotFound as exc:
        raise Http404("未找到该批示") from exc
    except XinfangError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已书面报告落实情况")
    return redirect(target)


@require_GET
def backlog(request):
    return _page(request, "leaders/backlog.html", {
        "nav": "leaders", "rows": selectors.backlog(request.user), "min_days": rules.backlog_days(),
    })


@require_http_methods(["GET", "POST"])
def reception_days(request):
    if not services.may_manage_reception_days(request.user):
        raise Http404("未找到该页面")
    form = forms.ReceptionDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            day = services.reception_day_save(actor=request.user, data=services.ReceptionDayInput(**form.cleaned_data))
        except XinfangError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"已安排 {day.on:%Y-%m-%d} {day.leader_name}接访，门户网站同步公布")
            return redirect("leaders:reception_days")
    return _page(request, "leaders/reception_days.html", {
        "nav": "leaders", "days": selectors.reception_days_for_staff(request.user), "form": form,
        "today": clock.today(),
    })


def _reception_day(user, day_id):
    try:
        return selectors.access_reception_day(user, day_id)
    except NotFound as exc:
        raise Http404("未找到该接访日") from exc


@require_http_methods(["GET", "POST"])
def reception_day(request, day_id):
    day = _reception_day(request.user, day_id)
    candidates = selectors.reception_day_candidates(request.user, day)
    if request.method == "POST":
        wanted = set(request.POST.getlist("items"))
        chosen = [c for c in candidates if str(c.pk) in wanted]
        try:
            added = services.reception_day_link_items(day=day, actor=request.user, cases=chosen)
        except XinfangError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"已关联 {len(added)} 件来访件")
        return redirect("leaders:reception_day", day_id=day.pk)
    linked = {c.pk for c in selectors.reception_day_items(request.user, day)}
    return _page(request, "leaders/reception_day.html", {
        "nav": "leaders", "day": day, "candidates": candidates, "linked": linked,
        "frozen": services.reception_day_frozen_reason(day),
    })


def _day_edit_page(request, day, *, form=None, cancel_form=None):
    """The change and cancel forms of a day; once it may no longer change, only the reason why."""
    return _page(request, "leaders/reception_day_edit.html", {
        "nav": "leaders", "day": day, "frozen": services.reception_day_frozen_reason(day),
        "form": form or forms.ReceptionDayForm(initial=forms.reception_day_initial(day)),
        "cancel_form": cancel_form or forms.ReceptionDayCancelForm(prefix="c"),
    })


@require_http_methods(["GET", "POST"])
def reception_day_edit(request, day_id):
    day = _reception_day(request.user, day_id)
    if request.method != "POST":
        return _day_edit_page(request, day)
    form = forms.ReceptionDayForm(request.POST)
    if form.is_valid():
        try:
            saved = services.reception_day_save(
                actor=request.user, data=services.ReceptionDayInput(**form.cleaned_data), day=day
            )
        except XinfangError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"已修改 {saved.on:%Y-%m-%d} {saved.leader_name}接访安排，门户网站同步更新")
            return redirect("leaders:reception_day", day_id=day.pk)
    return _day_edit_page(request, day, form=form)


@require_POST
def reception_day_cancel(request, day_id):
    day = _reception_day(request.user, day_id)
    form = forms.ReceptionDayCancelForm(request.POST, prefix="c")
    if form.is_valid():
        try:
            services.reception_day_cancel(day=day, actor=request.user, reason=form.cleaned_data["reason"])
        except XinfangError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"已取消 {day.on:%Y-%m-%d} {day.leader_name}接访，门户网站不再公布")
            return redirect("leaders:reception_day", day_id=day.pk)
    return _day_edit_page(request, day, cancel_form=form)


def _named_cases(user, form) -> list[Case] | None:
    """The items whose numbers the form lists, or None after marking the ones the user may not see."""
    found, missing = selectors.cases_by_numbers(user, form.cleaned_data["numbers"])
    if missing:
        form.add_error("numbers", f"未找到您有权查看的信访件：{'、'.join(missing)}")
        return None
    return found


@require_http_methods(["GET", "POST"])
def down_visits(request):
    if not rules.is_leader(request.user):
        raise Http404("未找到该页面")
    form = forms.DownVisitForm(request.POST or None, initial={"on": clock.today()})
    if request.method == "POST" and form.is_valid() and (found := _named_cases(request.user, form)) is not None:
        data = form.cleaned_data
        try:
            services.down_visit_record(leader=request.user, on=data["on"], place=data["place"],
                                       people_met=data["people_met"], cases=found, notes=data["notes"])
        except XinfangError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "已登记下访情况")
            return redirect("leaders:down_visits")
    return _page(request, "leaders/down_visits.html", {
        "nav": "leaders", "visits": selectors.down_visits_for(request.user), "form": form,
    })


@require_http_methods(["GET", "POST"])
def down_visit_edit(request, visit_id):
    try:
        visit = selectors.access_down_visit(request.user, visit_id)
    except NotFound as exc:
        raise Http404("未找到该下访记录") from exc
    initial = forms.down_visit_initial(visit, selectors.down_visit_items(request.user, visit))
    form = forms.DownVisitForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid() and (found := _named_cases(request.user, form)) is not None:
        data = form.cleaned_data
        try:
            services.down_visit_update(visit=visit, actor=request.user, on=data["on"], place=data["place"],
                                       people_met=data["people_met"], cases=found, notes=data["notes"])
        except XinfangError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "已修改下访记录，相关信访件的处理经过已同步记录更正")
            return redirect("leaders:down_visits")
    return _page(request, "leaders/down_visit_edit.html", {"nav": "leaders", "visit": visit, "form": form})
