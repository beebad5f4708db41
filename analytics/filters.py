"""The filters every analytics page, CSV export and API endpoint shares, and what they mean in SQL.

Period is a cohort: outcomes registered (登记) between the two dates, and the pairings of those
outcomes, so each step of the funnel is a subset of the one before. Industry chain, institution
and city are the outcome's (city = the institution's city); the manager is the one who decided a
pairing, or, while it waits for a decision, the one it is assigned to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone

from brokers.models import TechnologyManager
from core.taxonomy import industry_chain_choices, industry_chain_name
from outcomes.models import Institution


class AnalyticsFilterForm(forms.Form):
    date_from = forms.DateField(label="登记起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="登记截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    industry_chain = forms.ChoiceField(label="产业链", required=False)
    institution = forms.ModelChoiceField(
        label="高校院所",
        required=False,
        queryset=Institution.objects.order_by("code"),
        to_field_name="code",
        error_messages={"invalid_choice": "没有这个高校院所代码。"},
    )
    city = forms.CharField(label="成果所在城市", required=False, max_length=50)
    manager = forms.ModelChoiceField(
        label="技术经理人",
        required=False,
        queryset=TechnologyManager.objects.select_related("user").order_by("certificate_number"),
        error_messages={"invalid_choice": "没有这个技术经理人。"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["industry_chain"].choices = [("", "全部产业链"), *industry_chain_choices()]
        self.fields["institution"].empty_label = "全部高校院所"
        self.fields["manager"].empty_label = "全部经理人"
        self.fields["manager"].label_from_instance = lambda m: f"{m.user.get_full_name() or m.user.get_username()}"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "截止日期不能早于起始日期。")
        return data

    def filters(self) -> Filters:
        """The validated filters; call after is_valid() returned True."""
        data = self.cleaned_data
        return Filters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            industry_chain=data.get("industry_chain") or "",
            institution=data.get("institution"),
            city=(data.get("city") or "").strip(),
            manager=data.get("manager"),
        )


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass(frozen=True)
class Filters:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    industry_chain: str = ""
    institution: Institution | None = None
    city: str = ""
    manager: TechnologyManager | None = None

    def outcome_q(self, prefix: str = "") -> Q:
        """Conditions on outcomes; `prefix` is the path to the outcome ("outcome__", "match__outcome__")."""
        q = Q()
        if self.date_from:
            q &= Q(**{f"{prefix}created_at__gte": _start_of(self.date_from)})
        if self.date_to:
            q &= Q(**{f"{prefix}created_at__lt": _start_of(self.date_to + dt.timedelta(days=1))})
        if self.industry_chain:
            q &= Q(**{f"{prefix}industry_chain": self.industry_chain})
        if self.institution is not None:
            q &= Q(**{f"{prefix}institution_id": self.institution.pk})
        if self.city:
            q &= Q(**{f"{prefix}institution__city": self.city})
        return q

    def match_q(self, prefix: str = "") -> Q:
        """Conditions on pairings; `prefix` is the path to the pairing ("" or "match__")."""
        q = self.outcome_q(f"{prefix}outcome__")
        if self.manager is not None:
            q &= Q(**{f"{prefix}decided_by": self.manager}) | Q(
                **{f"{prefix}decided_by__isnull": True, f"{prefix}assigned_to": self.manager}
            )
        return q

    def as_dict(self) -> dict[str, Any]:
        """The filters in force, as plain values (API echo, CSV header)."""
        return {
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "industry_chain": self.industry_chain or None,
            "institution": self.institution.code if self.institution else None,
            "city": self.city or None,
            "manager": self.manager.pk if self.manager else None,
        }

    def describe(self) -> str:
        """The filters in force, in Chinese, for page subtitles and CSV files."""
        parts = []
        if self.date_from or self.date_to:
            start = self.date_from.isoformat() if self.date_from else "…"
            end = self.date_to.isoformat() if self.date_to else "…"
            parts.append(f"登记于 {start} 至 {end}")
        if self.industry_chain:
            parts.append(f"产业链：{industry_chain_name(self.industry_chain)}")
        if self.institution is not None:
            parts.append(f"高校院所：{self.institution.name}")
        if self.city:
            parts.append(f"成果所在城市：{self.city}")
        if self.manager is not None:
            user = self.manager.user
            parts.append(f"技术经理人：{user.get_full_name() or user.get_username()}")
        return "；".join(parts) or "全部数据"
