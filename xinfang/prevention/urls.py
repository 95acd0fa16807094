from django.urls import path

from xinfang.prevention import views

app_name = "prevention"

urlpatterns = [
    path("", views.ledger_list, name="ledger"),
    path("new/", views.entry_new, name="entry_new"),
    path("export/", views.ledger_export, name="export"),
    path("import/", views.ledger_import, name="import"),
    path("summary/", views.summary, name="summary"),
    path("<int:entry_id>/", views.entry_detail, name="entry"),
    path("<int:entry_id>/edit/", views.entry_edit, name="entry_edit"),
    path("<int:entry_id>/followup/", views.followup_new, name="followup_new"),
    path("<int:entry_id>/followups/<int:followup_id>/edit/", views.followup_edit, name="followup_edit"),
    path("<int:entry_id>/petition/", views.entry_to_petition, name="entry_petition"),
    path("meetings/", views.meeting_list, name="meetings"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/<int:meeting_id>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:meeting_id>/edit/", views.meeting_edit, name="meeting_edit"),
    path(
        "meetings/<int:meeting_id>/decisions/<int:decision_id>/edit/",
        views.decision_edit,
        name="decision_edit",
    ),
    path(
        "meetings/<int:meeting_id>/decisions/<int:decision_id>/done/",
        views.decision_done,
        name="decision_done",
    ),
    path("assessments/", views.assessment_list, name="assessments"),
    path("assessments/new/", views.assessment_new, name="assessment_new"),
    path("assessments/<int:assessment_id>/", views.assessment_detail, name="assessment"),
    path("assessments/<int:assessment_id>/link/", views.assessment_link, name="assessment_link"),
]
