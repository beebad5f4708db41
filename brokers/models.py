"""Certified technology managers (技术经理人) who review proposed pairings."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.validators import validate_industry_chain_list, validate_string_list


class TechnologyManagerQuerySet(models.QuerySet):
    def valid(self, on: dt.date | None = None) -> TechnologyManagerQuerySet:
        """Managers whose certificate is in force and who are not suspended."""
        day = on or timezone.localdate()
        return self.filter(active=True, certified_on__lte=day, valid_until__gte=day)


class TechnologyManager(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="technology_manager", verbose_name="用户"
    )
    certificate_number = models.CharField("证书编号", max_length=64, unique=True)
    certified_on = models.DateField("认定日期")
    valid_until = models.DateField("有效期至")
    # The effective level: computed from the track record (brokers/rating.py), or staff's override.
    star_level = models.PositiveSmallIntegerField(
        "星级", default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    star_computed = models.PositiveSmallIntegerField("计算星级", null=True, blank=True, editable=False)
    star_components = models.JSONField("星级构成", default=dict, blank=True, editable=False)
    star_computed_at = models.DateTimeField("星级计算时间", null=True, blank=True, editable=False)
    star_override = models.PositiveSmallIntegerField(
        "人工调整星级", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    star_override_reason = models.CharField("调整原因", max_length=500, blank=True)
    specialties = models.JSONField(
        "专业领域（产业链）", default=list, blank=True, validators=[validate_industry_chain_list]
    )
    regions = models.JSONField("服务地区（城市）", default=list, blank=True, validators=[validate_string_list])
    capacity = models.PositiveIntegerField("同时处理上限", default=20)
    active = models.BooleanField("在岗", default=True)
    suspended_reason = models.CharField("暂停原因", max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TechnologyManagerQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "技术经理人"
        ordering = ("certificate_number",)
        constraints = [
            models.CheckConstraint(condition=Q(star_level__gte=1, star_level__lte=5), name="manager_star_range"),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("certified_on")), name="manager_validity_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.get_username()}（{self.certificate_number}）"

    def can_decide(self) -> bool:
        """Only a manager in force decides; others keep read access to their history."""
        return self.is_valid()

    def is_valid(self, on: dt.date | None = None) -> bool:
        """In force today: certified, not expired, not suspended."""
        day = on or timezone.localdate()
        return self.active and self.certified_on <= day <= self.valid_until


class ConflictOfInterest(models.Model):
    """A tie a manager declared to an enterprise or institution: never assigned their pairings."""

    manager = models.ForeignKey(TechnologyManager, on_delete=models.CASCADE, related_name="conflicts")
    enterprise = models.ForeignKey("needs.Enterprise", on_delete=models.CASCADE, null=True, blank=True)
    institution = models.ForeignKey("outcomes.Institution", on_delete=models.CASCADE, null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    declared_at = models.DateTimeField("申报时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "利益冲突申报"
        constraints = [
            models.CheckConstraint(
                condition=Q(enterprise__isnull=False, institution__isnull=True)
                | Q(enterprise__isnull=True, institution__isnull=False),
                name="conflict_names_one_party",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.manager} ✕ {self.enterprise or self.institution}"
