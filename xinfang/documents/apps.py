from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "xinfang.documents"
    label = "documents"
    verbose_name = "文书"

    def ready(self) -> None:
        # The workflow issues the documents the law ties to its acts through this hook (cases sits below
        # documents and cannot import it).
        from xinfang.cases.workflow import register_document_hook
        from xinfang.documents.services import issue_for_act

        register_document_hook(issue_for_act)
