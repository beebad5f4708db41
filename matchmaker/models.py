"""Proposed pairings (Match), the operators' lexicon additions, and index builds."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import TransferMode
from needs.models import Need
from outcomes.models import Outcome


class MatchQuerySet(models.QuerySet):
    def proposed(self) -> MatchQuerySet:
        return self.filter(status=Match.Status.PROPOSED)

    def released(self) -> MatchQuerySet:
        """Pairings a manager approved: from then on the two parties see them."""
        return self.filter(status__in=Match.RELEASED_STATUSES)

    def open_reviews(self) -> MatchQuerySet:
        """Proposals waiting for a manager's decision."""
        return self.filter(status=Match.Status.PROPOSED, assigned_to__isnull=False)


class Match(models.Model):
    """A need ↔ outcome pairing proposed by the matcher, reviewed by a manager, then followed as a deal."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "待审核"
        RETRACTED = "retracted", "系统撤回"
        APPROVED = "approved", "已通过"
        REJECTED = "rejected", "已驳回"
        CONTACTED = "contacted", "已联系"
        NEGOTIATING = "negotiating", "洽谈中"
        SIGNED = "signed", "已签约"
        CLOSED = "closed", "已关闭"

    class Source(models.TextChoices):
        NEED = "need", "需求找成果"
        OUTCOME = "outcome", "成果找需求"

    class RejectReason(models.TextChoices):
        NOT_RELEVANT = "not_relevant", "不相关"
        TRL_TOO_LOW = "trl_too_low", "成熟度不足"
        PRICE_OVER_BUDGET = "price_over_budget", "价格超出预算"
        IP_NOT_TRANSFERABLE = "ip_not_transferable", "知识产权不可转让"
        DUPLICATE = "duplicate", "重复推荐"
        OTHER = "other", "其他"

    # Statuses only the matcher sets; every other status is a person's decision and is never overwritten.
    SYSTEM_STATUSES = (Status.PROPOSED, Status.RETRACTED)
    RELEASED_STATUSES = (Status.APPROVED, Status.CONTACTED, Status.NEGOTIATING, Status.SIGNED, Status.CLOSED)
    DEAL_STATUSES = (Status.APPROVED, Status.CONTACTED, Status.NEGOTIATING)

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="matches", verbose_name="需求")
    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="matches", verbose_name="成果")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PROPOSED)
    source = models.CharField("来源", max_length=16, choices=Source.choices, default=Source.NEED)
    score = models.FloatField("匹配度")
    rank = models.PositiveIntegerField("排名")
    parts = models.JSONField("得分构成", default=dict)
    explanation = models.JSONField("匹配说明", default=dict)
    index_version = models.CharField("索引版本", max_length=64, blank=True)
    # Review
    assigned_to = models.ForeignKey(
        "brokers.TechnologyManager",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name="审核经理人",
    )
    assigned_at = models.DateTimeField("分派时间", null=True, blank=True)
    due_at = models.DateTimeField("审核期限", null=True, blank=True)
    escalations = models.PositiveSmallIntegerField("超时升级次数", default=0)
    decided_by = models.ForeignKey(
        "brokers.TechnologyManager",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name="决定人",
    )
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    reject_reason = models.CharField("驳回原因", max_length=32, choices=RejectReason.choices, blank=True)
    decision_note = models.TextField("审核意见", max_length=2000, blank=True)
    # Deal
    contract_value_wan = models.DecimalField("合同金额（万元）", max_digits=12, decimal_places=2, null=True, blank=True)
    contract_mode = models.CharField("合作方式", max_length=32, choices=TransferMode.choices, blank=True)
    closed_reason = models.CharField("关闭原因", max_length=500, blank=True)
    stage_changed_at = models.DateTimeField("阶段变更时间", null=True, blank=True)
    created_at = models.DateTimeField("提出时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = MatchQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "对接配对"
        ordering = ("need_id", "rank")
        constraints = [models.UniqueConstraint(fields=("need", "outcome"), name="uniq_match_need_outcome")]
        indexes = [
            models.Index(fields=("status", "-score")),
            models.Index(fields=("assigned_to", "status")),
        ]

    def __str__(self) -> str:
        return f"{self.need} ↔ {self.outcome}"

    def is_decided(self) -> bool:
        return self.status not in self.SYSTEM_STATUSES

    def is_released(self) -> bool:
        return self.status in self.RELEASED_STATUSES


class AppendOnlyQuerySet(models.QuerySet):
    """Audit rows are written once: bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise PermissionError("审计记录不可修改。")

    def delete(self):
        raise PermissionError("审计记录不可删除。")


