from django.urls import path

from xinfang.portal import info, reception_days, submit, views

app_name = "portal"

urlpatterns = [
    path("", views.query, name="query"),
    path("case/", views.case_page, name="case"),
    path("case/documents/<int:document_id>.docx", views.document_download, name="document"),
    path("case/evaluate/", views.evaluate, name="evaluate"),
    path("case/apply/", views.apply, name="apply"),
    path("leave/", views.leave, name="leave"),
    path("guide/", views.guide, name="guide"),
    path("rights/", info.rights, name="rights"),
    path("regulation/", info.regulation_text, name="regulation"),
    path("reception-days/", reception_days.reception_days, name="reception_days"),
    # 网上信访: the form, its receipt (held in the session), and the challenge image.
    path("submit/", submit.submit, name="submit"),
    path("submit/receipt/", submit.receipt, name="submit_receipt"),
    path("submit/receipt/close/", submit.receipt_close, name="submit_receipt_close"),
    path("submit/challenge/<slug:key>.png", submit.challenge, name="challenge"),
]
