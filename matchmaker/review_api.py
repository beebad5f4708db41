"""REST API of the review workflow: the review queue, decisions, questions, deals, audit trail."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.access import request_roles
from core.models import TransferMode
from core.taxonomy import industry_chain_choices
from matchmaker import deals, reviews
from matchmaker.models import Match, MatchEvent, MatchQuestion
from matchmaker.review_selectors import deals_for, manager_of, questions_for, reviews_for
from needs.selectors import can_see_need_details


class MatchEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True)

    class Meta:
        model = MatchEvent
        fields = ("id", "kind", "actor", "from_status", "to_status", "reason", "note", "data", "at")
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer):
    status = serializers.CharField(
        read_only=True,
        help_text="proposed 待审核 · retracted 系统撤回 · approved 已通过 · rejected 已驳回 · "
        "contacted 已联系 · negotiating 洽谈中 · signed 已签约 · closed 已关闭",
    )
    reject_reason = serializers.CharField(read_only=True, help_text="驳回原因代码，见 RejectReasonEnum")
    need_title = serializers.CharField(source="need.title", read_only=True)
    need_description = serializers.CharField(source="need.description", read_only=True)
    need_industry_chain = serializers.CharField(source="need.industry_chain", read_only=True)
    need_city = serializers.CharField(source="need.city", read_only=True)
    enterprise_name = serializers.CharField(source="need.enterprise.name", read_only=True)
    outcome_title = serializers.CharField(source="outcome.title", read_only=True)
    outcome_abstract = serializers.CharField(source="outcome.abstract", read_only=True)
    institution_name = serializers.CharField(source="outcome.institution.name", read_only=True)
    assigned_to = serializers.CharField(source="assigned_to.certificate_number", default=None, read_only=True)
    decided_by = serializers.CharField(source="decided_by.certificate_number", default=None, read_only=True)

    class Meta:
        model = Match
        fields = (
            "id",
            "need",
            "need_title",
            "need_description",
            "need_industry_chain",
            "need_city",
            "enterprise_name",
            "outcome",
            "outcome_title",
            "outcome_abstract",
            "institution_name",
            "status",
            "score",
            "rank",
            "parts",
            "explanation",
            "assigned_to",
            "assigned_at",
            "due_at",
            "escalations",
            "decided_by",
            "decided_at",
            "reject_reason",
            "decision_note",
            "created_at",
        )
        read_only_fields = fields


class ReviewFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Match.Status.choices)
    mine = django_filters.BooleanFilter(method="filter_mine", label="只看分派给我的")
    industry_chain = django_filters.ChoiceFilter(field_name="need__industry_chain", choices=industry_chain_choices)
    city = django_filters.CharFilter(field_name="need__city")
    min_score = django_filters.NumberFilter(field_name="score", lookup_expr="gte")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="已超期")

    class Meta:
        model = Match
        fields = ("status",)

    def filter_mine(self, queryset, name, value):
        manager = manager_of(self.request.user)
        if not value:
            return queryset
        return queryset.filter(assigned_to=manager) if manager else queryset.none()

    def filter_overdue(self, queryset, name, value):
        from django.utils import timezone

        overdue = {"status": Match.Status.PROPOSED, "due_at__lt": timezone.now()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RejectSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Match.RejectReason.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class AskSerializer(serializers.Serializer):
    party = serializers.ChoiceField(choices=MatchQuestion.Party.choices)
    question = serializers.CharField(max_length=2000)


class ReopenSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class ReviewViewSet(viewsets.ReadOnlyModelViewSet):
    """审核队列：有效期内的技术经理人与平台管理员可见全部；证书失效的经理人只读自己经手的配对。
    默认按匹配度从高到低、提出时间从早到晚排序。"""

    serializer_class = ReviewSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = ReviewFilter
    ordering_fields = ("score", "created_at", "due_at", "decided_at")
    ordering = ("-score", "created_at")

    def get_queryset(self):
        return reviews_for(self.request.user, request_roles(self.request))

    def list(self, request, *args, **kwargs):
        roles = request_roles(request)
        if not (roles.staff or roles.is_manager):
            raise PermissionDenied("只有技术经理人和平台管理员可以查看审核队列。")
        return super().list(request, *args, **kwargs)

    def _decide(self, request, approve: bool):
        match = self.get_object()
        # Who may act is answered before what they sent: a refused caller learns nothing from validation.
        reviews.check_may_decide(manager_of(request.user), match)
        payload = (DecisionSerializer if approve else RejectSerializer)(data=request.data)
        payload.is_valid(raise_exception=True)
        match = reviews.review_decide(
            match=match,
            manager=manager_of(request.user),
            approve=approve,
            reason=payload.validated_data.get("reason", ""),
            note=payload.validated_data.get("note", ""),
        )
        return Response(self.get_serializer(match).data)

    @extend_schema(request=DecisionSerializer, responses=ReviewSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """通过：双方随即看到彼此联系方式并收到通知。并发时只有一个决定生效，其余返回 409。"""
        return self._decide(request, approve=True)

    @extend_schema(request=RejectSerializer, responses=ReviewSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """驳回：须选择原因（不相关、成熟度不足、价格超出预算、知识产权不可转让、重复推荐、其他）。"""
        return self._decide(request, approve=False)

    @extend_schema(request=AskSerializer, responses={201: None})
    @action(detail=True, methods=["post"])
    def ask(self, request, pk=None):
        """向需求方或成果方提问。"""
        match = self.get_object()
        reviews.check_may_decide(manager_of(request.user), match)
        payload = AskSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        question = reviews.review_ask(match=match, manager=manager_of(request.user), **payload.validated_data)
        return Response(
            QuestionSerializer(question, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=ReopenSerializer, responses=ReviewSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """平台管理员重新打开已驳回的配对（驳回被推翻），重新分派审核。"""
        match = self.get_object()
        reviews.check_may_reopen(request.user)
        payload = ReopenSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        match = reviews.review_reopen(match=match, user=request.user, note=payload.validated_data["note"])
        return Response(self.get_serializer(match).data)

    @extend_schema(responses=MatchEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def events(self, request, pk=None):
        """审计记录（只读，不可修改或删除）。"""
        match = self.get_object()
        return Response(MatchEventSerializer(match.events.select_related("actor"), many=True).data)


class QuestionSerializer(serializers.ModelSerializer):
    asked_by = serializers.CharField(source="asked_by.username", read_only=True)
    match_need_title = serializers.SerializerMethodField()
    match_outcome_title = serializers.CharField(source="match.outcome.title", read_only=True)

    class Meta:
        model = MatchQuestion
        fields = (
            "id",
            "match",
            "match_need_title",
            "match_outcome_title",
            "party",
            "question",
            "asked_by",
            "asked_at",
            "answer",
            "answered_at",
        )
        read_only_fields = fields

    def get_match_need_title(self, question: MatchQuestion) -> str:
        # An institution asked about a confidential need before approval sees only its public title.
        need = question.match.need
        if can_see_need_details(request_roles(self.context["request"]), need):
            return need.title
        return need.display_public_title()


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=2000)


class QuestionViewSet(viewsets.ReadOnlyModelViewSet):
    """技术经理人向本企业或本机构提出的问题，可在此答复。"""

    serializer_class = QuestionSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return questions_for(request_roles(self.request))

    @extend_schema(request=AnswerSerializer, responses=QuestionSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        question = self.get_object()
        reviews.check_may_answer(question, request.user)
        payload = AnswerSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        question = reviews.review_answer(question=question, user=request.user, answer=payload.validated_data["answer"])
        return Response(self.get_serializer(question).data)


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    contact_name = serializers.CharField()
    contact_phone = serializers.CharField()
    contact_email = serializers.CharField()


class DealSerializer(serializers.ModelSerializer):
    status = serializers.CharField(
        read_only=True,
        help_text="proposed 待审核 · retracted 系统撤回 · approved 已通过 · rejected 已驳回 · "
        "contacted 已联系 · negotiating 洽谈中 · signed 已签约 · closed 已关闭",
    )
    need_title = serializers.CharField(source="need.title", read_only=True)
    outcome_title = serializers.CharField(source="outcome.title", read_only=True)
    enterprise = serializers.SerializerMethodField()
    institution = serializers.SerializerMethodField()
    allowed_moves = serializers.SerializerMethodField()

    class Meta:
        model = Match
        fields = (
            "id",
            "need",
            "need_title",
            "outcome",
            "outcome_title",
            "status",
            "enterprise",
            "institution",
            "decided_at",
            "stage_changed_at",
            "contract_value_wan",
            "contract_mode",
            "closed_reason",
            "allowed_moves",
        )
        read_only_fields = fields

    @staticmethod
    def _contact(party) -> dict:
        return {
            "name": party.name,
            "contact_name": party.contact_name,
            "contact_phone": party.contact_phone,
            "contact_email": party.contact_email,
        }

    @extend_schema_field(ContactSerializer)
    def get_enterprise(self, match: Match) -> dict:
        return self._contact(match.need.enterprise)

    @extend_schema_field(ContactSerializer)
    def get_institution(self, match: Match) -> dict:
        return self._contact(match.outcome.institution)

    def get_allowed_moves(self, match: Match) -> list[str]:
        return deals.allowed_moves(self.context["request"].user, match)


class MoveSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[
            (s, Match.Status(s).label)
            for s in (Match.Status.CONTACTED, Match.Status.NEGOTIATING, Match.Status.SIGNED, Match.Status.CLOSED)
        ]
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    contract_value_wan = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    contract_mode = serializers.ChoiceField(choices=TransferMode.choices, required=False, allow_blank=True, default="")


class DealViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """对接进展：已通过的配对（双方可见彼此联系方式）。已联系 → 洽谈中 → 已签约，或关闭（须说明原因）。"""

    serializer_class = DealSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ("status",)
    ordering_fields = ("decided_at", "stage_changed_at")
    ordering = ("-decided_at",)

    def get_queryset(self):
        return deals_for(request_roles(self.request))

    @extend_schema(request=MoveSerializer, responses=DealSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        match = self.get_object()
        if not deals.may_move(request.user, match):
            raise PermissionDenied("您无权变更该配对的进展。")
        payload = MoveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        match = deals.deal_move(
            match=match,
            user=request.user,
            to_status=data["status"],
            reason=data["reason"],
            contract_value_wan=data["contract_value_wan"],
            contract_mode=data["contract_mode"],
        )
        return Response(self.get_serializer(match).data)
