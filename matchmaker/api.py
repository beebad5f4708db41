"""REST API of the matcher: a need's or an outcome's pairings, re-matching, and preview."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import request_roles
from core.api_fields import IndustryChainField
from core.throttling import PREVIEW_THROTTLES
from matchmaker import services, tasks
from matchmaker.models import Match
from matchmaker.review_selectors import rejection_summary
from matchmaker.selectors import can_rematch_need, matches_of_need_for, matches_of_outcome_for
from needs.selectors import needs_visible_to
from outcomes.selectors import outcomes_visible_to


class MatchSerializer(serializers.ModelSerializer):
    status = serializers.CharField(
        read_only=True,
        help_text="proposed 待审核 · retracted 系统撤回 · approved 已通过 · rejected 已驳回 · "
        "contacted 已联系 · negotiating 洽谈中 · signed 已签约 · closed 已关闭",
    )
    need_title = serializers.SerializerMethodField()
    outcome_title = serializers.CharField(source="outcome.title", read_only=True)
    institution_name = serializers.CharField(source="outcome.institution.name", read_only=True)

    class Meta:
        model = Match
        fields = (
            "id",
            "need",
            "need_title",
            "outcome",
            "outcome_title",
            "institution_name",
            "status",
            "source",
            "score",
            "rank",
            "parts",
            "explanation",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_need_title(self, match: Match) -> str:
        return match.need.title


class NeedMatchesView(generics.ListAPIView):
    """需求的对接配对：技术经理人可见全部推荐；需求方企业只看到经理人已通过的配对。"""

    serializer_class = MatchSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Match.objects.none()
        roles = request_roles(self.request)
        need = get_object_or_404(needs_visible_to(roles), pk=self.kwargs["pk"])
        matches = matches_of_need_for(roles, need)
        if matches is None:
            raise PermissionDenied("只有技术经理人或需求方可以查看该需求的配对。")
        return matches.order_by("rank", "-score")


class OutcomeMatchesView(generics.ListAPIView):
    """成果的对接配对：技术经理人可见全部推荐；成果方机构只看到经理人已通过的配对。"""

    serializer_class = MatchSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Match.objects.none()
        roles = request_roles(self.request)
        outcome = get_object_or_404(outcomes_visible_to(roles), pk=self.kwargs["pk"])
        matches = matches_of_outcome_for(roles, outcome)
        if matches is None:
            raise PermissionDenied("只有技术经理人或成果方可以查看该成果的配对。")
        return matches.order_by("-score")


class RematchView(APIView):
    """重新匹配一条需求（需求方企业成员或技术经理人）；返回 202 与任务编号。"""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={202: inline_serializer("RematchAccepted", {"task_id": serializers.CharField()})},
    )
    def post(self, request, pk: int):
        roles = request_roles(request)
        need = get_object_or_404(needs_visible_to(roles), pk=pk)
        if not can_rematch_need(roles, need):
            raise PermissionDenied("只有需求方企业成员或技术经理人可以重新匹配。")
        if not need.is_open():
            return Response({"status": ["只有征集中的需求可以匹配。"]}, status=status.HTTP_400_BAD_REQUEST)
        result = tasks.match_need.delay(need.pk)
        return Response({"task_id": result.id}, status=status.HTTP_202_ACCEPTED)


class PreviewRequestSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000, help_text="需求文字：第一行作为标题。简繁体均可。")
    industry_chain = IndustryChainField(required=False, allow_null=True)
    city = serializers.CharField(max_length=50, required=False, allow_blank=True, allow_null=True)
    min_trl = serializers.IntegerField(min_value=1, max_value=9, required=False, allow_null=True)
    budget_wan = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True)
    limit = serializers.IntegerField(min_value=1, max_value=settings.MATCHMAKER_PREVIEW_MAX, default=10)


class PreviewItemSerializer(serializers.Serializer):
    outcome = serializers.IntegerField(source="outcome.pk")
    title = serializers.CharField(source="outcome.title")
    institution_name = serializers.CharField(source="outcome.institution.name")
    industry_chain = serializers.CharField(source="outcome.industry_chain")
    trl = serializers.IntegerField(source="outcome.trl")
    score = serializers.FloatField(source="proposal.score")
    rank = serializers.IntegerField(source="proposal.rank")
    parts = serializers.DictField(child=serializers.FloatField(), source="proposal.parts")
    explanation = serializers.SerializerMethodField()

    def get_explanation(self, item) -> dict:
        return item.proposal.explanation.to_dict()


class PreviewResponseSerializer(serializers.Serializer):
    abstained = serializers.BooleanField(help_text="为 true 时没有可信的匹配成果（结果为空）。")
    reason = serializers.CharField()
    results = PreviewItemSerializer(many=True)


class MatchPreviewView(APIView):
    """试匹配：输入一段需求文字，返回排序并附说明的成果，不保存任何内容（登录用户，限频）。"""

    permission_classes = [IsAuthenticated]
    # Each preview scores the whole library: limited per user and per client address.
    throttle_classes = list(PREVIEW_THROTTLES)

    @extend_schema(
        request=PreviewRequestSerializer,
        responses={200: PreviewResponseSerializer, 400: OpenApiResponse(description="字段校验失败")},
    )
    def post(self, request):
        payload = PreviewRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        budget = data.get("budget_wan")
        preview = services.match_preview(
            text=data["text"],
            industry_chain=data.get("industry_chain"),
            city=data.get("city") or None,
            min_trl=data.get("min_trl"),
            budget_wan=None if budget is None else float(budget),
            k=data["limit"],
        )
        body = {"abstained": preview.abstained, "reason": preview.reason, "results": preview.items}
        return Response(PreviewResponseSerializer(body).data)


class RejectionSummarySerializer(serializers.Serializer):
    reason = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class NeedRejectionsView(APIView):
    """该需求被驳回的配对按原因汇总（需求方企业、技术经理人、平台管理员可见）。"""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=RejectionSummarySerializer(many=True))
    def get(self, request, pk: int):
        roles = request_roles(request)
        need = get_object_or_404(needs_visible_to(roles), pk=pk)
        if not (roles.sees_everything or need.enterprise_id in roles.enterprise_ids):
            raise PermissionDenied("只有需求方和技术经理人可以查看驳回原因。")
        return Response(rejection_summary(Match.objects.filter(need=need)))


class OutcomeRejectionsView(APIView):
    """该成果被驳回的配对按原因汇总，让机构知道成果为何屡被拒绝。"""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=RejectionSummarySerializer(many=True))
    def get(self, request, pk: int):
        roles = request_roles(request)
        outcome = get_object_or_404(outcomes_visible_to(roles), pk=pk)
        if not (roles.sees_everything or outcome.institution_id in roles.institution_ids):
            raise PermissionDenied("只有成果方和技术经理人可以查看驳回原因。")
        return Response(rejection_summary(Match.objects.filter(outcome=outcome)))
