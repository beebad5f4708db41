"""REST API for technology managers: a public directory, and certification by staff."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from brokers import services
from brokers.models import ConflictOfInterest, TechnologyManager
from core.access import request_roles
from core.api_fields import IndustryChainField, SlugField, StringListField
from core.permissions import ReadOnlyOrStaff
from needs.models import Enterprise
from outcomes.models import Institution


class TechnologyManagerSerializer(serializers.ModelSerializer):
    user = SlugField(slug_field="username", queryset=get_user_model().objects.all())
    name = serializers.SerializerMethodField()
    specialties = serializers.ListField(child=IndustryChainField(), max_length=40, required=False)
    regions = StringListField(required=False, item_max_length=50)
    in_force = serializers.BooleanField(source="is_valid", read_only=True, help_text="证书有效且未暂停")

    class Meta:
        model = TechnologyManager
        fields = (
            "id",
            "user",
            "name",
            "certificate_number",
            "certified_on",
            "valid_until",
            "star_level",
            "specialties",
            "regions",
            "capacity",
            "active",
            "suspended_reason",
            "in_force",
        )
        read_only_fields = ("id", "active", "suspended_reason")

    def get_name(self, instance: TechnologyManager) -> str:
        return instance.user.get_full_name() or instance.user.get_username()

    def validate_user(self, value):
        if self.instance is not None and value != self.instance.user:
            raise serializers.ValidationError("不能更换技术经理人对应的用户。")
        return value

    def validate(self, attrs: dict) -> dict:
        certified_on = attrs.get("certified_on", getattr(self.instance, "certified_on", None))
        valid_until = attrs.get("valid_until", getattr(self.instance, "valid_until", None))
        if certified_on and valid_until and valid_until < certified_on:
            raise serializers.ValidationError({"valid_until": ["有效期不能早于认定日期。"]})
        return attrs


class SuspendSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class RenewSerializer(serializers.Serializer):
    valid_until = serializers.DateField()


class StarOverrideSerializer(serializers.Serializer):
    level = serializers.IntegerField(min_value=1, max_value=5, allow_null=True, help_text="null 取消人工调整")
    reason = serializers.CharField(max_length=500, allow_blank=True, default="")


class TechnologyManagerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """技术经理人名录：公开列出有效期内的技术经理人；平台管理员认定、修改、暂停和续期。"""

    serializer_class = TechnologyManagerSerializer
    permission_classes = [ReadOnlyOrStaff]
    filterset_fields = ("star_level", "active")
    ordering_fields = ("star_level", "valid_until", "certificate_number")

    def get_queryset(self):
        managers = TechnologyManager.objects.select_related("user")
        if request_roles(self.request).staff:
            return managers
        return managers.valid()

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.manager_certify(user=data.pop("user"), **data)

    def perform_update(self, serializer) -> None:
        data = dict(serializer.validated_data)
        data.pop("user", None)
        serializer.instance = services.manager_update(manager=serializer.instance, **data)

    @extend_schema(request=SuspendSerializer, responses=TechnologyManagerSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        """暂停：可继续查看，但不能再做对接决定。"""
        manager = self.get_object()
        payload = SuspendSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        manager = services.manager_suspend(manager=manager, reason=payload.validated_data["reason"])
        return Response(self.get_serializer(manager).data, status=status.HTTP_200_OK)

    @extend_schema(request=RenewSerializer, responses=TechnologyManagerSerializer)
    @action(detail=True, methods=["post"])
    def renew(self, request, pk=None):
        """续期：延长证书有效期并解除暂停。"""
        manager = self.get_object()
        payload = RenewSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        manager = services.manager_renew(manager=manager, valid_until=payload.validated_data["valid_until"])
        return Response(self.get_serializer(manager).data, status=status.HTTP_200_OK)

    @extend_schema(request=StarOverrideSerializer, responses=TechnologyManagerSerializer)
    @action(detail=True, methods=["post"])
    def stars(self, request, pk=None):
        """人工调整星级（须说明原因）；level 为 null 时恢复按业绩计算的星级。"""
        manager = self.get_object()
        payload = StarOverrideSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        manager = services.manager_override_stars(manager=manager, **payload.validated_data)
        return Response(self.get_serializer(manager).data)


class ConflictOfInterestSerializer(serializers.ModelSerializer):
    enterprise = SlugField(slug_field="code", queryset=Enterprise.objects.all(), required=False, allow_null=True)
    institution = SlugField(slug_field="code", queryset=Institution.objects.all(), required=False, allow_null=True)

    class Meta:
        model = ConflictOfInterest
        fields = ("id", "manager", "enterprise", "institution", "note", "declared_at")
        read_only_fields = ("id", "manager", "declared_at")

    def validate(self, attrs: dict) -> dict:
        if bool(attrs.get("enterprise")) == bool(attrs.get("institution")):
            raise serializers.ValidationError({"enterprise": ["请在企业和高校院所中选择且只选择一方。"]})
        return attrs


class ConflictOfInterestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """利益冲突申报：技术经理人申报与自己有关联的企业或机构，此后不会被分派相关配对。申报不可由本人撤销。"""

    serializer_class = ConflictOfInterestSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        # Ordered, so pages are stable (the model has no default ordering).
        conflicts = ConflictOfInterest.objects.select_related("manager", "enterprise", "institution").order_by(
            "-declared_at", "-id"
        )
        if getattr(self, "swagger_fake_view", False) or self.request.user.is_staff:
            return conflicts
        return conflicts.filter(manager__user=self.request.user)

    def perform_create(self, serializer) -> None:
        manager = TechnologyManager.objects.filter(user=self.request.user).first()
        if manager is None:
            raise PermissionDenied("只有技术经理人可以申报利益冲突。")
        serializer.instance = services.conflict_declare(manager=manager, **serializer.validated_data)
