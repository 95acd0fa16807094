"""通知: the signed-in user's own messages, each linking to its item; marking them read."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from xinfang.cases import inbox
from xinfang.core.errors import NotFound
from xinfang.workbench.forms_fields import AsciiIntegerField


@never_cache
@require_safe
def inbox_page(request):
    rows = list(inbox.inbox_for(request.user))
    return render(request, "workbench/inbox.html", {"nav": "inbox", "rows": rows, "limit": inbox.INBOX_SIZE})


@require_POST
def inbox_mark_read(request):
    """One message (``id``) or all of them; the id of someone else's message is a 404 like any unknown one."""
    raw = request.POST.get("id", "")
    notification_id = None
    if raw:
        field = AsciiIntegerField(min_value=1)
        try:
            notification_id = field.clean(raw)
        except ValidationError as exc:  # a forged id is simply not found
            raise Http404("未找到该通知") from exc
    try:
        marked = inbox.mark_read(request.user, notification_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    if notification_id is None:
        messages.success(request, f"已将 {marked} 条通知标为已读")
    return redirect("workbench:inbox")
