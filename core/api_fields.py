"""Serializer fields shared by the apps' APIs."""

from __future__ import annotations

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
    """A related object named by a slug; NUL characters are a 400, not a database error.

    DRF's CharField refuses NUL, but a slug lookup sends the text straight to the
    database, and PostgreSQL cannot hold NUL in a string parameter.
    """

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


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
