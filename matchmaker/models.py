"""Proposed pairings (Match), the operators' lexicon additions, and index builds."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from needs.models import Need
from outcomes.models import Outcome


class MatchQuerySet(models.QuerySet):
    def proposed(self) -> MatchQuerySet:
        return self.filter(status=Match.Status.PROPOSED)

    def released(self) -> MatchQuerySet:
        """Pairings a manager approved: from then on the two parties see them."""
        return self.filter(status__in=Match.RELEASED_STATUSES)


class Match(models.Model):
    """A need ↔ outcome pairing proposed by the matcher, to be reviewed by a manager."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "待审核"
        APPROVED = "approved", "已通过"
        REJECTED = "rejected", "已驳回"

    class Source(models.TextChoices):
        NEED = "need", "需求找成果"
        OUTCOME = "outcome", "成果找需求"

    RELEASED_STATUSES = (Status.APPROVED,)

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="matches", verbose_name="需求")
    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="matches", verbose_name="成果")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PROPOSED)
    source = models.CharField("来源", max_length=16, choices=Source.choices, default=Source.NEED)
    score = models.FloatField("匹配度")
    rank = models.PositiveIntegerField("排名")
    parts = models.JSONField("得分构成", default=dict)
    explanation = models.JSONField("匹配说明", default=dict)
    index_version = models.CharField("索引版本", max_length=64, blank=True)
    created_at = models.DateTimeField("提出时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = MatchQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "对接配对"
        ordering = ("need_id", "rank")
        constraints = [models.UniqueConstraint(fields=("need", "outcome"), name="uniq_match_need_outcome")]
        indexes = [models.Index(fields=("status", "-score"))]

    def __str__(self) -> str:
        return f"{self.need} ↔ {self.outcome}"

    def is_decided(self) -> bool:
        return self.status != self.Status.PROPOSED


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
