from django.urls import path

from xinfang.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.query, name="query"),
    path("case/", views.case_page, name="case"),
    path("case/documents/<int:document_id>.docx", views.document_download, name="document"),
    path("case/evaluate/", views.evaluate, name="evaluate"),
    path("case/apply/", views.apply, name="apply"),
    path("leave/", views.leave, name="leave"),
    path("guide/", views.guide, name="guide"),
]
