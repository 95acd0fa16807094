"""Stored suggestions. Advisory only: nothing in the case workflow reads these tables."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class CategorySuggestion(models.Model):
    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="category_suggestion")
    label = models.CharField("建议分类（模型标签）", max_length=60)
    category = models.ForeignKey(
        "cases.Category", verbose_name="对应内容分类", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confidence = models.FloatField("置信度")
    ranked = models.JSONField("候选", default=list)
    model_version = models.CharField("模型版本", max_length=80)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    accepted = models.BooleanField("已采纳", null=True)

    class Meta:
        verbose_name = "分类建议"
        verbose_name_plural = "分类建议"

    def __str__(self) -> str:
        return f"{self.label} {self.confidence:.2f}"
