"""登记 (being built)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse


@login_required
def case_new(request):
    return HttpResponse("登记")


@login_required
def person_items(request):
    return JsonResponse({"items": []})
