"""The analytics pages (funnel, regional flows, manager league) and their CSV downloads."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from analytics import charts, exports
from analytics.filters import AnalyticsFilterForm, Filters
from analytics.permissions import FORBIDDEN_MESSAGE, may_see_analytics
from analytics.selectors import DEFAULT_LEAGUE_SORT, LEAGUE_SORTS, funnel, manager_league, regional_flows
from core.access import request_roles
from matchmaker.pages import forbidden_page, page_view, render_page

LEAGUE_COLUMNS = (
    ("name", "技术经理人"),
    ("decisions", "审核数"),
    ("approvals", "通过"),
    ("contacted", "通过后联系"),
    ("signed", "签约"),
    ("contact_rate", "联系转化率"),
    ("signed_rate", "签约转化率"),
    ("median_decision_days", "首次决定中位天数"),
    ("star_level", "星级"),
)


def analytics_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A logged-in GET page for staff and managers in force; the filters are validated first.

    The view receives the validated Filters; a bad filter shows the form's errors with HTTP 400.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_see_analytics(request_roles(request)):
            return forbidden_page(request, FORBIDDEN_MESSAGE)
        form = AnalyticsFilterForm(request.GET or None)
        if form.is_bound and not form.is_valid():
            if kwargs.pop("csv", False):
                return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain; charset=utf-8")
            return render_page(request, "analytics/invalid.html", {"form": form, **_links(request)}, status=400)
        filters = form.filters() if form.is_bound else Filters()
        return view(request, form, filters, *args, **kwargs)

    return page_view(require_GET(wrapper))


def _query(request: HttpRequest, **changes: str) -> str:
    params: QueryDict = request.GET.copy()
    for key, value in changes.items():
        params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else ""


def _links(request: HttpRequest) -> dict[str, str]:
    return {"query": _query(request)}


@page_view
def index(request: HttpRequest) -> HttpResponse:
    return redirect("analytics:funnel")


@analytics_view
def funnel_page(request: HttpRequest, form: AnalyticsFilterForm, filters: Filters, csv: bool = False) -> HttpResponse:
    result = funnel(filters)
    if csv:
        return exports.csv_response("conversion-funnel", exports.funnel_table(result))
    header, rows = exports.funnel_table(result)
    steps = result.steps
    return render_page(
        request,
        "analytics/funnel.html",
        {
            "form": form,
            "filters": filters,
            "result": result,
            "chart": charts.funnel_chart(steps),
            "header": header,
            "rows": rows,
            "overall": steps[-1].overall,
            "registered": steps[0].outcomes,
            "signed": steps[-1].outcomes,
            **_links(request),
        },
    )


@analytics_view
def regional_page(request: HttpRequest, form: AnalyticsFilterForm, filters: Filters, csv: str = "") -> HttpResponse:
    flows = regional_flows(filters)
    if csv == "matrix":
        return exports.csv_response("regional-matrix", exports.matrix_table(flows))
    if csv:
        return exports.csv_response("regional-flows", exports.flows_table(flows))
    flow_header, flow_rows = exports.flows_table(flows)
    top_origin = flows.origins[0] if flows.origins else ""
    return render_page(
        request,
        "analytics/regional.html",
        {
            "form": form,
            "filters": filters,
            "flows": flows,
            "heatmap": charts.flow_heatmap(flows),
            "top_chart": charts.top_flows_chart(flows),
            "matrix_rows": [
                (origin, flows.matrix[i], flows.origin_totals[i]) for i, origin in enumerate(flows.origins)
            ],
            "flow_header": flow_header,
            "flow_rows": flow_rows,
            "cross_share": flows.cross_city / flows.total if flows.total else None,
            "top_origin": top_origin,
            **_links(request),
        },
    )


@analytics_view
def league_page(request: HttpRequest, form: AnalyticsFilterForm, filters: Filters, csv: bool = False) -> HttpResponse:
    sort = request.GET.get("sort") or DEFAULT_LEAGUE_SORT
    if sort.lstrip("-") not in LEAGUE_SORTS:
        sort = DEFAULT_LEAGUE_SORT
    rows = manager_league(filters, sort)
    if csv:
        return exports.csv_response("manager-league", exports.league_table(rows))
    key = sort.lstrip("-")
    columns = []
    for name, label in LEAGUE_COLUMNS:
        active = name == key
        # A first click sorts the figures from the largest, names from A; a second click reverses.
        target = (name if sort.startswith("-") else f"-{name}") if active else (name if name == "name" else f"-{name}")
        arrow = ("↓" if sort.startswith("-") else "↑") if active else ""
        columns.append({"label": label, "url": _query(request, sort=target), "arrow": arrow, "active": active})
    return render_page(
        request,
        "analytics/league.html",
        {
            "form": form,
            "filters": filters,
            "rows": rows,
            "columns": columns,
            "chart": charts.league_chart(rows),
            "sort_label": LEAGUE_SORTS[key],
            "descending": sort.startswith("-"),
            **_links(request),
        },
    )
