"""Enterprises and the technical needs they post (产业需求)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import PreparedText, TransferMode
from core.taxonomy import industry_chain_choices
from core.validators import ChoiceListValidator, validate_uscc

TITLE_MAX = 200
TEXT_MAX = 5000


class Enterprise(models.Model):
    code = models.SlugField("简称代码", max_length=32, unique=True)
    name = models.CharField("企业名称", max_length=200)
    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True, validators=[validate_uscc])
    city = models.CharField("所在城市", max_length=50)
    industry_chain = models.CharField("所属产业链", max_length=64, choices=industry_chain_choices)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    contact_email = models.EmailField("联系邮箱", blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="EnterpriseMembership", related_name="enterprises", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "企业"
        ordering = ("code",)

    def __str__(self) -> str:
        return self.name


class EnterpriseMembership(models.Model):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enterprise_memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "企业成员"
        constraints = [models.UniqueConstraint(fields=("enterprise", "user"), name="uniq_enterprise_member")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.enterprise}"


class NeedQuerySet(models.QuerySet):
    def open(self) -> NeedQuerySet:
        return self.filter(status=Need.Status.OPEN)

    def of_user(self, user) -> NeedQuerySet:
        """Needs of the enterprises the user belongs to."""
        return self.filter(enterprise__memberships__user=user)

    def publicly_listed(self) -> NeedQuerySet:
        """What anyone may see listed: open needs (confidential ones only as a summary)."""
        return self.filter(status=Need.Status.OPEN)


class Need(PreparedText):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        OPEN = "open", "征集中"
        MATCHED = "matched", "已对接"
        CLOSED = "closed", "已关闭"

    class MatchState(models.TextChoices):
        PENDING = "pending", "待匹配"
        PROPOSED = "proposed", "已有推荐"
        NO_CREDIBLE_MATCH = "no_credible_match", "无可信匹配（待经理人处理）"

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="needs", verbose_name="企业")
    title = models.CharField("需求名称", max_length=TITLE_MAX)
    public_title = models.CharField(
        "公开标题", max_length=TITLE_MAX, blank=True, help_text="保密需求对外展示的脱敏标题；留空时显示“保密需求”。"
    )
    description = models.TextField("需求描述", max_length=TEXT_MAX)
    industry_chain = models.CharField("产业链", max_length=64, choices=industry_chain_choices)
    city = models.CharField("所在城市", max_length=50)
    budget_wan = models.DecimalField(
        "预算（万元）", max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    min_trl = models.PositiveSmallIntegerField(
        "最低技术成熟度", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    cooperation_modes = models.JSONField(
        "期望合作方式", default=list, blank=True, validators=[ChoiceListValidator(TransferMode.values)]
    )
    deadline = models.DateField("截止日期", null=True, blank=True)
    confidential = models.BooleanField("保密", default=False)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.OPEN)
    match_state = models.CharField(
        "匹配结果", max_length=24, choices=MatchState.choices, default=MatchState.PENDING, editable=False
    )
    match_state_reason = models.CharField("未匹配原因", max_length=64, blank=True, editable=False)
    last_matched_at = models.DateTimeField("最近匹配时间", null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "产业需求"
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=("status", "industry_chain")),
            models.Index(fields=("city",)),
            # The index freshness check reads the newest edit and preparation on every use
            # (index_store.corpus_signature): index lookups, not scans of the library.
            models.Index(fields=("status", "updated_at")),
            models.Index(fields=("status", "text_prepared_at")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_trl__isnull=True) | Q(min_trl__gte=1, min_trl__lte=9), name="need_min_trl_range"
            ),
            models.CheckConstraint(
                condition=Q(budget_wan__isnull=True) | Q(budget_wan__gte=0), name="need_budget_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def display_public_title(self) -> str:
        return self.public_title or "保密需求"

    def matching_text(self) -> str:
        """The text the matcher reads for this need."""
        return f"{self.title}\n{self.description}"
