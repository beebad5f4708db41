"""Serializer fields shared by the apps' APIs."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from core.access import request_roles
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
    """A related object named by a slug; NUL characters and over-long text are a 400 before any query.

    DRF's CharField refuses NUL, but a slug lookup sends the text straight to the
    database, and PostgreSQL cannot hold NUL in a string parameter. The length limit is the
    slug column's own, and the schema shows it (SlugFieldSchema below).
    """

    default_error_messages = {
        **serializers.SlugRelatedField.default_error_messages,
        "max_length": "请确保这个字段不能超过 {max_length} 个字符。",
    }

    def length_limit(self) -> int | None:
        queryset = self.queryset
        if queryset is None:
            return None
        return queryset.model._meta.get_field(self.slug_field).max_length

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        limit = self.length_limit()
        if isinstance(data, str) and limit is not None and len(data) > limit:
            self.fail("max_length", max_length=limit)
        return super().to_internal_value(data)


class SlugFieldSchema(OpenApiSerializerFieldExtension):
    """Documents SlugField's length limit (maxLength) in the OpenAPI schema."""

    target_class = SlugField

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        limit = self.target.length_limit()
        if limit is not None and schema.get("type") == "string":
            schema["maxLength"] = limit
        return schema


class PartyContactSerializer(serializers.ModelSerializer):
    """An enterprise or institution whose contact details only some readers see.

    Its own members, valid managers and staff see them; the other side of a pairing sees
    them once a manager approved it (the `released_*` sets of core.access.Roles).
    """

    private_fields: tuple[str, ...] = ("contact_name", "contact_phone", "contact_email")
    member_ids: str = ""
    released_ids: str = ""

    def to_representation(self, instance) -> dict:
        data = super().to_representation(instance)
        roles = request_roles(self.context["request"])
        may_see = (
            roles.staff
            or roles.valid_manager
            or instance.pk in getattr(roles, self.member_ids)
            or instance.pk in getattr(roles, self.released_ids)
        )
        if not may_see:
            for name in self.private_fields:
                data.pop(name, None)
        return data
