from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "xinfang.deadlines"
    label = "deadlines"
    verbose_name = "期限与日历"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from xinfang.deadlines import services
        from xinfang.deadlines.models import CalendarDay, CalendarYear, DeadlineRule

        # Any edit (admin, shell, another service) must be seen by the next computation in this process.
        for model in (CalendarDay, CalendarYear):
            for signal in (post_save, post_delete):
                signal.connect(
                    services.invalidate_calendar_cache, sender=model, dispatch_uid=f"deadlines-cal-{model.__name__}"
                )
        for signal in (post_save, post_delete):
            signal.connect(services.invalidate_rule_cache, sender=DeadlineRule, dispatch_uid="deadlines-rule")
