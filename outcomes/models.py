"""Universities and institutes, and the research outcomes they register (科技成果)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import PreparedText, TransferMode
from core.taxonomy import industry_chain_choices
from core.validators import ChoiceListValidator, validate_string_list

TITLE_MAX = 200
TEXT_MAX = 5000


class Institution(models.Model):
    class Kind(models.TextChoices):
        UNIVERSITY = "university", "高校"
        INSTITUTE = "institute", "科研院所"
        OTHER = "other", "其他"

    code = models.SlugField("简称代码", max_length=32, unique=True)
    name = models.CharField("机构名称", max_length=200)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    city = models.CharField("所在城市", max_length=50)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    contact_email = models.EmailField("联系邮箱", blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="InstitutionMembership", related_name="institutions", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "高校院所"
        ordering = ("code",)

    def __str__(self) -> str:
        return self.name


class InstitutionMembership(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="institution_memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "机构成员"
        constraints = [models.UniqueConstraint(fields=("institution", "user"), name="uniq_institution_member")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.institution}"


class OutcomeQuerySet(models.QuerySet):
    def available(self) -> OutcomeQuerySet:
        return self.filter(status=Outcome.Status.AVAILABLE)

    def of_user(self, user) -> OutcomeQuerySet:
        """Outcomes of the institutions the user belongs to."""
        return self.filter(institution__memberships__user=user)


class Outcome(PreparedText):
    class Status(models.TextChoices):
        AVAILABLE = "available", "可转化"
        NEGOTIATING = "negotiating", "洽谈中"
        TRANSFERRED = "transferred", "已转化"
        WITHDRAWN = "withdrawn", "已撤回"

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="outcomes", verbose_name="高校院所"
    )
    external_id = models.CharField("机构内编号", max_length=64, help_text="机构自己的成果编号，批量导入时据此更新。")
    title = models.CharField("成果名称", max_length=TITLE_MAX)
    abstract = models.TextField("成果简介", max_length=TEXT_MAX)
    keywords = models.JSONField("关键词", default=list, blank=True, validators=[validate_string_list])
    industry_chain = models.CharField("产业链", max_length=64, choices=industry_chain_choices)
    trl = models.PositiveSmallIntegerField("技术成熟度", validators=[MinValueValidator(1), MaxValueValidator(9)])
    transfer_modes = models.JSONField(
        "转化方式", default=list, blank=True, validators=[ChoiceListValidator(TransferMode.values)]
    )
    asking_price_wan = models.DecimalField(
        "意向价格（万元）", max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    service_invention = models.BooleanField("职务科技成果", default=True)
    separately_managed = models.BooleanField("单列管理", default=False)
    patent_numbers = models.JSONField("专利号", default=list, blank=True, validators=[validate_string_list])
    team = models.CharField("团队", max_length=200, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.AVAILABLE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = OutcomeQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "科技成果"
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=("status", "industry_chain")),
            models.Index(fields=("trl",)),
            # The index freshness check reads the newest edit and preparation on every use
            # (index_store.corpus_signature): index lookups, not scans of the library.
            models.Index(fields=("status", "updated_at")),
            models.Index(fields=("status", "text_prepared_at")),
        ]
        constraints = [
            models.UniqueConstraint(fields=("institution", "external_id"), name="uniq_outcome_external_id"),
            models.CheckConstraint(condition=Q(trl__gte=1, trl__lte=9), name="outcome_trl_range"),
            models.CheckConstraint(
                condition=Q(asking_price_wan__isnull=True) | Q(asking_price_wan__gte=0),
                name="outcome_price_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_available(self) -> bool:
        return self.status == self.Status.AVAILABLE

    def matching_text(self) -> str:
        """The text the matcher reads for this outcome."""
        return "\n".join([self.title, self.abstract, " ".join(self.keywords)])
