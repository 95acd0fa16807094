from django.apps import AppConfig


class IntelligenceConfig(AppConfig):
    name = "xinfang.intelligence"
    label = "intelligence"
    verbose_name = "文本智能（辅助建议）"
