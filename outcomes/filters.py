"""Query filters for the outcomes API."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from core.models import TransferMode
from core.taxonomy import industry_chain_choices
from matchmaker.engine import normalize
from outcomes.models import Institution, Outcome


class OutcomeFilter(django_filters.FilterSet):
    industry_chain = django_filters.ChoiceFilter(choices=industry_chain_choices())
    city = django_filters.CharFilter(field_name="institution__city", label="机构所在城市")
    status = django_filters.ChoiceFilter(choices=Outcome.Status.choices)
    institution = django_filters.ModelChoiceFilter(
        field_name="institution", to_field_name="code", queryset=Institution.objects.all(), label="机构代码"
    )
    trl_min = django_filters.NumberFilter(field_name="trl", lookup_expr="gte", label="TRL下限")
    trl_max = django_filters.NumberFilter(field_name="trl", lookup_expr="lte", label="TRL上限")
    price_min = django_filters.NumberFilter(field_name="asking_price_wan", lookup_expr="gte", label="价格下限（万元）")
    price_max = django_filters.NumberFilter(field_name="asking_price_wan", lookup_expr="lte", label="价格上限（万元）")
    transfer_mode = django_filters.ChoiceFilter(
        choices=TransferMode.choices, method="filter_transfer_mode", label="转化方式"
    )
    separately_managed = django_filters.BooleanFilter()
    search = django_filters.CharFilter(method="filter_search", label="关键词（简繁体均可）", max_length=200)

    class Meta:
        model = Outcome
        fields = ("industry_chain", "status", "separately_managed")

    def filter_transfer_mode(self, queryset, name, value):
        # JSON containment is not portable to SQLite; the quoted code is unambiguous in the JSON text.
        return queryset.filter(transfer_modes__icontains=f'"{value}"')

    def filter_search(self, queryset, name, value):
        normalized = normalize(value.strip())
        if not normalized:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(normalized_text__icontains=normalized))