class MatchEvent(models.Model):
    """One change of a pairing: who, when, from, to, why. Append-only."""

    class Kind(models.TextChoices):
        PROPOSED = "proposed", "系统推荐"
        RETRACTED = "retracted", "系统撤回"
        ASSIGNED = "assigned", "分派"
        ESCALATED = "escalated", "超时升级"
        REASSIGNED = "reassigned", "改派"
        APPROVED = "approved", "通过"
        REJECTED = "rejected", "驳回"
        REOPENED = "reopened", "重新审核"
        QUESTION = "question", "提问"
        ANSWER = "answer", "答复"
        STAGE = "stage", "进展"

    match = models.ForeignKey(Match, on_delete=models.PROTECT, related_name="events", verbose_name="配对")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name="操作人"
    )
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    from_status = models.CharField("原状态", max_length=16, blank=True)
    to_status = models.CharField("新状态", max_length=16, blank=True)
    reason = models.CharField("原因", max_length=500, blank=True)
    note = models.TextField("备注", max_length=2000, blank=True)
    data = models.JSONField("附加信息", default=dict, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "配对审计记录"
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.from_status}→{self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("审计记录不可修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计记录不可删除。")


class MatchQuestion(models.Model):
    """A manager's question to one side of a pairing, and that side's answer."""

    class Party(models.TextChoices):
        NEED = "need", "需求方企业"
        OUTCOME = "outcome", "成果方机构"

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="questions")
    party = models.CharField("提问对象", max_length=16, choices=Party.choices)
    question = models.TextField("问题", max_length=2000)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField("答复", max_length=2000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "审核提问"
        ordering = ("asked_at", "id")

    def __str__(self) -> str:
        return self.question[:40]


class LexiconTerm(models.Model):
    """A technical term operators add to the shipped dictionary (jieba keeps it whole)."""

    term = models.CharField("术语", max_length=50, unique=True)
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "专业词典（运营补充）"
        ordering = ("term",)

    def __str__(self) -> str:
        return self.term


class LexiconSynonym(models.Model):
    """A variant that means the same as a canonical term (SiC → 碳化硅), added by operators."""

    variant = models.CharField("同义写法", max_length=50, unique=True)
    canonical = models.CharField("标准术语", max_length=50)
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "同义词（运营补充）"
        ordering = ("canonical", "variant")

    def __str__(self) -> str:
        return f"{self.variant} → {self.canonical}"


class IndexBuild(models.Model):
    """One saved index artifact; the newest row of a kind is the one workers load."""

    class Kind(models.TextChoices):
        OUTCOMES = "outcomes", "成果索引"
        NEEDS = "needs", "需求索引"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    version = models.CharField(max_length=64, unique=True)
    path = models.CharField(max_length=500)
    format_version = models.PositiveIntegerField()
    lexicon_version = models.CharField(max_length=64)
    sklearn_version = models.CharField(max_length=32)
    # MatchSettings.digest() of the settings it was built under; other settings mean a rebuild.
    settings_digest = models.CharField(max_length=32, blank=True, default="")
    doc_count = models.PositiveIntegerField()
    # The corpus as it was when built; a different signature now means the index is stale.
    corpus_signature = models.CharField(max_length=200)
    seconds = models.FloatField()
    built_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "索引版本"
        ordering = ("-built_at", "-id")
        get_latest_by = "built_at"

    def __str__(self) -> str:
        return f"{self.kind} {self.version} ({self.doc_count})"
