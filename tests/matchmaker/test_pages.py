"""The server-rendered pages: review queue and review page, deals, rejection summaries, login."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from matchmaker.models import Match, MatchEvent, MatchQuestion
from matchmaker.views import highlight_spans
from tests.factories import TEST_PASSWORD, NeedFactory, OutcomeFactory, TechnologyManagerFactory, UserFactory

EXPLANATION = {
    "terms": [{"term": "铝合金", "weight": 0.12}, {"term": "气孔", "weight": 0.08}],
    "need_spans": {"title": [[0, 3], [5, 7]], "description": [[8, 11]]},
    "outcome_spans": {"title": [], "abstract": [[20, 23]]},
}
PARTS = {"text": 0.41, "text_word": 0.38, "industry": -0.5, "trl": 1.0, "price": 1.0, "region": 0.5}


def _spans(text: str, *terms: str) -> list[list[int]]:
    return sorted([text.index(term), text.index(term) + len(term)] for term in terms)


@pytest.fixture
def site(world):
    """The world plus pairings: one under review, one expired manager's, and one approved deal."""
    bob = world.users["manager"].technology_manager
    eve = world.users["expired_manager"].technology_manager
    now = timezone.now()
    world.users["outsider"] = UserFactory(username="mallory")
    world.review = Match.objects.create(
        need=world.need,
        outcome=world.outcome,
        score=0.82,
        rank=1,
        explanation=EXPLANATION,
        parts=PARTS,
        assigned_to=bob,
        assigned_at=now,
        due_at=now + dt.timedelta(days=3),
    )
    world.eves_review = Match.objects.create(
        need=world.other_need, outcome=world.outcome, score=0.5, rank=1, assigned_to=eve, assigned_at=now
    )
    deal_need = NeedFactory(enterprise=world.enterprise, title="钛合金管路焊接接头腐蚀攻关")
    deal_outcome = OutcomeFactory(institution=world.institution, title="钛合金焊接接头耐蚀处理技术")
    world.deal = Match.objects.create(
        need=deal_need,
        outcome=deal_outcome,
        score=0.7,
        rank=1,
        status=Match.Status.APPROVED,
        assigned_to=bob,
        decided_by=bob,
        decided_at=now,
        stage_changed_at=now,
    )
    return world


def client_for(world, role: str, **kwargs) -> Client:
    client = Client(**kwargs)
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def text_of(response) -> str:
    return response.content.decode()


# --- Highlighting (pure function) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        ("鋁合金焊縫氣孔多", [[0, 3], [5, 7]], '<mark class="hl">鋁合金</mark>焊縫<mark class="hl">氣孔</mark>多'),
        ("碳化硅功率模块", [[0, 3], [1, 5]], '<mark class="hl">碳化硅功率</mark>模块'),
        ("碳化硅功率模块", [[3, 5], [0, 3]], '<mark class="hl">碳化硅</mark><mark class="hl">功率</mark>模块'),
        ("焊缝气孔", [[2, 99], [10, 12]], '焊缝<mark class="hl">气孔</mark>'),
        ("焊缝气孔", [[-3, 2]], '<mark class="hl">焊缝</mark>气孔'),
        ("焊缝气孔", [[2, 2], [3, 1], ["a", 1], [1], None, 7], "焊缝气孔"),
        ("焊缝气孔", None, "焊缝气孔"),
        ("", [[0, 2]], ""),
        (
            '<b>SiC</b> & "IGBT"',
            [[3, 6]],
            '&lt;b&gt;<mark class="hl">SiC</mark>&lt;/b&gt; &amp; &quot;IGBT&quot;',
        ),
        ("<script>alert(1)</script>", [[0, 10]], '<mark class="hl">&lt;script&gt;al</mark>ert(1)&lt;/script&gt;'),
    ],
    ids=[
        "traditional",
        "overlapping-merged",
        "adjacent-kept-apart",
        "past-the-end-clipped",
        "negative-start-clipped",
        "malformed-skipped",
        "no-spans",
        "empty-text",
        "html-escaped",
        "markup-inside-a-span-escaped",
    ],
)
def test_highlight_spans_wraps_escaped_text(text, spans, expected):
    assert str(highlight_spans(text, spans)) == expected


