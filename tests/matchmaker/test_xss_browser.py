"""User text is shown as text on every server-rendered page, checked in a real Chromium.

Every free-text value a user controls that a page shows (need title and description, outcome title,
enterprise and institution names, cities, a rejection note, a question, a manager's name) holds a
script that would set window.__xss if the page let it run. On each page the test asserts that
window.__xss is still undefined and that the literal text is on the page.
Same set-up as tests/matchmaker/test_browser.py (Debian's Chromium, no downloaded browsers).
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.test import Client

from matchmaker import reviews
from matchmaker.models import Match
from tests.factories import NeedFactory, UserFactory
from tests.matchmaker.test_browser import browser, shots  # noqa: F401  (fixtures)

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

ENTERPRISE = "<script>window.__xss=1</script>企业"
NEED_TITLE = "<script>window.__xss=2</script>需求"
NEED_TEXT = '<img src=x onerror="window.__xss=3">需求描述'
OUTCOME_TITLE = '<svg onload="window.__xss=4">成果</svg>'
INSTITUTION = "<script>window.__xss=5</script>高校"
REJECT_NOTE = '<img src=x onerror="window.__xss=6">驳回说明'
QUESTION = "<script>window.__xss=7</script>问题"
MANAGER = '<img src=x onerror="window.__xss=8">王'
CITY = "<img src=x onerror=window.__xss=9>"
VISITOR = "<script>window.__xss=10</script>访客"


@pytest.fixture
def hostile(world, transactional_db):
    """The world with hostile text in every field a page shows, pairings in every state."""
    world.enterprise.name = ENTERPRISE
    world.enterprise.save()
    world.institution.name = INSTITUTION
    world.institution.city = CITY
    world.institution.save()
    world.need.title, world.need.description, world.need.city = NEED_TITLE, NEED_TEXT, CITY
    world.need.save()
    world.outcome.title = OUTCOME_TITLE
    world.outcome.save()
    bob = world.users["manager"]
    bob.first_name = MANAGER
    bob.save()
    world.users["outsider"] = UserFactory(username="mallory", first_name=VISITOR)
    manager = bob.technology_manager

    review = Match.objects.create(need=world.need, outcome=world.outcome, score=0.8, rank=1, assigned_to=manager)
    reviews.review_ask(match=review, manager=manager, party="need", question=QUESTION)
    rejected = Match.objects.create(
        need=world.need, outcome=world.other_outcome, score=0.6, rank=2, assigned_to=manager
    )
    reviews.review_decide(match=rejected, manager=manager, approve=False, reason="other", note=REJECT_NOTE)
    deal_need = NeedFactory(enterprise=world.enterprise, title=NEED_TITLE, city=CITY)
    deal = Match.objects.create(need=deal_need, outcome=world.outcome, score=0.7, rank=1, assigned_to=manager)
    reviews.review_decide(match=deal, manager=manager, approve=True, note=REJECT_NOTE)
    rejected_outcome_match = Match.objects.create(
        need=world.other_need, outcome=world.outcome, score=0.5, rank=3, assigned_to=manager
    )
    reviews.review_decide(match=rejected_outcome_match, manager=manager, approve=False, reason="other", note="x")
    world.review, world.rejected, world.deal = review, rejected, deal
    return world


def pages(w) -> list[tuple[str, str, tuple[str, ...]]]:
    """(role, path, the hostile texts that page must show as text)."""
    return [
        ("anonymous", "/", ()),
        ("anonymous", "/login/", ()),
        ("outsider", "/", (VISITOR,)),
        ("manager", "/review/", (NEED_TITLE, ENTERPRISE, INSTITUTION, MANAGER)),
        ("manager", "/review/?scope=all", (NEED_TITLE, ENTERPRISE, INSTITUTION, MANAGER)),
        ("manager", f"/review/{w.review.pk}/", (NEED_TITLE, NEED_TEXT, OUTCOME_TITLE, QUESTION, ENTERPRISE)),
        ("manager", f"/review/{w.rejected.pk}/", (NEED_TITLE, REJECT_NOTE, MANAGER)),
        ("manager", "/deals/", (NEED_TITLE, OUTCOME_TITLE, ENTERPRISE, INSTITUTION)),
        ("manager", f"/deals/{w.deal.pk}/", (NEED_TITLE, OUTCOME_TITLE, ENTERPRISE, INSTITUTION, REJECT_NOTE)),
        ("enterprise_member", "/deals/", (ENTERPRISE, NEED_TITLE, OUTCOME_TITLE, INSTITUTION, QUESTION)),
        ("enterprise_member", f"/deals/{w.deal.pk}/", (NEED_TITLE, OUTCOME_TITLE, INSTITUTION)),
        ("enterprise_member", f"/needs/{w.need.pk}/rejections/", (NEED_TITLE, ENTERPRISE)),
        ("institution_member", "/deals/", (INSTITUTION, OUTCOME_TITLE, ENTERPRISE)),
        ("institution_member", f"/outcomes/{w.outcome.pk}/rejections/", (OUTCOME_TITLE, INSTITUTION)),
        ("staff", f"/review/{w.rejected.pk}/", (REJECT_NOTE, MANAGER)),
        ("staff", "/analytics/funnel/", (INSTITUTION,)),
        ("staff", "/analytics/regional-flows/", (CITY,)),
        ("staff", "/analytics/managers/", (MANAGER,)),
    ]


def browser_session(browser, base: str, world, role: str):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(10_000)
    if role != "anonymous":
        client = Client()
        client.force_login(world.users[role])
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
    return context


def test_hostile_user_text_is_shown_as_text_on_every_page(live_server, browser, shots, hostile):  # noqa: F811
    base = live_server.url
    # Control: these payloads do run when a page lets them, so "undefined" below means escaped.
    control = browser.new_page()
    for payload, mark in ((NEED_TITLE, 2), (MANAGER, 8), (OUTCOME_TITLE, 4)):
        control.set_content(f"<div>{payload}</div>")
        control.wait_for_function(f"window.__xss === {mark}")
    control.close()
    contexts = {}
    checked = 0
    for role, path, shown in pages(hostile):
        if role not in contexts:
            contexts[role] = browser_session(browser, base, hostile, role)
        page = contexts[role].new_page()
        response = page.goto(f"{base}{path}")
        page.wait_for_load_state("load")
        assert response is not None and response.status == 200, (role, path)
        assert page.url.split("?")[0] == f"{base}{path}".split("?")[0], (role, path, page.url)
        assert page.evaluate("typeof window.__xss") == "undefined", (role, path, page.evaluate("window.__xss"))
        text = page.locator("body").text_content() or ""
        for value in shown:
            assert value in text, (role, path, value)
        # Nothing injected became an element: no <script> or <img> of ours in the document.
        assert page.locator("img[onerror], svg[onload]").count() == 0, (role, path)
        checked += len(shown)
        if path == f"/review/{hostile.review.pk}/":
            shots(page, "xss-review-detail")
        page.close()
    for context in contexts.values():
        context.close()
    # Every hostile value was looked for on at least one page.
    seen = {value for _role, _path, shown in pages(hostile) for value in shown}
    assert seen == {
        ENTERPRISE,
        NEED_TITLE,
        NEED_TEXT,
        OUTCOME_TITLE,
        INSTITUTION,
        REJECT_NOTE,
        QUESTION,
        MANAGER,
        CITY,
        VISITOR,
    }
    assert checked == 46
