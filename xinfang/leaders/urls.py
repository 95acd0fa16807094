from django.urls import path

from xinfang.leaders import views

app_name = "leaders"

urlpatterns = [
    path("", views.home, name="home"),
    path("backlog/", views.backlog, name="backlog"),
    path("items/<int:case_id>/take/", views.take, name="take"),
    path("items/<int:case_id>/instruct/", views.instruct, name="instruct"),
    path("instructions/<int:instruction_id>/answer/", views.answer, name="answer"),
    path("ownerships/<int:ownership_id>/", views.ownership, name="ownership"),
    path("ownerships/<int:ownership_id>/milestones/", views.milestone_add, name="milestone_add"),
    path(
        "ownerships/<int:ownership_id>/milestones/<int:milestone_id>/done/",
        views.milestone_done,
        name="milestone_done",
    ),
    path("ownerships/<int:ownership_id>/notes/", views.note_add, name="note_add"),
    path("ownerships/<int:ownership_id>/conclude/", views.conclude, name="conclude"),
    path("reception-days/", views.reception_days, name="reception_days"),
    path("reception-days/<int:day_id>/", views.reception_day, name="reception_day"),
    path("reception-days/<int:day_id>/edit/", views.reception_day_edit, name="reception_day_edit"),
    path("reception-days/<int:day_id>/cancel/", views.reception_day_cancel, name="reception_day_cancel"),
    path("down-visits/", views.down_visits, name="down_visits"),
    path("down-visits/<int:visit_id>/edit/", views.down_visit_edit, name="down_visit_edit"),
]
