"""案件列表 and its Excel export (being built)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def case_list(request):
    return HttpResponse("案件列表")


@login_required
def case_export(request):
    return HttpResponse("")