def test_highlight_spans_marks_only_its_own_tags_safe():
    text = "<img src=x onerror=alert(1)>铝合金"
    html = str(highlight_spans(text, _spans(text, "铝合金")))
    assert "<img" not in html
    assert html.endswith('<mark class="hl">铝合金</mark>')


# --- Login, logout, home -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("manager", "/review/"),
        ("expired_manager", "/review/"),
        ("staff", "/review/"),
        ("enterprise_member", "/deals/"),
        ("institution_member", "/deals/"),
        ("outsider", "/"),
    ],
)
def test_login_sends_each_role_to_its_page(site, role, landing):
    response = Client().post("/login/", {"username": site.users[role].username, "password": TEST_PASSWORD})
    assert response.status_code == 302 and response.url == landing


def test_login_page_is_chinese_and_refuses_a_wrong_password(site):
    page = Client().get("/login/")
    assert page.status_code == 200 and "用户名" in text_of(page) and "密码" in text_of(page)
    wrong = Client().post("/login/", {"username": "bob", "password": "nope"})
    assert wrong.status_code == 200 and "用户名或密码不正确" in text_of(wrong)


def test_login_follows_a_safe_next_only(site):
    credentials = {"username": "alice", "password": TEST_PASSWORD}
    assert Client().post("/login/?next=/deals/1/", credentials).url == "/deals/1/"
    assert Client().post("/login/?next=https://evil.example.com/", credentials).url == "/deals/"


def test_logout_is_a_post_and_returns_to_login(site):
    client = client_for(site, "manager")
    response = client.post("/logout/")
    assert response.status_code == 302 and response.url == "/login/"
    assert client.get("/review/").status_code == 302


def test_home_welcomes_visitors_and_forwards_members(site):
    anonymous = Client().get("/")
    assert anonymous.status_code == 200 and "/login/" in text_of(anonymous)
    assert client_for(site, "manager").get("/").url == "/review/"
    assert client_for(site, "enterprise_member").get("/").url == "/deals/"
    outsider = client_for(site, "outsider").get("/")
    assert outsider.status_code == 200 and "尚未关联" in text_of(outsider)


@pytest.mark.parametrize(
    "path",
    ["/review/", "/review/{review}/", "/deals/", "/deals/{deal}/", "/outcomes/{outcome}/rejections/"],
)
def test_anonymous_users_are_sent_to_the_login_page(site, path):
    path = path.format(review=site.review.pk, deal=site.deal.pk, outcome=site.outcome.pk)
    response = Client().get(path)
    assert response.status_code == 302 and response.url == f"/login/?next={path}"


def test_anonymous_post_decides_nothing(site):
    response = Client().post(f"/review/{site.review.pk}/approve/")
    assert response.status_code == 302 and response.url.startswith("/login/")
    site.review.refresh_from_db()
    assert site.review.status == Match.Status.PROPOSED


# --- Review queue --------------------------------------------------------------------------------

QUEUE_ACCESS = {
    "manager": 200,
    "expired_manager": 200,
    "staff": 200,
    "enterprise_member": 403,
    "institution_member": 403,
    "outsider": 403,
}


@pytest.mark.parametrize(("role", "expected"), QUEUE_ACCESS.items())
def test_queue_is_for_managers_and_staff(site, role, expected):
    response = client_for(site, role).get("/review/")
    assert response.status_code == expected
    if expected == 403:
        assert "只有技术经理人和平台管理员" in text_of(response)


