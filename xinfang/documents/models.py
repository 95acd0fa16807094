"""Issued documents, their numbering counters and the county's own template versions.

An ``IssuedDocument`` row is written once by ``documents.services`` and never changes afterwards, except that
its delivery fields are filled once (``document_record_delivery``). ``save()`` refuses any other update, so a
stray edit fails loudly instead of silently rewriting a document the petitioner already holds.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class DocumentKind(models.TextChoices):
    # The codes are public: the export manifest and the renderer's templates use them.
    ACCEPTANCE_NOTICE = "acceptance_notice", "受理告知书"
    REFUSAL_NOTICE = "refusal_notice", "不予受理告知书"
    NO_FURTHER_NOTICE = "no_further_notice", "不再受理告知书"
    EXTENSION_NOTICE = "extension_notice", "延期告知书"
    REPLY = "reply", "信访处理意见书"
    REVIEW_DECISION = "review_decision", "复查意见书"
    REREVIEW_DECISION = "rereview_decision", "复核意见书"
    REQUEST_REFUSAL_NOTICE = "request_refusal_notice", "复查/复核申请不予受理告知书"
    DELIVERY_RECEIPT = "delivery_receipt", "送达回证"
    TRANSFER = "transfer", "转送单"
    ASSIGNMENT = "assignment", "交办单"
    OBJECTION = "objection", "异议函"
    SUPERVISION_LETTER = "supervision_letter", "督办函"
    REMINDER_LETTER = "reminder_letter", "提醒函"


class DeliveryMethod(models.TextChoices):
    IN_PERSON = "in_person", "直接送达"
    POST = "post", "邮寄"
    ELECTRONIC = "electronic", "电子送达"
    LEFT = "left", "留置"


class DocumentTemplate(models.Model):
    """A county's own version of a kind's template (.docx); without one the shipped template is used."""

    kind = models.CharField("文书种类", max_length=32, choices=DocumentKind.choices)
    version = models.PositiveIntegerField("版本")
    file = models.FileField("模板文件", upload_to="documents/templates/", max_length=255)
    note = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("上传时间")
    is_active = models.BooleanField("使用中", default=True)

    class Meta:
        verbose_name = "文书模板"
        verbose_name_plural = "文书模板"
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="doc_template_kind_version"),
            # At most one version per kind is in use: issuing never has to choose.
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(is_active=True), name="doc_template_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} 第{self.version}版"

    @property
    def version_label(self) -> str:
        """What an issued document records as its template version."""
        return f"county-{self.version}"


class DocumentCounter(models.Model):
    """The last sequence number given per issuing unit, kind and year (locked while a number is taken)."""

    unit = models.ForeignKey("orgs.Unit", verbose_name="发文单位", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("文书种类", max_length=32, choices=DocumentKind.choices)
    year = models.PositiveSmallIntegerField("年度")
    last = models.PositiveIntegerField("已用序号", default=0)

    class Meta:
        verbose_name = "文书编号计数"
        verbose_name_plural = "文书编号计数"
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind", "year"], name="doc_counter_unit_kind_year")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.kind}/{self.year}: {self.last}"


DELIVERY_FIELDS = frozenset(
    {"delivered_on", "delivery_method", "delivery_signer", "remedy_last_day", "remedy_provisional"}
)


class IssuedDocument(models.Model):
    case = models.ForeignKey(
        "cases.Case", verbose_name="信访件", on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField("文书种类", max_length=32, choices=DocumentKind.choices)
    issuing_unit = models.ForeignKey(
        "orgs.Unit", verbose_name="发文单位", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    # Null for kinds that carry no number of their own (the 送达回证 refers to the document it delivers).
    seq = models.PositiveIntegerField("序号", null=True, blank=True)
    number = models.CharField("文号", max_length=60, blank=True)
    version = models.PositiveSmallIntegerField("版本", default=1)
    supersedes = models.OneToOneField(
        "self",
        verbose_name="更正的文书",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    correction_reason = models.CharField("更正原因", max_length=500, blank=True)
    file = models.FileField("文件", max_length=255, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveIntegerField("字节数")
    template_version = models.CharField("模板版本", max_length=40)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="签发人", on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField("签发时间")
    issued_on = models.DateField("成文日期")
    delivered_on = models.DateField("送达日期", null=True, blank=True)
    delivery_method = models.CharField("送达方式", max_length=16, choices=DeliveryMethod.choices, blank=True)
    delivery_signer = models.CharField("签收人", max_length=60, blank=True)
    remedy_last_day = models.DateField("救济期限最后一日", null=True, blank=True)
    remedy_provisional = models.BooleanField("救济期限为暂定", default=False)
    data = models.JSONField("文书数据", default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = "已签发文书"
        verbose_name_plural = "已签发文书"
        ordering = ["case_id", "issued_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuing_unit", "kind", "year", "seq", "version"],
                condition=models.Q(seq__isnull=False),
                name="issued_doc_number_version",
            ),
        ]

    def __str__(self) -> str:
        label = self.number or f"{self.get_kind_display()}#{self.pk}"
        return label if self.version == 1 else f"{label}（第{self.version}版）"

    def save(self, *args, **kwargs):
        # Issued means fixed: after the insert only the delivery fields (filled once by the service) may be
        # written. (The service stores the file name right after the insert, in the same transaction.)
        if not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or not set(fields) <= DELIVERY_FIELDS:
                raise RuntimeError(
                    "已签发的文书不能修改；更正请签发新版本（documents.services.document_correct）"
                )
        super().save(*args, **kwargs)

    @property
    def file_stem(self) -> str:
        """``<number or kind-id>`` plus ``-v<version>`` from the second version on."""
        stem = self.number or f"{self.kind}-{self.pk}"
        return stem if self.version == 1 else f"{stem}-v{self.version}"
