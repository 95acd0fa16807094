from django.urls import path

from xinfang.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.board, name="board"),
    path("items/", views.items, name="items"),
    path("open/", views.open_list, name="open_list"),
    path("awaiting/", views.awaiting, name="awaiting"),
    path("issue/", views.issue_batch, name="issue_batch"),
    path("cases/<int:case_id>/issue/", views.issue, name="issue"),
    path("cases/<int:case_id>/remind/", views.remind, name="remind"),
    path("<int:supervision_id>/reply/", views.reply, name="reply"),
    path("<int:supervision_id>/close/", views.close, name="close"),
    path("<int:supervision_id>/urge/", views.urge, name="urge"),
    path("errors/", views.errors, name="errors"),
    path("errors/<int:entry_id>/note/", views.error_annotate, name="error_annotate"),
    path("errors/<int:entry_id>/contest/", views.error_contest, name="error_contest"),
    path("errors/<int:entry_id>/decide/", views.error_decide, name="error_decide"),
]
