"""The figures themselves, on the hand-built pairings in conftest.py (exact numbers)."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.filters import Filters
from analytics.selectors import funnel, manager_league, regional_flows

pytestmark = pytest.mark.django_db


def _steps(result):
    return [(s.key, s.outcomes, s.pairings) for s in result.steps]


def test_funnel_counts_outcomes_and_pairings_at_each_step(seed):
    result = funnel(Filters())
    assert _steps(result) == [
        ("registered", 9, None),
        ("proposed", 8, 9),
        ("approved", 6, 6),
        ("contacted", 4, 4),  # p2 closed after negotiating counts; p7 closed straight after approval does not
        ("negotiating", 2, 2),
        ("signed", 1, 1),
    ]
    assert [s.conversion for s in result.steps] == [None, 0.8889, 0.75, 0.6667, 0.5, 0.5]
    assert result.steps[-1].overall == 0.1111
    assert (result.rejected, result.retracted, result.closed, result.waiting) == (1, 1, 2, 1)


def test_funnel_time_between_steps_is_the_median_in_days(seed):
    steps = {s.key: (s.median_days, s.timed) for s in funnel(Filters()).steps}
    assert steps == {
        "registered": (None, 0),
        "proposed": (4.0, 9),  # 1 2 2 3 [4] 4 6 6 10
        "approved": (1.5, 6),  # 1 1 [1 2] 2 4
        "contacted": (1.5, 4),  # 1 [1 2] 4
        "negotiating": (3.0, 2),  # [2 4]
        "signed": (10.0, 1),
    }


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (lambda s: Filters(date_from=dt.date(2026, 3, 1)), [1, 1, 1, 1, 0, 0]),
        (lambda s: Filters(date_to=dt.date(2026, 2, 28)), [8, 7, 5, 3, 2, 1]),
        (lambda s: Filters(industry_chain="new_materials"), [1, 1, 1, 0, 0, 0]),
        (lambda s: Filters(institution=s.inst_bj), [2, 2, 2, 1, 0, 0]),
        (lambda s: Filters(city="宝鸡"), [2, 2, 2, 1, 0, 0]),
        (lambda s: Filters(city="西安"), [7, 6, 4, 3, 2, 1]),
        (lambda s: Filters(manager=s.m2), [9, 4, 3, 2, 0, 0]),
        (lambda s: Filters(manager=s.m1), [9, 4, 3, 2, 2, 1]),
    ],
)
def test_each_filter_narrows_the_funnel(seed, filters, expected):
    assert [s.outcomes for s in funnel(filters(seed)).steps] == expected


def test_regional_flows_matrix_has_one_cell_per_pair_of_cities(seed):
    flows = regional_flows(Filters())
    assert flows.origins == ["西安", "宝鸡"]
    assert flows.destinations == ["宝鸡", "西安", "咸阳"]
    assert flows.matrix == [[2, 1, 1], [1, 1, 0]]
    assert (flows.total, flows.cross_city, flows.signed) == (6, 4, 1)
    assert flows.origin_totals == [4, 2]
    assert flows.destination_totals == [3, 2, 1]
    assert next((f.origin, f.destination, f.pairings, f.signed) for f in flows.flows) == ("西安", "宝鸡", 2, 1)


def test_regional_flows_follow_the_filters(seed):
    flows = regional_flows(Filters(institution=seed.inst_bj))
    assert flows.origins == ["宝鸡"]
    assert flows.matrix == [[1, 1]]


def test_manager_league_figures(seed):
    rows = {r.name: r for r in manager_league(Filters())}
    wang, zhao = rows["王经理"], rows["赵经理"]
    assert (wang.decisions, wang.approvals, wang.rejections, wang.contacted, wang.signed, wang.waiting) == (
        4,
        3,
        1,
        2,
        1,
        0,
    )
    assert wang.median_decision_days == 1.0  # 1 1 [1 2]... → (1+1)/2
    assert (wang.contact_rate, wang.signed_rate) == (0.6667, 0.3333)
    assert (zhao.decisions, zhao.approvals, zhao.rejections, zhao.contacted, zhao.signed, zhao.waiting) == (
        3,
        3,
        0,
        2,
        0,
        1,
    )
    assert zhao.median_decision_days == 2.0  # 1 [2] 4
    assert (zhao.star_level, zhao.star_computed, zhao.star_conversion, zhao.star_speed) == (3, 3, 0.4167, 0.8)
    assert wang.star_level == 4


def test_manager_league_sorts(seed):
    assert [r.name for r in manager_league(Filters(), "-decisions")] == ["王经理", "赵经理"]
    assert [r.name for r in manager_league(Filters(), "median_decision_days")] == ["王经理", "赵经理"]
    assert [r.name for r in manager_league(Filters(), "-median_decision_days")] == ["赵经理", "王经理"]
    assert [r.name for r in manager_league(Filters(), "-star_level")] == ["王经理", "赵经理"]


def test_manager_league_filtered_to_one_manager(seed):
    rows = manager_league(Filters(manager=seed.m2))
    assert [(r.name, r.decisions) for r in rows] == [("赵经理", 3)]
