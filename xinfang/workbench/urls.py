from django.urls import path

import xinfang.workbench.views.documents_actions as documents_actions
from xinfang.workbench.views import audit, auth, cases, detail, documents, home, inbox, intel, register

app_name = "workbench"

urlpatterns = [
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("password/", auth.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("", home.home, name="home"),
    path("cases/", cases.case_list, name="case_list"),
    path("cases/export.xlsx", cases.case_export, name="case_export"),
    path("cases/new/", register.case_new, name="case_new"),
    path("cases/person-items/", register.person_items, name="person_items"),
    path("cases/<int:case_id>/", detail.case_detail, name="case_detail"),
    path("cases/<int:case_id>/do/<str:action>/", detail.case_action, name="case_action"),
    path("cases/<int:case_id>/attachments/<int:attachment_id>/", detail.attachment_download, name="attachment"),
    path("cases/<int:case_id>/documents/<int:document_id>.docx", documents.document_download, name="document"),
    path("cases/<int:case_id>/documents/<int:document_id>/print/", documents.document_print, name="document_print"),
    path("cases/<int:case_id>/documents/<int:document_id>.pdf", documents.document_pdf, name="document_pdf"),
    path("cases/<int:case_id>/documents/<int:document_id>/deliver/", documents_actions.document_deliver,
         name="document_deliver"),
    path("cases/<int:case_id>/documents/<int:document_id>/receipt/", documents_actions.document_receipt,
         name="document_receipt"),
    path("cases/<int:case_id>/documents/<int:document_id>/correct/", documents_actions.document_correct,
         name="document_correct"),
    path("cases/<int:case_id>/documents/issue/<str:kind>/", documents_actions.document_issue, name="document_issue"),
    path("documents/pending/", documents.documents_pending, name="documents_pending"),
    path("documents/print/", documents.documents_print, name="documents_print"),
    path("cases/<int:case_id>/suggestions/", intel.case_suggestions, name="case_suggestions"),
    path("cases/<int:case_id>/category/", intel.case_set_category, name="case_set_category"),
    path("cases/<int:case_id>/accused-unit/", detail.case_set_accused_unit, name="case_set_accused_unit"),
    path("cases/<int:case_id>/reply-check/", intel.reply_check, name="reply_check"),
    path("intel/suggest/", intel.suggest, name="suggest"),
    path("hot-topics/", intel.hot_topics, name="hot_topics"),
    path("audit/access-log/", audit.access_log, name="access_log"),
    path("inbox/", inbox.inbox_page, name="inbox"),
    path("inbox/read/", inbox.inbox_mark_read, name="inbox_mark_read"),
]