def test_queue_lists_the_managers_proposals_by_score_then_age(site):
    bob = site.users["manager"].technology_manager
    older = Match.objects.create(
        need=site.confidential_need, outcome=site.other_outcome, score=0.82, rank=2, assigned_to=bob
    )
    Match.objects.filter(pk=older.pk).update(created_at=timezone.now() - dt.timedelta(days=4))
    low = Match.objects.create(need=site.need, outcome=site.other_outcome, score=0.31, rank=3, assigned_to=bob)
    response = client_for(site, "manager").get("/review/")
    body = text_of(response)
    positions = [body.index(f'href="/review/{m.pk}/"') for m in (older, site.review, low)]
    assert positions == sorted(positions)
    assert "4 天" in body
    assert f'href="/review/{site.deal.pk}/"' not in body, "decided pairings leave the queue"
    assert site.outcome.institution.name in body


def test_queue_counts_pending_overdue_and_decided_today(site):
    bob = site.users["manager"].technology_manager
    Match.objects.create(
        need=site.need,
        outcome=site.other_outcome,
        score=0.2,
        rank=2,
        assigned_to=bob,
        due_at=timezone.now() - dt.timedelta(hours=2),
    )
    response = client_for(site, "manager").get("/review/")
    counts = response.context["counts"]
    assert counts == {"pending": 2, "overdue": 1, "done_today": 1}
    assert 'class="due overdue"' in text_of(response) and "已超期" in text_of(response)


def test_queue_filters_mine_all_industry_and_city(site):
    other_manager = TechnologyManagerFactory(user=UserFactory(username="dora"))
    theirs = Match.objects.create(
        need=site.other_need, outcome=site.other_outcome, score=0.6, rank=1, assigned_to=other_manager
    )
    client = client_for(site, "manager")
    mine = text_of(client.get("/review/"))
    assert f"/review/{site.review.pk}/" in mine and f"/review/{theirs.pk}/" not in mine
    everything = text_of(client.get("/review/?scope=all"))
    assert f"/review/{theirs.pk}/" in everything and f"/review/{site.eves_review.pk}/" in everything
    yulin_need = NeedFactory(enterprise=site.enterprise, city="榆林", industry_chain="hydrogen")
    in_yulin = Match.objects.create(need=yulin_need, outcome=site.outcome, score=0.4, rank=1, assigned_to=other_manager)
    by_city = text_of(client.get("/review/?scope=all&city=榆林"))
    assert f"/review/{in_yulin.pk}/" in by_city and f"/review/{theirs.pk}/" not in by_city
    by_chain = text_of(client.get("/review/?scope=all&industry_chain=hydrogen"))
    assert f"/review/{in_yulin.pk}/" in by_chain and f"/review/{site.review.pk}/" not in by_chain


def test_queue_ignores_a_bad_filter_and_says_so(site):
    response = client_for(site, "manager").get("/review/?industry_chain=nope")
    assert response.status_code == 200
    assert f"/review/{site.review.pk}/" in text_of(response) and "已忽略" in text_of(response)


def test_staff_see_every_proposal(site):
    body = text_of(client_for(site, "staff").get("/review/"))
    assert f"/review/{site.review.pk}/" in body and f"/review/{site.eves_review.pk}/" in body
    assert "分派给我的" not in body, "staff without a manager profile have no 'mine' scope"


def test_expired_manager_sees_own_list_read_only(site):
    response = client_for(site, "expired_manager").get("/review/")
    body = text_of(response)
    assert "证书已过期" in body and "只能查看" in body
    assert f"/review/{site.eves_review.pk}/" in body and f"/review/{site.review.pk}/" not in body


def test_suspended_manager_is_told_so(site):
    bob = site.users["manager"].technology_manager
    bob.active = False
    bob.save(update_fields=["active"])
    assert "证书已暂停" in text_of(client_for(site, "manager").get("/review/"))


# --- Review page ---------------------------------------------------------------------------------

DETAIL_ACCESS = {
    "manager": 200,
    "staff": 200,
    "expired_manager": 404,  # not theirs
    "enterprise_member": 403,
    "institution_member": 403,
    "outsider": 403,
}


@pytest.mark.parametrize(("role", "expected"), DETAIL_ACCESS.items())
def test_review_page_access_per_role(site, role, expected):
    assert client_for(site, role).get(f"/review/{site.review.pk}/").status_code == expected


