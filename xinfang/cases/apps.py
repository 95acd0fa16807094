from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "xinfang.cases"
    label = "cases"
    verbose_name = "信访件"

    def ready(self) -> None:
        from xinfang.cases import calendar_sync
        from xinfang.deadlines.signals import year_confirmed

        # Confirming a year's schedule (deadlines app) recomputes the provisional clocks in the same transaction.
        year_confirmed.connect(calendar_sync.on_year_confirmed, dispatch_uid="cases-recompute-provisional")
