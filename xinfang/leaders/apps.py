from django.apps import AppConfig


class LeadersConfig(AppConfig):
    name = "xinfang.leaders"
    label = "leaders"
    verbose_name = "领导包案与接访"