def test_review_page_shows_both_sides_terms_parts_and_forms(site):
    response = client_for(site, "manager").get(f"/review/{site.review.pk}/")
    body = text_of(response)
    need_title = site.need.title
    assert f'<mark class="hl">{need_title[0:3]}</mark>' in body
    assert f'<mark class="hl">{site.need.description[8:11]}</mark>' in body
    assert f'<mark class="hl">{site.outcome.abstract[20:23]}</mark>' in body
    assert "铝合金" in body and "0.1200" in body
    assert "产业链契合" in body and "-0.500" in body
    assert "通过该配对" in body and "驳回该配对" in body and "发送问题" in body
    assert 'name="csrfmiddlewaretoken"' in body
    for code, label in Match.RejectReason.choices:
        assert f'value="{code}"' in body and label in body


def test_review_page_shows_industry_names_city_trl_and_money(site):
    body = text_of(client_for(site, "manager").get(f"/review/{site.review.pk}/"))
    from core.taxonomy import industry_chain_name

    assert industry_chain_name(site.need.industry_chain) in body
    assert industry_chain_name(site.outcome.industry_chain) in body
    assert "TRL 6" in body and "150 万元" in body and "100 万元" in body and site.need.city in body


def test_expired_manager_reads_own_pairing_but_cannot_decide(site):
    client = client_for(site, "expired_manager")
    page = client.get(f"/review/{site.eves_review.pk}/")
    assert page.status_code == 200 and "只能查看" in text_of(page) and "通过该配对" not in text_of(page)
    for action, data in (("approve", {}), ("reject", {"reason": "not_relevant"}), ("ask", {"party": "need"})):
        response = client.post(f"/review/{site.eves_review.pk}/{action}/", data)
        assert response.status_code == 403 and "只能查看" in text_of(response)
    site.eves_review.refresh_from_db()
    assert site.eves_review.status == Match.Status.PROPOSED
    assert not MatchEvent.objects.filter(match=site.eves_review).exists()


def test_approve_through_the_page_changes_the_pairing_and_audits_it(site):
    client = client_for(site, "manager")
    response = client.post(f"/review/{site.review.pk}/approve/", {"note": "技术路线契合"})
    assert response.status_code == 302 and response.url == f"/review/{site.review.pk}/"
    site.review.refresh_from_db()
    assert site.review.status == Match.Status.APPROVED
    assert site.review.decided_by == site.users["manager"].technology_manager
    assert site.review.decision_note == "技术路线契合"
    event = MatchEvent.objects.get(match=site.review, kind=MatchEvent.Kind.APPROVED)
    assert (event.actor, event.from_status, event.to_status) == (site.users["manager"], "proposed", "approved")
    page = client.get(response.url)
    assert "已通过该配对" in text_of(page) and "通过该配对</button>" not in text_of(page)


def test_a_second_approve_gets_409_and_the_message(site):
    client = client_for(site, "manager")
    assert client.post(f"/review/{site.review.pk}/approve/").status_code == 302
    events = MatchEvent.objects.filter(match=site.review).count()
    again = client.post(f"/review/{site.review.pk}/approve/")
    assert again.status_code == 409
    assert "该配对已由其他技术经理人处理" in text_of(again)
    assert MatchEvent.objects.filter(match=site.review).count() == events
    reject_late = client.post(f"/review/{site.review.pk}/reject/", {"reason": "duplicate"})
    assert reject_late.status_code == 409
    site.review.refresh_from_db()
    assert site.review.status == Match.Status.APPROVED


