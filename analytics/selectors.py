"""The analytics figures: every count, rate and median is computed by the database.

Each function runs a fixed, small number of queries whatever the size of the tables (the tests
assert the bound): conditional aggregation (`Count(..., filter=Q(...))`) for the counts, and a
window query for medians, which fetches only the middle one or two rows of each group.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Count, Exists, F, FloatField, Func, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber

from analytics.filters import Filters
from brokers.models import TechnologyManager
from matchmaker.models import Match, MatchEvent
from outcomes.models import Outcome

S = Match.Status
DEAL_ORDER = (S.APPROVED, S.CONTACTED, S.NEGOTIATING, S.SIGNED)


def _at_or_after(stage: str) -> tuple[str, ...]:
    return DEAL_ORDER[DEAL_ORDER.index(stage) :]


def reached(stage: str, prefix: str = "") -> Q:
    """Pairings that got at least as far as `stage` (a closed deal counts up to where it stopped).

    Closing is possible from approved, contacted or negotiating; how far a closed deal got is
    read from its audit rows.
    """
    if stage == S.PROPOSED:
        return Q()
    if stage == S.APPROVED:
        return Q(**{f"{prefix}status__in": Match.RELEASED_STATUSES})
    later = _at_or_after(stage)
    pk = OuterRef(f"{prefix}pk") if prefix else OuterRef("pk")
    stopped_there = Exists(MatchEvent.objects.filter(match=pk, to_status__in=later))
    return Q(**{f"{prefix}status__in": later}) | (Q(**{f"{prefix}status": S.CLOSED}) & Q(stopped_there))


class DaysBetween(Func):
    """`end − start` in days, as a float, computed natively by the database.

    Django's own datetime subtraction calls a Python function per row on SQLite; julianday() does not.
    """

    arity = 2
    output_field = FloatField()
    arg_joiner = " - "
    template = "CAST(EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0 AS double precision)"

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="(julianday(%(expressions)s))", arg_joiner=") - julianday(", **extra_context
        )


def median_days(queryset: QuerySet, days: Any, group: str | None = None) -> dict[Any, tuple[float | None, int]]:
    """Median of `days` (a DaysBetween expression), rounded to 0.01 day, and how many rows had a value.

    One query: ROW_NUMBER and COUNT over the (grouped) rows ordered by the value, keeping only the
    middle row(s) of each group, so at most two rows per group leave the database. Without
    `group` the result is keyed by None.
    """
    partition = [F(group)] if group else None
    rows = (
        queryset.annotate(_days=days)
        .filter(_days__isnull=False)
        .annotate(
            _row=Window(RowNumber(), partition_by=partition, order_by=[F("_days").asc(), F("pk").asc()]),
            _rows=Window(Count("pk"), partition_by=partition),
        )
        .filter(Q(_row=(F("_rows") + 1) / 2) | Q(_row=(F("_rows") + 2) / 2))
    )
    fields = (group, "_rows", "_days") if group else ("_rows", "_days")
    middles: dict[Any, list[float]] = defaultdict(list)
    counts: dict[Any, int] = {}
    for row in rows.values_list(*fields):  # at most two rows per group
        key, n, value = row if group else (None, *row)
        middles[key].append(value)
        counts[key] = n
    return {key: (round(sum(values) / len(values), 2), counts[key]) for key, values in middles.items()}


# --- The funnel ----------------------------------------------------------------------------------


@dataclass
class FunnelStep:
    key: str
    label: str
    outcomes: int
    pairings: int | None
    conversion: float | None = None  # share of the previous step's outcomes, 0–1
    overall: float | None = None  # share of the registered outcomes, 0–1
    median_days: float | None = None  # from the previous step, per pairing
    timed: int = 0  # pairings the median is computed from


@dataclass
class Funnel:
    steps: list[FunnelStep]
    rejected: int
    retracted: int
    closed: int
    waiting: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


FUNNEL_LABELS = {
    "registered": "成果登记",
    S.PROPOSED: "系统推荐",
    S.APPROVED: "经理人通过",
    S.CONTACTED: "双方联系",
    S.NEGOTIATING: "进入洽谈",
    S.SIGNED: "签约转化",
}
PAIRING_STAGES = (S.PROPOSED, S.APPROVED, S.CONTACTED, S.NEGOTIATING, S.SIGNED)


def _first_event_at(stage: str) -> Subquery:
    events = MatchEvent.objects.filter(match=OuterRef("match"), to_status=stage).order_by("at", "pk")
    return Subquery(events.values("at")[:1])


def _step_durations(filters: Filters) -> dict[str, tuple[float | None, int]]:
    """Median days from the previous step to each step, one window query per step."""
    matches = Match.objects.filter(filters.match_q())
    events = MatchEvent.objects.filter(filters.match_q("match__"))
    found = {
        S.PROPOSED: median_days(matches, DaysBetween("created_at", "outcome__created_at")),
        S.APPROVED: median_days(matches.filter(reached(S.APPROVED)), DaysBetween("decided_at", "created_at")),
        S.CONTACTED: median_days(events.filter(to_status=S.CONTACTED), DaysBetween("at", "match__decided_at")),
        S.NEGOTIATING: median_days(
            events.filter(to_status=S.NEGOTIATING), DaysBetween("at", _first_event_at(S.CONTACTED))
        ),
        S.SIGNED: median_days(events.filter(to_status=S.SIGNED), DaysBetween("at", _first_event_at(S.NEGOTIATING))),
    }
    return {stage: result.get(None, (None, 0)) for stage, result in found.items()}


def funnel(filters: Filters) -> Funnel:
    """Outcomes registered → proposed → approved → contacted → negotiating → signed.

    Steps count outcomes (an outcome is at a step when at least one of its pairings got that far),
    with the number of pairings alongside; conversion is against the previous step.
    """
    registered = Outcome.objects.filter(filters.outcome_q()).count()
    aggregates: dict[str, Any] = {}
    for stage in PAIRING_STAGES:
        condition = reached(stage)
        aggregates[f"{stage}_outcomes"] = Count("outcome_id", distinct=True, filter=condition or None)
        aggregates[f"{stage}_pairings"] = Count("pk", filter=condition or None)
    for status in (S.REJECTED, S.RETRACTED, S.CLOSED, S.PROPOSED):
        aggregates[f"now_{status}"] = Count("pk", filter=Q(status=status))
    totals = Match.objects.filter(filters.match_q()).aggregate(**aggregates)
    durations = _step_durations(filters)

    steps = [FunnelStep("registered", FUNNEL_LABELS["registered"], registered, None)]
    for stage in PAIRING_STAGES:
        median, timed = durations[stage]
        steps.append(
            FunnelStep(
                stage,
                FUNNEL_LABELS[stage],
                totals[f"{stage}_outcomes"],
                totals[f"{stage}_pairings"],
                median_days=median,
                timed=timed,
            )
        )
    for previous, step in itertools.pairwise(steps):
        step.conversion = round(step.outcomes / previous.outcomes, 4) if previous.outcomes else None
        step.overall = round(step.outcomes / registered, 4) if registered else None
    steps[0].overall = 1.0 if registered else None
    return Funnel(
        steps=steps,
        rejected=totals[f"now_{S.REJECTED}"],
        retracted=totals[f"now_{S.RETRACTED}"],
        closed=totals[f"now_{S.CLOSED}"],
        waiting=totals[f"now_{S.PROPOSED}"],
    )


# --- Regional flows ------------------------------------------------------------------------------


@dataclass
class Flow:
    origin: str  # the institution's city (where the outcome was made)
    destination: str  # the enterprise's need city (where it is taken up)
    pairings: int
    signed: int


@dataclass
class RegionalFlows:
    flows: list[Flow]  # largest first
    origins: list[str]  # rows of the matrix, largest first
    destinations: list[str]  # columns of the matrix, largest first
    matrix: list[list[int]]  # matrix[i][j]: pairings from origins[i] to destinations[j]
    origin_totals: list[int]
    destination_totals: list[int]
    total: int
    cross_city: int  # pairings whose two cities differ
    signed: int = 0
    top_origin_share: float | None = None  # share of the largest origin city

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def regional_flows(filters: Filters) -> RegionalFlows:
    """Approved-or-later pairings by (institution city → need city): one grouped query."""
    cells = (
        Match.objects.filter(filters.match_q(), reached(S.APPROVED))
        .values(origin=F("outcome__institution__city"), destination=F("need__city"))
        .annotate(pairings=Count("pk"), signed=Count("pk", filter=Q(status=S.SIGNED)))
        .order_by("-pairings", "origin", "destination")
    )
    flows = [Flow(**row) for row in cells]  # one row per pair of cities, not per pairing
    by_origin: dict[str, int] = defaultdict(int)
    by_destination: dict[str, int] = defaultdict(int)
    for flow in flows:
        by_origin[flow.origin] += flow.pairings
        by_destination[flow.destination] += flow.pairings
    origins = sorted(by_origin, key=lambda city: (-by_origin[city], city))
    destinations = sorted(by_destination, key=lambda city: (-by_destination[city], city))
    index = {(flow.origin, flow.destination): flow.pairings for flow in flows}
    matrix = [[index.get((o, d), 0) for d in destinations] for o in origins]
    total = sum(by_origin.values())
    return RegionalFlows(
        flows=flows,
        origins=origins,
        destinations=destinations,
        matrix=matrix,
        origin_totals=[by_origin[o] for o in origins],
        destination_totals=[by_destination[d] for d in destinations],
        total=total,
        cross_city=sum(f.pairings for f in flows if f.origin != f.destination),
        signed=sum(f.signed for f in flows),
        top_origin_share=round(by_origin[origins[0]] / total, 4) if total else None,
    )


# --- The manager league --------------------------------------------------------------------------


@dataclass
class LeagueRow:
    manager_id: int
    name: str
    certificate_number: str
    in_force: bool
    star_level: int
    star_computed: int | None
    star_overridden: bool
    star_conversion: float | None
    star_precision: float | None
    star_speed: float | None
    decisions: int = 0
    approvals: int = 0
    rejections: int = 0
    contacted: int = 0
    signed: int = 0
    waiting: int = 0
    median_decision_days: float | None = None

    @property
    def contact_rate(self) -> float | None:
        return round(self.contacted / self.approvals, 4) if self.approvals else None

    @property
    def signed_rate(self) -> float | None:
        return round(self.signed / self.approvals, 4) if self.approvals else None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "contact_rate": self.contact_rate, "signed_rate": self.signed_rate}


LEAGUE_SORTS = {
    "decisions": "审核数",
    "approvals": "通过数",
    "contacted": "通过后联系数",
    "signed": "签约数",
    "contact_rate": "联系转化率",
    "signed_rate": "签约转化率",
    "median_decision_days": "首次决定中位天数",
    "star_level": "星级",
    "name": "姓名",
}
DEFAULT_LEAGUE_SORT = "-decisions"


def manager_league(filters: Filters, sort: str = DEFAULT_LEAGUE_SORT) -> list[LeagueRow]:
    """One row per manager, four queries in all; `sort` is a LEAGUE_SORTS key, "-" first for descending.

    A decision is a pairing the manager decided (its current decision); time to first decision
    is from assignment to decision, in calendar days.
    """
    managers = TechnologyManager.objects.all()
    if filters.manager is not None:
        managers = managers.filter(pk=filters.manager.pk)
    today = dt.date.today()
    rows: dict[int, LeagueRow] = {}
    for m in managers.values(
        "pk",
        "user__username",
        "user__first_name",
        "user__last_name",
        "certificate_number",
        "active",
        "certified_on",
        "valid_until",
        "star_level",
        "star_computed",
        "star_override",
        "star_components",
    ):
        parts = m["star_components"] or {}
        rows[m["pk"]] = LeagueRow(
            manager_id=m["pk"],
            name=(f"{m['user__first_name']} {m['user__last_name']}".strip() or m["user__username"]),
            certificate_number=m["certificate_number"],
            in_force=bool(m["active"] and m["certified_on"] <= today <= m["valid_until"]),
            star_level=m["star_level"],
            star_computed=m["star_computed"],
            star_overridden=m["star_override"] is not None,
            star_conversion=parts.get("conversion"),
            star_precision=parts.get("precision"),
            star_speed=parts.get("speed"),
        )

    matches = Match.objects.filter(filters.match_q())
    decided = matches.filter(decided_by__isnull=False)
    for row in decided.values("decided_by").annotate(
        decisions=Count("pk"),
        approvals=Count("pk", filter=reached(S.APPROVED)),
        rejections=Count("pk", filter=Q(status=S.REJECTED)),
        contacted=Count("pk", filter=reached(S.CONTACTED)),
        signed=Count("pk", filter=Q(status=S.SIGNED)),
    ):
        target = rows.get(row.pop("decided_by"))
        if target is not None:
            for name, value in row.items():
                setattr(target, name, value)
    waiting = matches.filter(status=S.PROPOSED, assigned_to__isnull=False)
    for manager_id, n in waiting.values_list("assigned_to").annotate(n=Count("pk")).values_list("assigned_to", "n"):
        if manager_id in rows:
            rows[manager_id].waiting = n
    timed = decided.filter(assigned_at__isnull=False, decided_at__isnull=False)
    for manager_id, (median, _n) in median_days(timed, DaysBetween("decided_at", "assigned_at"), "decided_by").items():
        if manager_id in rows:
            rows[manager_id].median_decision_days = median
    return sort_league(list(rows.values()), sort)


def sort_league(rows: list[LeagueRow], sort: str) -> list[LeagueRow]:
    """Sort the (already aggregated) rows; managers without a value go last either way."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in LEAGUE_SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    present = [r for r in rows if getattr(r, key) is not None]
    missing = [r for r in rows if getattr(r, key) is None]
    present.sort(key=lambda r: r.name)
    present.sort(key=lambda r: getattr(r, key), reverse=descending)
    return present + sorted(missing, key=lambda r: r.name)
