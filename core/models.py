"""Abstract pieces shared by the libraries' models."""

from __future__ import annotations

from django.db import models


class TransferMode(models.TextChoices):
    ASSIGNMENT = "assignment", "转让"
    LICENCE = "licence", "许可"
    EQUITY = "equity", "作价入股"
    CO_DEVELOPMENT = "co_development", "合作开发"
    TECHNICAL_SERVICE = "technical_service", "技术服务"


class PreparedText(models.Model):
    """Normalised text and jieba tokens, written by the text-preparation task.

    The tokens are stored so an index rebuild never re-tokenises unchanged rows;
    `tokens_lexicon` records which dictionary produced them, so rows tokenised
    with an older dictionary are found and redone.
    """

    normalized_text = models.TextField("规范化文本", blank=True, default="", editable=False)
    # One string, the tokens joined by newlines (matchmaker.engine's stored form, join_tokens).
    tokens = models.TextField("分词结果", blank=True, default="", editable=False)
    tokens_lexicon = models.CharField("词典版本", max_length=64, blank=True, default="", editable=False)
    text_prepared_at = models.DateTimeField("文本处理时间", null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def is_text_prepared(self) -> bool:
        return self.text_prepared_at is not None
