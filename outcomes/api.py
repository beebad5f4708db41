"""REST API for institutions and their research outcomes."""

from __future__ import annotations

from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied

from core.access import request_roles
from core.api_fields import (
    IndustryChainField,
    PartyContactSerializer,
    SlugField,
    StringListField,
    transfer_mode_list,
)
from core.permissions import InstitutionDirectoryPermission, IsInstitutionMemberToWrite
from outcomes import services
from outcomes.filters import OutcomeFilter
from outcomes.models import TEXT_MAX, Institution, Outcome
from outcomes.selectors import can_edit_outcome, outcomes_visible_to

_PRIVATE_INSTITUTION_FIELDS = ("contact_name", "contact_phone", "contact_email")


class InstitutionSerializer(PartyContactSerializer):
    """高校院所。联系方式仅本机构成员、技术经理人、平台管理员及已通过配对的需求方可见。"""

    private_fields = _PRIVATE_INSTITUTION_FIELDS
    member_ids = "institution_ids"
    released_ids = "released_institution_ids"

    class Meta:
        model = Institution
        fields = ("id", "code", "name", "kind", "city", *_PRIVATE_INSTITUTION_FIELDS, "created_at")
        read_only_fields = ("id", "created_at")


class InstitutionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """高校院所名录：任何人可读；联系方式仅本机构成员、技术经理人和平台管理员可见。"""

    queryset = Institution.objects.all()
    serializer_class = InstitutionSerializer
    permission_classes = [InstitutionDirectoryPermission]
    filterset_fields = ("city", "kind")
    ordering_fields = ("code", "name", "created_at")

    def perform_create(self, serializer) -> None:
        serializer.instance = services.institution_create(**serializer.validated_data)

    def perform_update(self, serializer) -> None:
        serializer.instance = services.institution_update(institution=serializer.instance, **serializer.validated_data)


class OutcomeSerializer(serializers.ModelSerializer):
    institution = SlugField(slug_field="code", queryset=Institution.objects.all())
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    city = serializers.CharField(source="institution.city", read_only=True)
    industry_chain = IndustryChainField()
    abstract = serializers.CharField(max_length=TEXT_MAX)
    keywords = StringListField(required=False, item_max_length=50, max_length=30)
    patent_numbers = StringListField(required=False, item_max_length=40, max_length=50)
    transfer_modes = transfer_mode_list(required=False)
    trl = serializers.IntegerField(min_value=1, max_value=9)
    asking_price_wan = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    text_prepared = serializers.BooleanField(source="is_text_prepared", read_only=True)

    class Meta:
        model = Outcome
        fields = (
            "id",
            "institution",
            "institution_name",
            "city",
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
            "text_prepared",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("id", "created_at", "updated_at")
        validators: list = []  # uniqueness is checked in validate() so the error names external_id

    def validate(self, attrs: dict) -> dict:
        institution = attrs.get("institution") or getattr(self.instance, "institution", None)
        external_id = attrs.get("external_id", getattr(self.instance, "external_id", None))
        clash = Outcome.objects.filter(institution=institution, external_id=external_id)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if institution is not None and clash.exists():
            raise serializers.ValidationError({"external_id": ["本机构已有相同编号的成果。"]})
        return attrs

    def validate_transfer_modes(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    def validate_institution(self, value: Institution) -> Institution:
        if self.instance is None and value.pk not in request_roles(self.context["request"]).institution_ids:
            # Checked before any other validation, so another party's data never shows in an error.
            raise PermissionDenied("只能为本机构登记成果。")
        if self.instance is not None and value != self.instance.institution:
            raise serializers.ValidationError("成果登记后不能更换所属机构。")
        return value


class OutcomePermission(IsInstitutionMemberToWrite):
    def has_object_permission(self, request, view, obj: Outcome) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return can_edit_outcome(request_roles(request), obj)


class OutcomeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """科技成果：匿名可读可转化的成果；高校院所成员登记和修改本机构成果；技术经理人可读全部。
    成果不可删除，请将状态改为“已撤回”。"""

    serializer_class = OutcomeSerializer
    permission_classes = [OutcomePermission]
    filterset_class = OutcomeFilter
    ordering_fields = ("created_at", "trl", "asking_price_wan", "updated_at")

    def get_queryset(self):
        return outcomes_visible_to(request_roles(self.request)).select_related("institution")

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        institution = data.pop("institution")
        if institution.pk not in request_roles(self.request).institution_ids:
            raise PermissionDenied("只能为本机构登记成果。")
        serializer.instance = services.outcome_create(institution=institution, created_by=self.request.user, **data)

    def perform_update(self, serializer) -> None:
        data = dict(serializer.validated_data)
        data.pop("institution", None)
        serializer.instance = services.outcome_update(outcome=serializer.instance, **data)
