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

        from xinfang.cases.messages import deliver_to_inbox
        from xinfang.notifications import backends

        # The outbox (notifications app) sits below cases and cannot import the staff inbox, so cases hands it
        # the in-app deliverer, as documents hands the workflow its document hook.
        backends.register("inapp", deliver_to_inbox, same_database=True)
