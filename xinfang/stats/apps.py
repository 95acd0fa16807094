from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "xinfang.stats"
    label = "stats"
    verbose_name = "统计分析"

    def ready(self) -> None:
        # The daily job (``xinfang tick``, in a lower layer) runs the fill through the registry it owns.
        from xinfang.core import daily
        from xinfang.stats import fill

        daily.register("stats", fill.daily_fill)
