"""The analytics pages in a real Chromium: staff opens the funnel and the regional flows and sees the charts.

Same set-up as tests/matchmaker/test_browser.py (Debian's Chromium, no downloaded browsers);
screenshots go to test-artifacts/browser/.
"""

from __future__ import annotations

import os

import pytest

from matchmaker.models import Match
from tests.analytics.conftest import DAY0, _pairing, day, frozen
from tests.factories import TEST_PASSWORD, InstitutionFactory, OutcomeFactory
from tests.matchmaker.test_browser import browser, shots  # noqa: F401  (fixtures)

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser
S = Match.Status

# Extra approved pairings, so the charts show the seed's pattern: research in 西安, uptake in the cities.
EXTRA_FLOWS = [
    ("西安", "宝鸡", 5, S.CONTACTED),
    ("西安", "咸阳", 4, S.NEGOTIATING),
    ("西安", "渭南", 3, S.APPROVED),
    ("西安", "榆林", 3, S.SIGNED),
    ("西安", "汉中", 2, S.APPROVED),
    ("杨凌", "咸阳", 2, S.CONTACTED),
    ("杨凌", "渭南", 1, S.APPROVED),
    ("宝鸡", "宝鸡", 1, S.APPROVED),
]
PATHS = {
    S.APPROVED: [S.APPROVED],
    S.CONTACTED: [S.APPROVED, S.CONTACTED],
    S.NEGOTIATING: [S.APPROVED, S.CONTACTED, S.NEGOTIATING],
    S.SIGNED: [S.APPROVED, S.CONTACTED, S.NEGOTIATING, S.SIGNED],
}


@pytest.fixture
def richer(seed, transactional_db):
    institutions = {"西安": seed.inst_xa, "宝鸡": seed.inst_bj, "杨凌": InstitutionFactory(code="inst-yl", city="杨凌")}
    for n, (origin, destination, count, status) in enumerate(EXTRA_FLOWS):
        for k in range(count):
            with frozen(DAY0):
                outcome = OutcomeFactory(institution=institutions[origin])
            start = 20 + n + k
            path = [(stage, day(start + 2 * i + 1)) for i, stage in enumerate(PATHS[status])]
            _pairing(
                outcome, destination, day(start), decided_by=seed.m1 if k % 2 else seed.m2, status=status, path=path
            )
    return seed


def test_staff_sees_the_funnel_and_the_regional_flows(live_server, browser, shots, richer):  # noqa: F811
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()

    page.goto(f"{base}/analytics/funnel/")
    assert "/login/" in page.url
    page.fill("#id_username", "operator")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("form button[type=submit]:has-text('登录')")
    page.wait_for_load_state()
    assert page.url == f"{base}/analytics/funnel/"

    chart = page.locator("svg.funnel-chart")
    assert chart.is_visible()
    bars = chart.locator("rect.funnel-bar")
    assert bars.count() == 6
    values = [int(v) for v in (bars.nth(i).get_attribute("data-value") for i in range(6))]
    assert values == [30, 29, 27, 18, 9, 4]
    assert values == sorted(values, reverse=True)
    assert "签约转化" in (chart.text_content() or "")
    assert page.locator("a:has-text('导出 CSV')").count() == 1
    shots(page, "analytics-01-funnel")

    page.click("nav.tabs a:has-text('地区流向')")
    page.wait_for_load_state()
    assert page.url == f"{base}/analytics/regional-flows/"
    heatmap = page.locator("svg.flow-heatmap")
    assert heatmap.is_visible()
    cell = heatmap.locator("rect.cell[data-origin='西安'][data-destination='宝鸡']")
    assert cell.get_attribute("data-value") == "7"
    assert heatmap.locator("rect.cell").count() == 3 * 6  # 西安, 杨凌, 宝鸡 × 宝鸡, 咸阳, 渭南, 榆林, 西安, 汉中
    assert page.locator("svg.top-flows rect.flow-bar").count() == 10
    shots(page, "analytics-02-regional-flows")

    page.click("nav.tabs a:has-text('经理人榜单')")
    page.wait_for_load_state()
    assert page.locator("svg.league-chart rect.league-bar.decisions").count() == 2
    shots(page, "analytics-03-manager-league")

    # Filtering keeps the user on the page and narrows the figures.
    page.goto(f"{base}/analytics/funnel/")
    page.select_option("#id_institution", "inst-bj")
    page.click("button:has-text('筛选')")
    page.wait_for_load_state()
    assert "institution=inst-bj" in page.url
    assert page.locator("svg.funnel-chart rect.funnel-bar").first.get_attribute("data-value") == "3"
    context.close()
