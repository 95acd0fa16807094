from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from xinfang.orgs.permissions import Role


class UnitKind(models.TextChoices):
    CITY = "city", "上级机关（市级）"
    COUNTY = "county", "县委县政府"
    BUREAU = "bureau", "信访部门"
    DEPARTMENT = "department", "县直部门"
    LEGAL = "legal", "政法部门"
    DISCIPLINE = "discipline", "纪检监察机关"
    TOWNSHIP = "township", "乡镇/街道"
    VILLAGE = "village", "村/社区"


class Unit(models.Model):
    """A node of the county's unit tree.

    ``path`` is a materialised path (``/1/7/42/``) so "this unit and everything below it" is one indexed
    prefix query; grants, visibility and statistics all ask that question.
    """

    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=40, blank=True)
    code = models.CharField(
        "单位代码", max_length=16, unique=True, help_text="用于信访件编号，如 XFJ（县信访局）、DJZ（东街镇）"
    )
    kind = models.CharField("类型", max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField("层级路径", max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField("层级", default=0, editable=False)
    head = models.ForeignKey(
        "orgs.User", verbose_name="负责人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    party_secretary = models.ForeignKey(
        "orgs.User",
        verbose_name="党委（党组）书记",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="乡镇/街道党委书记：集体访须当面接谈（决定第4条）",
    )
    region_code = models.CharField("行政区划代码", max_length=12, blank=True)
    doc_prefix = models.CharField(
        "机关代字", max_length=12, blank=True, help_text="文书编号的机关代字，如 清信（清河县信访局）；留空时由单位名称推出"
    )
    # Residents of a township or village, for rates per 10,000 residents in the statistics; empty: not shown.
    population = models.PositiveIntegerField("常住人口", null=True, blank=True, help_text="乡镇、村的常住人口，用于统计每万人信访量")
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # The path needs the primary key, so a new row is saved twice; moves re-path the subtree.
        old_path = self.path
        super().save(*args, **kwargs)
        parent_path = self.parent.path if self.parent_id else "/"
        new_path = f"{parent_path}{self.pk}/"
        if new_path != old_path:
            depth = new_path.count("/") - 2
            Unit.objects.filter(pk=self.pk).update(path=new_path, depth=depth)
            self.path, self.depth = new_path, depth
            if old_path:
                for child in Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                    child.path = new_path + child.path[len(old_path) :]
                    child.depth = child.path.count("/") - 2
                    Unit.objects.filter(pk=child.pk).update(path=child.path, depth=child.depth)

    def is_within(self, other: Unit) -> bool:
        """True if this unit is ``other`` or lies below it."""
        return self.path.startswith(other.path)

    def ancestors(self) -> list[Unit]:
        ids = [int(p) for p in self.path.strip("/").split("/") if p]
        by_id = Unit.objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]


class User(AbstractUser):
    full_name = models.CharField("姓名", max_length=50, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name="所在单位", null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    phone = models.CharField("联系电话", max_length=20, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.full_name or self.username


class Grant(models.Model):
    """A role held on a unit and everything below it."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="grants")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    unit = models.ForeignKey(Unit, verbose_name="授权范围（含下级）", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "授权"
        verbose_name_plural = "授权"
        constraints = [models.UniqueConstraint(fields=["user", "role", "unit"], name="uniq_grant")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"