def test_reject_with_a_reason_is_recorded(site):
    response = client_for(site, "manager").post(
        f"/review/{site.review.pk}/reject/", {"reason": "trl_too_low", "note": "仅完成小试"}
    )
    assert response.status_code == 302
    site.review.refresh_from_db()
    assert (site.review.status, site.review.reject_reason) == (Match.Status.REJECTED, "trl_too_low")
    event = MatchEvent.objects.get(match=site.review, kind=MatchEvent.Kind.REJECTED)
    assert event.reason == "trl_too_low" and event.note == "仅完成小试"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "请选择驳回原因。"),
        ({"reason": "other", "note": "  "}, "选择“其他”时请填写说明。"),
        ({"reason": "made_up"}, "请选择有效的驳回原因。"),
    ],
)
def test_reject_without_a_valid_reason_is_400_and_changes_nothing(site, data, message):
    response = client_for(site, "manager").post(f"/review/{site.review.pk}/reject/", data)
    assert response.status_code == 400
    assert message in text_of(response)
    site.review.refresh_from_db()
    assert site.review.status == Match.Status.PROPOSED
    assert not MatchEvent.objects.filter(match=site.review).exists()


def test_staff_without_a_manager_profile_may_not_decide(site):
    response = client_for(site, "staff").post(f"/review/{site.review.pk}/approve/")
    assert response.status_code == 403 and "只有技术经理人可以审核配对" in text_of(response)


def test_ask_and_answer_through_the_pages(site):
    ask = client_for(site, "manager").post(
        f"/review/{site.review.pk}/ask/", {"party": "need", "question": "焊缝目前的气孔率是多少？"}
    )
    assert ask.status_code == 302
    question = MatchQuestion.objects.get(match=site.review)
    assert (question.party, question.question) == ("need", "焊缝目前的气孔率是多少？")
    assert MatchEvent.objects.filter(match=site.review, kind=MatchEvent.Kind.QUESTION).exists()

    enterprise = client_for(site, "enterprise_member")
    deals_page = text_of(enterprise.get("/deals/"))
    assert "焊缝目前的气孔率是多少？" in deals_page and f"/questions/{question.pk}/answer/" in deals_page
    assert client_for(site, "institution_member").post(f"/questions/{question.pk}/answer/").status_code == 404
    empty = enterprise.post(f"/questions/{question.pk}/answer/", {"answer": " "})
    assert empty.status_code == 400 and "答复不能为空" in text_of(empty)
    answered = enterprise.post(f"/questions/{question.pk}/answer/", {"answer": "约百分之三"})
    assert answered.status_code == 302
    question.refresh_from_db()
    assert question.answer == "约百分之三" and question.answered_by == site.users["enterprise_member"]
    assert MatchEvent.objects.filter(match=site.review, kind=MatchEvent.Kind.ANSWER).exists()
    again = enterprise.post(f"/questions/{question.pk}/answer/", {"answer": "改口"})
    assert again.status_code == 409 and "该问题已答复" in text_of(again)
    assert "约百分之三" in text_of(client_for(site, "manager").get(f"/review/{site.review.pk}/"))


def test_ask_without_a_party_is_400(site):
    response = client_for(site, "manager").post(f"/review/{site.review.pk}/ask/", {"question": "？"})
    assert response.status_code == 400 and "请选择提问对象" in text_of(response)
    assert not MatchQuestion.objects.exists()


def test_confidential_need_title_is_not_shown_to_the_asked_institution(site):
    bob = site.users["manager"].technology_manager
    secret = Match.objects.create(need=site.confidential_need, outcome=site.outcome, score=0.5, rank=2, assigned_to=bob)
    client_for(site, "manager").post(f"/review/{secret.pk}/ask/", {"party": "outcome", "question": "产能？"})
    body = text_of(client_for(site, "institution_member").get("/deals/"))
    assert "产能？" in body
    assert site.confidential_need.title not in body and site.confidential_need.public_title in body


