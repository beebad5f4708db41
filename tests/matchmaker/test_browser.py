"""The review pages in a real Chromium: a manager approves a pairing, then the enterprise sees the contact.

Needs Debian's Chromium at /usr/bin/chromium and the playwright package (never its downloaded browsers).
Skipped when either is missing, except with REQUIRE_SERVICES=1 (CI), where that is a failure.
Screenshots of every page go to test-artifacts/browser/ at the repo root.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.db import connections
from django.utils import timezone

from matchmaker.models import Match, MatchEvent
from tests.factories import TEST_PASSWORD, NeedFactory, OutcomeFactory

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls there otherwise.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


def _unavailable(reason: str) -> None:
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1, so this is an error, not a skip)")
    pytest.skip(reason)


@pytest.fixture
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install playwright; no browser download needed)")
    if not CHROMIUM.exists():
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
            # Inside Playwright's loop the ORM gets its own connections; close them here, while they
            # are still reachable, or PostgreSQL refuses to drop the test database at the end.
            connections.close_all()


@pytest.fixture
def shots():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def shot(page, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return shot


def _spans(text: str, *terms: str) -> list[list[int]]:
    return sorted([text.index(term), text.index(term) + len(term)] for term in terms)


@pytest.fixture
def pairing(world, transactional_db):
    """A proposal assigned to bob, its need written in Traditional script, plus two weaker ones."""
    bob = world.users["manager"]
    bob.first_name = "王立衡"
    bob.save(update_fields=["first_name"])
    alice = world.users["enterprise_member"]
    alice.first_name = "杨建军"
    alice.save(update_fields=["first_name"])
    need = NeedFactory(
        enterprise=world.enterprise,
        title="鋁合金電池托盤雷射焊接氣孔多",
        description="我司以雷射焊接鋁合金電池托盤，焊縫氣孔多，氣密檢測一次通過率僅八成，希望引進新工藝並完成中試驗證。",
        city="西安",
        budget_wan=150,
        min_trl=6,
    )
    outcome = OutcomeFactory(
        institution=world.institution,
        title="激光-电弧复合焊接抑制铝合金焊缝气孔技术",
        abstract="提出激光-电弧复合热源焊接方法，稳定熔池，抑制铝合金焊缝气孔，气孔率降低80%，已在电池托盘产线中试。",
        trl=7,
        asking_price_wan=120,
    )
    explanation = {
        "terms": [
            {"term": "铝合金", "weight": 0.12},
            {"term": "气孔", "weight": 0.09},
            {"term": "焊缝", "weight": 0.07},
            {"term": "电池托盘", "weight": 0.05},
        ],
        "need_spans": {
            "title": _spans(need.title, "鋁合金", "電池托盤", "氣孔"),
            "description": _spans(need.description, "鋁合金", "電池托盤", "焊縫", "氣孔多"),
        },
        "outcome_spans": {
            "title": _spans(outcome.title, "铝合金", "焊缝", "气孔"),
            "abstract": _spans(outcome.abstract, "铝合金", "焊缝", "气孔率", "电池托盘"),
        },
    }
    now = timezone.now()
    manager = bob.technology_manager
    match = Match.objects.create(
        need=need,
        outcome=outcome,
        score=0.78,
        rank=1,
        explanation=explanation,
        parts={"text": 0.62, "text_word": 0.58, "text_char": 0.66, "industry": -0.5, "trl": 1.0, "price": 1.0},
        assigned_to=manager,
        assigned_at=now,
        due_at=now + dt.timedelta(days=3),
    )
    for rank, (other, score) in enumerate(((world.outcome, 0.41), (world.other_outcome, 0.33)), start=2):
        Match.objects.create(
            need=need, outcome=other, score=score, rank=rank, assigned_to=manager, due_at=now - dt.timedelta(hours=5)
        )
    return world, match


def _login(page, base: str, username: str) -> None:
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("form button[type=submit]:has-text('登录')")
    page.wait_for_load_state()


def test_manager_approves_and_enterprise_sees_the_institutions_contact(live_server, browser, shots, pairing):
    world, match = pairing
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()

    # The manager opens the queue, is sent to the login page, and comes back after logging in.
    page.goto(f"{base}/review/")
    assert "/login/" in page.url
    shots(page, "01-login")
    _login(page, base, "bob")
    assert page.url == f"{base}/review/"
    assert page.locator(".stat-value").first.inner_text() == "3"
    shots(page, "02-review-queue")

    page.click(f"a.row-link[href='/review/{match.pk}/']")
    page.wait_for_load_state()
    assert page.url == f"{base}/review/{match.pk}/"
    need_marks = page.locator(".side.need mark.hl")
    outcome_marks = page.locator(".side.outcome mark.hl")
    assert "鋁合金" in need_marks.all_inner_texts()
    assert "铝合金" in outcome_marks.all_inner_texts()
    assert "气孔率" in outcome_marks.all_inner_texts()
    shots(page, "03-review-detail")

    page.fill("#approve_note", "激光-电弧复合焊接可直接解决托盘焊缝气孔，建议尽快对接中试。")
    page.click("button:has-text('通过该配对')")
    page.wait_for_load_state()
    assert page.locator(".alert.success").first.is_visible()
    assert "已通过" in page.locator("h1 .badge").inner_text()
    shots(page, "04-review-approved")
    match.refresh_from_db()
    assert match.status == Match.Status.APPROVED
    assert MatchEvent.objects.filter(match=match, kind=MatchEvent.Kind.APPROVED).exists()

    page.click("button:has-text('退出登录')")
    page.wait_for_load_state()
    assert "/login/" in page.url

    # The enterprise now sees the institution's contact details on its deals page.
    _login(page, base, "alice")
    assert page.url == f"{base}/deals/"
    card = page.locator(f"article.deal:has(a[href='/deals/{match.pk}/'])")
    institution = world.institution
    for value in (institution.name, institution.contact_name, institution.contact_phone, institution.contact_email):
        assert value in card.inner_text()
    assert world.enterprise.contact_phone not in card.inner_text()
    shots(page, "05-deals-enterprise")

    card.locator(f"a[href='/deals/{match.pk}/']").click()
    page.wait_for_load_state()
    assert institution.contact_email in page.locator("body").inner_text()
    shots(page, "06-deal-detail-enterprise")
    context.close()
