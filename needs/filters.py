"""Query filters for the needs API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django_filters.constants import EMPTY_VALUES

from core.access import request_roles
from core.taxonomy import industry_chain_choices
from matchmaker.engine import normalize
from needs.models import Need
from needs.selectors import need_details_q


class ConfidentialNumberFilter(django_filters.NumberFilter):
    """A filter on a confidential field.

    Filtering on such a field would reveal it one query at a time, so it only ever
    matches rows whose details the caller may read.
    """

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        details = need_details_q(request_roles(self.parent.request))
        return qs.filter(details, **{f"{self.field_name}__{self.lookup_expr}": value})


class NeedFilter(django_filters.FilterSet):
    industry_chain = django_filters.ChoiceFilter(choices=industry_chain_choices())
    city = django_filters.CharFilter(lookup_expr="exact")
    status = django_filters.ChoiceFilter(choices=Need.Status.choices)
    enterprise = django_filters.CharFilter(method="filter_enterprise", label="企业代码")
    confidential = django_filters.BooleanFilter()
    min_trl_min = ConfidentialNumberFilter(field_name="min_trl", lookup_expr="gte", label="最低TRL下限")
    min_trl_max = ConfidentialNumberFilter(field_name="min_trl", lookup_expr="lte", label="最低TRL上限")
    budget_min = ConfidentialNumberFilter(field_name="budget_wan", lookup_expr="gte", label="预算下限（万元）")
    budget_max = ConfidentialNumberFilter(field_name="budget_wan", lookup_expr="lte", label="预算上限（万元）")
    search = django_filters.CharFilter(method="filter_search", label="关键词（简繁体均可）", max_length=200)

    class Meta:
        model = Need
        fields = ("industry_chain", "city", "status", "confidential")

    def filter_enterprise(self, queryset, name, value):
        # Which company posted a confidential need is itself confidential.
        details = need_details_q(request_roles(self.request))
        return queryset.filter(details, enterprise__code=value)

    def filter_search(self, queryset, name, value):
        normalized = normalize(value.strip())
        if not normalized:
            return queryset
        in_details = Q(title__icontains=value) | Q(normalized_text__icontains=normalized)
        in_public = Q(public_title__icontains=value) | Q(public_title__icontains=normalized)
        details = need_details_q(request_roles(self.request))
        return queryset.filter((details & in_details) | (Q(confidential=True) & in_public))