def test_staff_reopen_a_rejected_pairing(site):
    client_for(site, "manager").post(f"/review/{site.review.pk}/reject/", {"reason": "not_relevant"})
    page = client_for(site, "staff").get(f"/review/{site.review.pk}/")
    assert "重新打开" in text_of(page)
    empty = client_for(site, "staff").post(f"/review/{site.review.pk}/reopen/", {"note": ""})
    assert empty.status_code == 400 and "请说明重新审核的理由" in text_of(empty)
    response = client_for(site, "staff").post(f"/review/{site.review.pk}/reopen/", {"note": "企业补充了数据"})
    assert response.status_code == 302
    site.review.refresh_from_db()
    assert site.review.status == Match.Status.PROPOSED
    assert MatchEvent.objects.filter(match=site.review, kind=MatchEvent.Kind.REOPENED).exists()
    assert client_for(site, "manager").post(f"/review/{site.review.pk}/reopen/", {"note": "x"}).status_code == 403


def test_csrf_is_enforced_on_review_actions(site):
    client = client_for(site, "manager", enforce_csrf_checks=True)
    refused = client.post(f"/review/{site.review.pk}/approve/", {"note": "无令牌"})
    assert refused.status_code == 403 and "安全校验" in text_of(refused)
    site.review.refresh_from_db()
    assert site.review.status == Match.Status.PROPOSED
    page = client.get(f"/review/{site.review.pk}/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text_of(page)).group(1)
    accepted = client.post(f"/review/{site.review.pk}/approve/", {"csrfmiddlewaretoken": token})
    assert accepted.status_code == 302
    site.review.refresh_from_db()
    assert site.review.status == Match.Status.APPROVED


def test_csrf_is_enforced_on_deal_moves_and_answers(site):
    client = client_for(site, "manager", enforce_csrf_checks=True)
    assert client.post(f"/deals/{site.deal.pk}/move/", {"status": "contacted"}).status_code == 403
    site.deal.refresh_from_db()
    assert site.deal.status == Match.Status.APPROVED


def test_script_in_a_need_title_is_shown_escaped(site):
    site.need.title = "<script>alert(1)</script>"
    site.need.description = '<img src=x onerror="alert(2)">焊缝气孔'
    site.need.save(update_fields=["title", "description"])
    site.review.explanation = {**EXPLANATION, "need_spans": {"title": [[8, 13]], "description": [[30, 32]]}}
    site.review.save(update_fields=["explanation"])
    client = client_for(site, "manager")
    for path in ("/review/", f"/review/{site.review.pk}/"):
        body = text_of(client.get(path))
        assert "<script>alert(1)</script>" not in body
        assert "&lt;script&gt;" in body
        assert "<img src=x" not in body
    detail = text_of(client.get(f"/review/{site.review.pk}/"))
    assert '&lt;script&gt;<mark class="hl">alert</mark>(1)&lt;/script&gt;' in detail
    assert '&lt;img src=x onerror=&quot;alert(2)&quot;&gt;<mark class="hl">焊缝</mark>气孔' in detail


# --- Deals ---------------------------------------------------------------------------------------

DEALS_ACCESS = {
    "enterprise_member": (200, True),
    "institution_member": (200, True),
    "other_enterprise_member": (200, False),
    "outsider": (200, False),
    "manager": (200, True),
    "staff": (200, True),
    "expired_manager": (200, False),
}


@pytest.mark.parametrize(("role", "expected"), DEALS_ACCESS.items())
def test_deals_page_lists_deals_per_role(site, role, expected):
    status, sees = expected
    response = client_for(site, role).get("/deals/")
    assert response.status_code == status
    assert (f"/deals/{site.deal.pk}/" in text_of(response)) is sees
    assert f"/deals/{site.review.pk}/" not in text_of(response), "a proposal is not a deal"


def test_enterprise_sees_the_institutions_contact(site):
    body = text_of(client_for(site, "enterprise_member").get("/deals/"))
    institution = site.institution
    for value in (institution.name, institution.contact_name, institution.contact_phone, institution.contact_email):
        assert value in body
    assert site.enterprise.contact_email not in body, "a party sees its counterpart, not itself"


def test_institution_sees_the_enterprises_contact(site):
    body = text_of(client_for(site, "institution_member").get("/deals/"))
    enterprise = site.enterprise
    for value in (enterprise.name, enterprise.contact_name, enterprise.contact_phone, enterprise.contact_email):
        assert value in body


def test_managers_see_both_contacts_and_the_stage_buttons(site):
    body = text_of(client_for(site, "manager").get("/deals/"))
    assert site.enterprise.contact_email in body and site.institution.contact_email in body
    assert "标记为“已联系”" in body and "关闭对接" in body
    party = text_of(client_for(site, "enterprise_member").get("/deals/"))
    assert "标记为“已联系”" not in party and "关闭对接" in party


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("enterprise_member", 200),
        ("institution_member", 200),
        ("manager", 200),
        ("staff", 200),
        ("other_enterprise_member", 404),
        ("other_institution_member", 404),
        ("outsider", 404),
    ],
)
def test_deal_page_access_per_role(site, role, expected):
    response = client_for(site, role).get(f"/deals/{site.deal.pk}/")
    assert response.status_code == expected
    if expected == 200:
        assert site.deal.need.title in text_of(response)


