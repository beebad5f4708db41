"""Serializer fields shared by the apps' APIs."""

from __future__ import annotations

from rest_framework import serializers

from core.models import TransferMode
from core.taxonomy import industry_chain_choices


class IndustryChainField(serializers.ChoiceField):
    """An industry-chain code from the shipped taxonomy; unknown codes are a 400."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"invalid_choice": "未知的产业链代码：“{input}”。"})
        super().__init__(choices=industry_chain_choices(), **kwargs)


def transfer_mode_list(**kwargs) -> serializers.ListField:
    """A de-duplicated list of cooperation / transfer modes."""
    return serializers.ListField(
        child=serializers.ChoiceField(choices=TransferMode.choices), allow_empty=True, max_length=5, **kwargs
    )


class StringListField(serializers.ListField):
    """A short list of non-empty strings (keywords, patent numbers, cities)."""

    def __init__(self, *, item_max_length: int = 100, **kwargs):
        kwargs.setdefault("max_length", 50)
        super().__init__(
            child=serializers.CharField(max_length=item_max_length, allow_blank=False, trim_whitespace=True), **kwargs
        )


class SlugField(serializers.SlugRelatedField):
    """A related object named by a slug; NUL characters are a 400, not a database error.

    DRF's CharField refuses NUL, but a slug lookup sends the text straight to the
    database, and PostgreSQL cannot hold NUL in a string parameter.
    """

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)
