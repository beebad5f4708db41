"""The analytics figures as JSON: the same selectors and filters as the pages."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.filters import AnalyticsFilterForm, Filters
from analytics.permissions import CanSeeAnalytics
from analytics.selectors import DEFAULT_LEAGUE_SORT, LEAGUE_SORTS, funnel, manager_league, regional_flows

FILTER_PARAMETERS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="成果登记日期起（含），YYYY-MM-DD"),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="成果登记日期止（含），YYYY-MM-DD"),
    OpenApiParameter("industry_chain", OpenApiTypes.STR, description="成果所属产业链代码"),
    OpenApiParameter("institution", OpenApiTypes.STR, description="高校院所代码"),
    OpenApiParameter("city", OpenApiTypes.STR, description="成果方（高校院所）所在城市"),
    OpenApiParameter("manager", OpenApiTypes.INT, description="技术经理人 id（决定人，未决定时为被分派人）"),
]


def _filters(request) -> Filters:
    form = AnalyticsFilterForm(request.query_params)
    if not form.is_valid():
        raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
    return form.filters()


class FiltersSerializer(serializers.Serializer):
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    industry_chain = serializers.CharField(allow_null=True)
    institution = serializers.CharField(allow_null=True)
    city = serializers.CharField(allow_null=True)
    manager = serializers.IntegerField(allow_null=True)


class FunnelStepSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    outcomes = serializers.IntegerField(help_text="走到该环节的成果数")
    pairings = serializers.IntegerField(allow_null=True, help_text="走到该环节的配对数")
    conversion = serializers.FloatField(allow_null=True, help_text="较上一步转化率（0–1）")
    overall = serializers.FloatField(allow_null=True, help_text="占登记成果比例（0–1）")
    median_days = serializers.FloatField(allow_null=True, help_text="上一步到本步的中位天数")
    timed = serializers.IntegerField(help_text="计算中位用时的配对数")


class FunnelSerializer(serializers.Serializer):
    filters = FiltersSerializer()
    steps = FunnelStepSerializer(many=True)
    rejected = serializers.IntegerField()
    retracted = serializers.IntegerField()
    closed = serializers.IntegerField()
    waiting = serializers.IntegerField()


class FlowSerializer(serializers.Serializer):
    origin = serializers.CharField(help_text="成果方城市")
    destination = serializers.CharField(help_text="需求方城市")
    pairings = serializers.IntegerField()
    signed = serializers.IntegerField()


class RegionalFlowsSerializer(serializers.Serializer):
    filters = FiltersSerializer()
    flows = FlowSerializer(many=True)
    origins = serializers.ListField(child=serializers.CharField())
    destinations = serializers.ListField(child=serializers.CharField())
    matrix = serializers.ListField(child=serializers.ListField(child=serializers.IntegerField()))
    origin_totals = serializers.ListField(child=serializers.IntegerField())
    destination_totals = serializers.ListField(child=serializers.IntegerField())
    total = serializers.IntegerField()
    cross_city = serializers.IntegerField()
    signed = serializers.IntegerField()
    top_origin_share = serializers.FloatField(allow_null=True)


class LeagueRowSerializer(serializers.Serializer):
    manager_id = serializers.IntegerField()
    name = serializers.CharField()
    certificate_number = serializers.CharField()
    in_force = serializers.BooleanField()
    star_level = serializers.IntegerField()
    star_computed = serializers.IntegerField(allow_null=True)
    star_overridden = serializers.BooleanField()
    star_conversion = serializers.FloatField(allow_null=True)
    star_precision = serializers.FloatField(allow_null=True)
    star_speed = serializers.FloatField(allow_null=True)
    decisions = serializers.IntegerField()
    approvals = serializers.IntegerField()
    rejections = serializers.IntegerField()
    contacted = serializers.IntegerField()
    signed = serializers.IntegerField()
    waiting = serializers.IntegerField()
    median_decision_days = serializers.FloatField(allow_null=True)
    contact_rate = serializers.FloatField(allow_null=True)
    signed_rate = serializers.FloatField(allow_null=True)


class LeagueSerializer(serializers.Serializer):
    filters = FiltersSerializer()
    sort = serializers.CharField()
    managers = LeagueRowSerializer(many=True)


class FunnelView(APIView):
    """转化漏斗：成果登记 → 系统推荐 → 经理人通过 → 双方联系 → 进入洽谈 → 签约，各环节数量、转化率与中位用时。"""

    permission_classes = [CanSeeAnalytics]

    @extend_schema(parameters=FILTER_PARAMETERS, responses=FunnelSerializer)
    def get(self, request):
        filters = _filters(request)
        return Response({"filters": filters.as_dict(), **funnel(filters).as_dict()})


class RegionalFlowsView(APIView):
    """地区流向：已通过及之后的配对按（成果方城市 → 需求方城市）汇总，含矩阵。"""

    permission_classes = [CanSeeAnalytics]

    @extend_schema(parameters=FILTER_PARAMETERS, responses=RegionalFlowsSerializer)
    def get(self, request):
        filters = _filters(request)
        return Response({"filters": filters.as_dict(), **regional_flows(filters).as_dict()})


class ManagerLeagueView(APIView):
    """技术经理人榜单：审核数、首次决定中位天数、通过后联系/签约数、星级及构成；可排序。"""

    permission_classes = [CanSeeAnalytics]

    @extend_schema(
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter(
                "sort",
                OpenApiTypes.STR,
                enum=[*LEAGUE_SORTS, *(f"-{key}" for key in LEAGUE_SORTS)],
                description="排序字段，前加“-”为降序；默认 -decisions",
            ),
        ],
        responses=LeagueSerializer,
    )
    def get(self, request):
        filters = _filters(request)
        sort = request.query_params.get("sort") or DEFAULT_LEAGUE_SORT
        if sort.lstrip("-") not in LEAGUE_SORTS:
            raise ValidationError({"sort": [f"不支持的排序字段：{sort}。"]})
        rows = manager_league(filters, sort)
        return Response({"filters": filters.as_dict(), "sort": sort, "managers": [r.as_dict() for r in rows]})