def test_deciding_manager_moves_a_deal_to_signed(site):
    client = client_for(site, "manager")
    url = f"/deals/{site.deal.pk}/move/"
    assert client.post(url, {"status": "contacted", "next": "/deals/"}).url == "/deals/"
    assert client.post(url, {"status": "negotiating"}).url == f"/deals/{site.deal.pk}/"
    missing = client.post(url, {"status": "signed", "contract_mode": "licence"})
    assert missing.status_code == 400 and "签约须填写合同金额" in text_of(missing)
    skipped = client.post(url, {"status": "closed"})
    assert skipped.status_code == 400 and "关闭须说明原因" in text_of(skipped)
    signed = client.post(url, {"status": "signed", "contract_value_wan": "120.5", "contract_mode": "licence"})
    assert signed.status_code == 302
    site.deal.refresh_from_db()
    assert site.deal.status == Match.Status.SIGNED and site.deal.contract_value_wan == Decimal("120.50")
    stages = list(MatchEvent.objects.filter(match=site.deal, kind=MatchEvent.Kind.STAGE).values_list("to_status"))
    assert stages == [("contacted",), ("negotiating",), ("signed",)]
    done = client.post(url, {"status": "closed", "reason": "x"})
    assert done.status_code == 409 and "不能再变更" in text_of(done)


def test_a_malformed_move_is_400_with_the_field_named(site):
    response = client_for(site, "manager").post(
        f"/deals/{site.deal.pk}/move/", {"status": "signed", "contract_value_wan": "很多", "contract_mode": "licence"}
    )
    assert response.status_code == 400 and "合同金额（万元）：请输入数字金额。" in text_of(response)
    unknown = client_for(site, "manager").post(f"/deals/{site.deal.pk}/move/", {"status": "converted"})
    assert unknown.status_code == 400 and "未知的进展阶段" in text_of(unknown)
    site.deal.refresh_from_db()
    assert site.deal.status == Match.Status.APPROVED


def test_a_party_may_close_but_not_advance(site):
    client = client_for(site, "institution_member")
    url = f"/deals/{site.deal.pk}/move/"
    assert client.post(url, {"status": "contacted"}).status_code == 403
    assert client.post(url, {"status": "closed", "reason": "团队调整"}).status_code == 302
    site.deal.refresh_from_db()
    assert (site.deal.status, site.deal.closed_reason) == (Match.Status.CLOSED, "团队调整")
    assert client_for(site, "other_enterprise_member").post(url, {"status": "closed"}).status_code == 404


def test_move_ignores_an_offsite_next(site):
    response = client_for(site, "manager").post(
        f"/deals/{site.deal.pk}/move/", {"status": "contacted", "next": "https://evil.example.com/"}
    )
    assert response.url == f"/deals/{site.deal.pk}/"


def test_parties_see_stage_events_without_internal_review_notes(site):
    client_for(site, "manager").post(f"/review/{site.review.pk}/approve/", {"note": "内部意见：价格偏高"})
    client_for(site, "manager").post(f"/deals/{site.review.pk}/move/", {"status": "contacted"})
    party = text_of(client_for(site, "enterprise_member").get(f"/deals/{site.review.pk}/"))
    assert "通过" in party and "已联系" in party
    assert "内部意见：价格偏高" not in party
    assert "内部意见：价格偏高" in text_of(client_for(site, "manager").get(f"/deals/{site.review.pk}/"))


