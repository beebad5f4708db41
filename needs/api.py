"""REST API for enterprises and their needs."""

from __future__ import annotations

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied

from core.access import request_roles
from core.api_fields import IndustryChainField, PartyContactSerializer, SlugField, transfer_mode_list
from core.permissions import EnterpriseDirectoryPermission, IsEnterpriseMemberToWrite
from needs import services
from needs.filters import NeedFilter
from needs.models import TEXT_MAX, Enterprise, Need
from needs.selectors import can_edit_need, can_see_need_details, needs_visible_to

_PRIVATE_ENTERPRISE_FIELDS = ("credit_code", "contact_name", "contact_phone", "contact_email")


class EnterpriseSerializer(PartyContactSerializer):
    """企业。统一社会信用代码与联系方式仅本企业成员、技术经理人、平台管理员及已通过配对的成果方可见。"""

    private_fields = _PRIVATE_ENTERPRISE_FIELDS
    member_ids = "enterprise_ids"
    released_ids = "released_enterprise_ids"
    industry_chain = IndustryChainField()

    class Meta:
        model = Enterprise
        fields = (
            "id",
            "code",
            "name",
            "credit_code",
            "city",
            "industry_chain",
            *_PRIVATE_ENTERPRISE_FIELDS[1:],
            "created_at",
        )
        read_only_fields = ("id", "created_at")

    def validate_credit_code(self, value: str) -> str:
        # The check digit test ignores case; store one spelling so the unique constraint sees duplicates.
        return value.strip().upper()


class EnterpriseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """企业名录：任何人可读；联系方式仅本企业成员、技术经理人和平台管理员可见。"""

    queryset = Enterprise.objects.all()
    serializer_class = EnterpriseSerializer
    permission_classes = [EnterpriseDirectoryPermission]
    filterset_fields = ("city", "industry_chain")
    ordering_fields = ("code", "name", "created_at")

    def perform_create(self, serializer) -> None:
        serializer.instance = services.enterprise_create(**serializer.validated_data)

    def perform_update(self, serializer) -> None:
        serializer.instance = services.enterprise_update(enterprise=serializer.instance, **serializer.validated_data)


class NeedSummarySerializer(serializers.ModelSerializer):
    """保密需求的脱敏摘要：无权查看详情的读者只看到产业链、城市、公开标题与状态（summary_only=true）。"""

    title = serializers.CharField(source="display_public_title", read_only=True, help_text="公开标题")
    industry_chain = IndustryChainField(read_only=True)
    confidential = serializers.BooleanField(read_only=True)
    summary_only = serializers.SerializerMethodField(help_text="恒为 true：这是脱敏摘要。")

    class Meta:
        model = Need
        fields = ("id", "title", "industry_chain", "city", "confidential", "status", "summary_only", "created_at")
        read_only_fields = fields

    @extend_schema_field({"type": "boolean", "enum": [True]})
    def get_summary_only(self, instance: Need) -> bool:
        return True


class NeedSerializer(serializers.ModelSerializer):
    enterprise = SlugField(slug_field="code", queryset=Enterprise.objects.all())
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    industry_chain = IndustryChainField()
    description = serializers.CharField(max_length=TEXT_MAX)
    cooperation_modes = transfer_mode_list(required=False)
    budget_wan = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True)
    min_trl = serializers.IntegerField(min_value=1, max_value=9, required=False, allow_null=True)
    text_prepared = serializers.BooleanField(source="is_text_prepared", read_only=True)
    summary_only = serializers.SerializerMethodField(
        help_text="为 true 时这是保密需求的脱敏摘要：仅含产业链、城市与公开标题。"
    )

    class Meta:
        model = Need
        fields = (
            "id",
            "enterprise",
            "enterprise_name",
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
            "text_prepared",
            "summary_only",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("id", "created_at", "updated_at")

    @extend_schema_field({"type": "boolean", "enum": [False]})
    def get_summary_only(self, instance: Need) -> bool:
        return False

    def validate_cooperation_modes(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    def validate_enterprise(self, value: Enterprise) -> Enterprise:
        if self.instance is None and value.pk not in request_roles(self.context["request"]).enterprise_ids:
            # Checked before any other validation, so another party's data never shows in an error.
            raise PermissionDenied("只能为本企业发布需求。")
        if self.instance is not None and value != self.instance.enterprise:
            raise serializers.ValidationError("需求创建后不能更换所属企业。")
        return value

    def to_representation(self, instance: Need) -> dict:
        roles = request_roles(self.context["request"])
        if can_see_need_details(roles, instance):
            return super().to_representation(instance)
        # A confidential need, seen by someone who is neither its owner nor a manager.
        return NeedSummarySerializer(instance, context=self.context).data


class NeedPermission(IsEnterpriseMemberToWrite):
    def has_object_permission(self, request, view, obj: Need) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return can_edit_need(request_roles(request), obj)


def need_or_summary(many: bool = False) -> PolymorphicProxySerializer:
    """What a reader gets: the whole need, or (a confidential need they may not see in full) its summary;
    `summary_only` tells them apart."""
    return PolymorphicProxySerializer(
        component_name="NeedOrSummary",
        serializers=[NeedSerializer, NeedSummarySerializer],
        resource_type_field_name=None,
        many=many,
    )


@extend_schema_view(list=extend_schema(responses=need_or_summary(many=True)))
class NeedViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """产业需求：匿名可读征集中的需求（保密需求仅显示脱敏摘要）；企业成员发布和修改本企业需求；
    有效期内的技术经理人可读全部内容。需求不可删除，请将状态改为“已关闭”。"""

    serializer_class = NeedSerializer
    permission_classes = [NeedPermission]
    filterset_class = NeedFilter
    # Not deadline: it is hidden in a confidential need's summary, and sorting would reveal it.
    ordering_fields = ("created_at", "updated_at")

    def get_queryset(self):
        return needs_visible_to(request_roles(self.request)).select_related("enterprise")

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        enterprise = data.pop("enterprise")
        if enterprise.pk not in request_roles(self.request).enterprise_ids:
            raise PermissionDenied("只能为本企业发布需求。")
        serializer.instance = services.need_create(enterprise=enterprise, created_by=self.request.user, **data)

    def perform_update(self, serializer) -> None:
        data = dict(serializer.validated_data)
        data.pop("enterprise", None)
        serializer.instance = services.need_update(need=serializer.instance, **data)

    @extend_schema(
        description="返回需求；无权查看保密详情时只返回脱敏摘要（summary_only=true）。", responses=need_or_summary()
    )
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)
