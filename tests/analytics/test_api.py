"""The analytics API and pages: who may see them, the same figures as the selectors, filters, CSV, query bounds."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import ROLES, World

pytestmark = pytest.mark.django_db

# fmt: off
# Statuses per role, in conftest.ROLES order (anon ent o-ent inst o-inst mgr x-mgr staff): only the
# platform's operators and managers in force see analytics; an expired manager does not.
ANALYTICS_MATRIX: dict[str, dict[str, dict[str, tuple[int, ...]]]] = {
    #                                           anon  ent  o-ent inst o-inst mgr x-mgr staff
    "analytics-funnel":         {"get": {"-": (401, 403, 403, 403, 403, 200, 403, 200)}},
    "analytics-regional-flows": {"get": {"-": (401, 403, 403, 403, 403, 200, 403, 200)}},
    "analytics-managers":       {"get": {"-": (401, 403, 403, 403, 403, 200, 403, 200)}},
}
# The pages and CSV downloads: anonymous visitors are sent to the login page.
PAGE_MATRIX: dict[str, tuple[int, ...]] = {
    "analytics:funnel":              (302, 403, 403, 403, 403, 200, 403, 200),
    "analytics:funnel-csv":          (302, 403, 403, 403, 403, 200, 403, 200),
    "analytics:regional":            (302, 403, 403, 403, 403, 200, 403, 200),
    "analytics:regional-csv":        (302, 403, 403, 403, 403, 200, 403, 200),
    "analytics:regional-matrix-csv": (302, 403, 403, 403, 403, 200, 403, 200),
    "analytics:managers":            (302, 403, 403, 403, 403, 200, 403, 200),
    "analytics:managers-csv":        (302, 403, 403, 403, 403, 200, 403, 200),
}
# fmt: on


def _api(name: str) -> str:
    return reverse(name)


@pytest.mark.parametrize("route", list(ANALYTICS_MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_api_access_per_role(world: World, route, role):
    expected = ANALYTICS_MATRIX[route]["get"]["-"][ROLES.index(role)]
    response = world.client(role).get(_api(route))
    assert response.status_code == expected, response.content


@pytest.mark.parametrize("route", list(PAGE_MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_page_access_per_role(world: World, route, role):
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    response = client.get(reverse(route))
    assert response.status_code == PAGE_MATRIX[route][ROLES.index(role)]
    if response.status_code == 302:
        assert "/login/" in response["Location"]


@pytest.fixture
def staff_api(seed):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(seed.staff)
    return client


@pytest.fixture
def staff_page(seed):
    client = Client()
    client.force_login(seed.staff)
    return client


def test_funnel_api_gives_the_selectors_figures(staff_api):
    body = staff_api.get(_api("analytics-funnel")).json()
    assert [(s["key"], s["outcomes"], s["pairings"]) for s in body["steps"]] == [
        ("registered", 9, None),
        ("proposed", 8, 9),
        ("approved", 6, 6),
        ("contacted", 4, 4),
        ("negotiating", 2, 2),
        ("signed", 1, 1),
    ]
    assert body["steps"][2]["conversion"] == 0.75
    assert body["steps"][3]["median_days"] == 1.5
    assert body["filters"]["institution"] is None


def test_funnel_api_applies_every_filter(staff_api, seed):
    query = {
        "date_from": "2026-01-01",
        "date_to": "2026-03-31",
        "industry_chain": "high_end_equipment",
        "institution": "inst-bj",
        "city": "宝鸡",
        "manager": seed.m2.pk,
    }
    body = staff_api.get(_api("analytics-funnel"), query).json()
    assert [s["outcomes"] for s in body["steps"]] == [1, 1, 1, 1, 0, 0]  # o8 → p9 only
    assert body["filters"] == {**query, "manager": seed.m2.pk}


def test_regional_api_gives_the_matrix(staff_api):
    body = staff_api.get(_api("analytics-regional-flows")).json()
    assert body["origins"] == ["西安", "宝鸡"]
    assert body["destinations"] == ["宝鸡", "西安", "咸阳"]
    assert body["matrix"] == [[2, 1, 1], [1, 1, 0]]
    assert body["flows"][0] == {"origin": "西安", "destination": "宝鸡", "pairings": 2, "signed": 1}


def test_league_api_sorts_and_refuses_unknown_sort(staff_api):
    body = staff_api.get(_api("analytics-managers"), {"sort": "-median_decision_days"}).json()
    assert [m["name"] for m in body["managers"]] == ["赵经理", "王经理"]
    assert body["managers"][0]["median_decision_days"] == 2.0
    response = staff_api.get(_api("analytics-managers"), {"sort": "salary"})
    assert response.status_code == 400
    assert "sort" in response.json()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"date_to": "yesterday"}, "date_to"),
        ({"date_from": "2026-03-01", "date_to": "2026-01-01"}, "date_to"),
        ({"industry_chain": "coal"}, "industry_chain"),
        ({"institution": "no-such-code"}, "institution"),
        ({"manager": "abc"}, "manager"),
        ({"manager": "999999"}, "manager"),
    ],
)
@pytest.mark.parametrize("route", list(ANALYTICS_MATRIX))
def test_bad_filters_are_400_naming_the_field(staff_api, route, query, field):
    response = staff_api.get(_api(route), query)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_bad_filter_on_a_page_is_400_with_the_message(staff_page):
    response = staff_page.get(reverse("analytics:funnel"), {"date_from": "2026-02-30"})
    assert response.status_code == 400
    assert "登记起始日期" in response.content.decode()
    assert staff_page.get(reverse("analytics:funnel-csv"), {"date_from": "x"}).status_code == 400


def _csv(response) -> list[list[str]]:
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_funnel_csv(staff_page):
    response = staff_page.get(reverse("analytics:funnel-csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="conversion-funnel-')
    rows = _csv(response)
    assert rows[0][:4] == ["环节", "成果数", "配对数", "较上一步转化率"]
    assert rows[1][:3] == ["成果登记", "9", ""]
    assert rows[3] == ["经理人通过", "6", "6", "75.0%", "66.7%", "1.5", "6"]


def test_funnel_csv_follows_the_filters(staff_page):
    rows = _csv(staff_page.get(reverse("analytics:funnel-csv"), {"institution": "inst-bj"}))
    assert [row[1] for row in rows[1:]] == ["2", "2", "2", "1", "0", "0"]


def test_regional_csvs(staff_page):
    flows = _csv(staff_page.get(reverse("analytics:regional-csv")))
    assert flows[0] == ["成果方城市", "需求方城市", "配对数（已通过及以后）", "已签约", "是否跨城市"]
    assert flows[1] == ["西安", "宝鸡", "2", "1", "是"]
    assert len(flows) == 6
    response = staff_page.get(reverse("analytics:regional-matrix-csv"))
    assert 'filename="regional-matrix-' in response["Content-Disposition"]
    matrix = _csv(response)
    assert matrix[0] == ["成果方城市 \\ 需求方城市", "宝鸡", "西安", "咸阳", "合计"]
    assert matrix[1:] == [["西安", "2", "1", "1", "4"], ["宝鸡", "1", "1", "0", "2"], ["合计", "3", "2", "1", "6"]]


def test_league_csv(staff_page):
    response = staff_page.get(reverse("analytics:managers-csv"), {"sort": "-signed"})
    assert 'filename="manager-league-' in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0][:4] == ["技术经理人", "证书编号", "证书状态", "审核数"]
    assert rows[1][0] == "王经理"
    assert rows[1][3:12] == ["4", "3", "1", "0", "2", "1", "66.7%", "33.3%", "1.0"]


def test_pages_show_charts_and_tables(staff_page):
    funnel = staff_page.get(reverse("analytics:funnel")).content.decode()
    assert funnel.count('class="funnel-bar"') == 6
    assert "签约转化" in funnel and "75.0%" in funnel
    regional = staff_page.get(reverse("analytics:regional")).content.decode()
    assert regional.count('class="cell"') == 6
    assert 'data-origin="西安" data-destination="宝鸡" data-value="2"' in regional
    league = staff_page.get(reverse("analytics:managers"), {"sort": "name"}).content.decode()
    assert league.index("王经理") < league.index("赵经理")
    assert "按姓名从低到高" in league


def test_nav_link_shows_for_those_who_may_see(world: World):
    client = Client()
    client.force_login(world.users["manager"])
    assert "数据分析" in client.get(reverse("matchmaker:review-queue")).content.decode()
    client.force_login(world.users["expired_manager"])
    assert "数据分析" not in client.get(reverse("matchmaker:review-queue")).content.decode()


@pytest.mark.parametrize(
    ("route", "bound"),
    [("analytics-funnel", 13), ("analytics-regional-flows", 7), ("analytics-managers", 10)],
)
def test_api_query_count_is_bounded(staff_api, seed, route, bound, django_assert_max_num_queries):
    query = {"institution": "inst-xa", "manager": seed.m1.pk, "date_from": "2026-01-01"}
    with django_assert_max_num_queries(bound):
        assert staff_api.get(_api(route), query).status_code == 200


@pytest.mark.parametrize(
    ("route", "bound"),
    [("analytics:funnel", 20), ("analytics:regional", 14), ("analytics:managers", 16)],
)
def test_page_query_count_is_bounded(staff_page, route, bound, django_assert_max_num_queries):
    with django_assert_max_num_queries(bound):
        assert staff_page.get(reverse(route)).status_code == 200