# --- Rejections ----------------------------------------------------------------------------------


@pytest.fixture
def rejected(site):
    bob = site.users["manager"].technology_manager
    for reason in ("trl_too_low", "trl_too_low", "price_over_budget"):
        need = NeedFactory(enterprise=site.other_enterprise)
        Match.objects.create(
            need=need, outcome=site.outcome, score=0.3, rank=1, status="rejected", reject_reason=reason, decided_by=bob
        )
    Match.objects.create(
        need=site.draft_need,
        outcome=site.other_outcome,
        score=0.3,
        rank=1,
        status="rejected",
        reject_reason="duplicate",
    )
    return site


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("institution_member", 200),
        ("manager", 200),
        ("staff", 200),
        ("other_institution_member", 403),
        ("enterprise_member", 403),
        ("outsider", 403),
    ],
)
def test_outcome_rejections_page_access(rejected, role, expected):
    response = client_for(rejected, role).get(f"/outcomes/{rejected.outcome.pk}/rejections/")
    assert response.status_code == expected


def test_outcome_rejections_are_summed_by_reason(rejected):
    response = client_for(rejected, "institution_member").get(f"/outcomes/{rejected.outcome.pk}/rejections/")
    assert response.context["reasons"] == [
        {"reason": "trl_too_low", "label": "成熟度不足", "count": 2, "width": 100.0},
        {"reason": "price_over_budget", "label": "价格超出预算", "count": 1, "width": 50.0},
    ]
    assert "驳回 3 次" in text_of(response)


def test_need_rejections_page_is_for_the_owner(rejected):
    url = f"/needs/{rejected.draft_need.pk}/rejections/"
    response = client_for(rejected, "enterprise_member").get(url)
    assert response.status_code == 200 and "重复推荐" in text_of(response)
    assert client_for(rejected, "institution_member").get(url).status_code == 404, "a draft is not listed"
    assert client_for(rejected, "institution_member").get(f"/needs/{rejected.need.pk}/rejections/").status_code == 403


def test_deals_page_summarises_rejections_for_the_parties(rejected):
    body = text_of(client_for(rejected, "institution_member").get("/deals/"))
    assert 'id="rejections"' in body and rejected.outcome.title in body and "成熟度不足 × 2" in body
    assert f"/outcomes/{rejected.outcome.pk}/rejections/" in body
    own = text_of(client_for(rejected, "enterprise_member").get("/deals/"))
    assert rejected.draft_need.title in own and "重复推荐 × 1" in own
    assert 'id="rejections"' not in text_of(client_for(rejected, "manager").get("/deals/"))


# --- Navigation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("manager", ["审核队列", "技术经理人 · 3星"], ["驳回原因</a>"]),
        ("expired_manager", ["审核队列", "技术经理人（证书已过期）"], []),
        ("staff", ["审核队列", "平台管理员", "管理后台"], []),
        ("enterprise_member", ["对接进展", "企业 · "], ["审核队列"]),
        ("institution_member", ["驳回原因</a>", "高校院所 · "], ["审核队列"]),
    ],
)
def test_nav_shows_name_role_and_links(site, role, shown, hidden):
    body = text_of(client_for(site, role).get("/deals/"))
    assert site.users[role].username in body
    for text in shown:
        assert text in body
    for text in hidden:
        assert text not in body


def test_the_deals_page_lists_each_own_row_with_its_rejection_reasons(rejected):
    response = client_for(rejected, "institution_member").get("/deals/")
    rows = response.context["rejections"]
    assert [(row["title"], [(r["reason"], r["count"]) for r in row["reasons"]]) for row in rows] == [
        (rejected.outcome.title, [("trl_too_low", 2), ("price_over_budget", 1)])
    ]
