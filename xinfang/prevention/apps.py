from django.apps import AppConfig


class PreventionConfig(AppConfig):
    name = "xinfang.prevention"
    label = "prevention"
    verbose_name = "矛盾纠纷排查"
