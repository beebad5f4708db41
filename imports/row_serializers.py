"""The API's serializers, minus the owner and the per-row database checks, for validating file rows.

Every field, limit and message is inherited from needs.api / outcomes.api, so a row is
accepted exactly when the same values would be accepted through the API.
"""

from __future__ import annotations

from rest_framework import serializers

from needs.api import NeedSerializer
from needs.models import Need
from outcomes.api import OutcomeSerializer

# The statuses an enterprise may set itself (needs.services): "matched" belongs to the review workflow.
_NEED_OWNER_STATUSES = frozenset({Need.Status.DRAFT, Need.Status.OPEN, Need.Status.CLOSED})


class OutcomeRowSerializer(OutcomeSerializer):
    institution = None
    institution_name = None
    city = None
    text_prepared = None

    class Meta(OutcomeSerializer.Meta):
        fields = (
            "external_id",
            "title",
            "abstract",
            "keywords",
            "industry_chain",
            "trl",
            "transfer_modes",
            "asking_price_wan",
            "service_invention",
            "separately_managed",
            "patent_numbers",
            "team",
            "status",
        )
        read_only_fields = ()

    def validate(self, attrs: dict) -> dict:
        # The external id is the upsert key here, not a clash.
        return attrs


class NeedRowSerializer(NeedSerializer):
    enterprise = None
    enterprise_name = None
    text_prepared = None
    summary_only = None
    external_id = serializers.CharField(max_length=64, required=False, allow_blank=True)

    class Meta(NeedSerializer.Meta):
        fields = (
            "external_id",
            "title",
            "public_title",
            "description",
            "industry_chain",
            "city",
            "budget_wan",
            "min_trl",
            "cooperation_modes",
            "deadline",
            "confidential",
            "status",
        )
        read_only_fields = ()

    def validate_status(self, value: str) -> str:
        if value not in _NEED_OWNER_STATUSES:
            raise serializers.ValidationError("企业只能将需求设为草稿、征集中或已关闭。")
        return value


def flatten_errors(detail) -> list[tuple[str, str]]:
    """(field, first message) pairs from a DRF error structure; list items are named by position."""
    pairs: list[tuple[str, str]] = []
    for field, errors in detail.items():
        pairs.append((field, _first(errors)))
    return pairs


def _first(errors) -> str:
    if isinstance(errors, dict):
        position, inner = next(iter(errors.items()))
        prefix = f"第{int(position) + 1}项：" if str(position).isdigit() else ""
        return prefix + _first(inner)
    if isinstance(errors, list):
        return _first(errors[0]) if errors else ""
    return str(errors)
