"""List filters and keyword search on needs and outcomes, what they reveal of confidential needs, and token login."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from needs.models import Need
from outcomes.models import Outcome
from tests.conftest import ROLES, World
from tests.factories import TEST_PASSWORD, InstitutionFactory, NeedFactory, OutcomeFactory

OUTSIDERS = (
    "anonymous",
    "other_enterprise_member",
    "institution_member",
    "other_institution_member",
    "expired_manager",
)
INSIDERS = ("enterprise_member", "manager", "staff")


def ids(world: World, role: str, path: str, **params: Any) -> set[int]:
    response = world.client(role).get(f"/api/v1/{path}/", {"page_size": 100, **params})
    assert response.status_code == 200, response.content.decode()
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def publish(world, django_capture_on_commit_callbacks):
    """Create a need or outcome through the API and run its text preparation, as a commit would."""

    def publish(path: str, **fields: Any) -> int:
        if path == "needs":
            role = "enterprise_member"
            payload = {"enterprise": "ent-own", "industry_chain": "hydrogen", "city": "西安", **fields}
        else:
            role = "institution_member"
            payload = {"institution": "inst-own", "industry_chain": "hydrogen", "trl": 5, **fields}
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = world.client(role).post(f"/api/v1/{path}/", payload, format="json")
        assert response.status_code == 201, response.content.decode()
        assert len(callbacks) == 1
        return response.json()["id"]

    return publish


# --- needs -------------------------------------------------------------------------------------


def test_it_filters_needs_by_industry_chain_and_city(world):
    hydrogen = NeedFactory(enterprise=world.other_enterprise, industry_chain="hydrogen", city="榆林")

    assert ids(world, "anonymous", "needs", industry_chain="hydrogen") == {hydrogen.pk}
    assert ids(world, "anonymous", "needs", city="榆林") == {hydrogen.pk}
    assert ids(world, "anonymous", "needs", city="榆林", industry_chain="photonics") == set()
    assert world.confidential_need.pk in ids(world, "anonymous", "needs", industry_chain="new_energy_vehicles")


def test_it_filters_needs_by_status_within_what_the_user_may_see(world):
    closed = NeedFactory(enterprise=world.enterprise, status=Need.Status.CLOSED)

    assert ids(world, "anonymous", "needs", status="draft") == set()
    assert ids(world, "other_enterprise_member", "needs", status="closed") == set()
    assert ids(world, "enterprise_member", "needs", status="draft") == {world.draft_need.pk}
    assert ids(world, "enterprise_member", "needs", status="closed") == {closed.pk}
    assert ids(world, "manager", "needs", status="draft") == {world.draft_need.pk}
    assert ids(world, "anonymous", "needs", status="open") == {
        world.need.pk,
        world.confidential_need.pk,
        world.other_need.pk,
    }


def test_it_filters_needs_by_budget_range(world):
    small = NeedFactory(enterprise=world.other_enterprise, budget_wan=Decimal("20"))
    large = NeedFactory(enterprise=world.other_enterprise, budget_wan=Decimal("900"))

    assert ids(world, "anonymous", "needs", budget_max=50) == {small.pk}
    assert ids(world, "anonymous", "needs", budget_min=500) == {large.pk}
    assert ids(world, "anonymous", "needs", budget_min=100, budget_max=200) == {world.need.pk, world.other_need.pk}


def test_it_filters_needs_by_minimum_trl_range(world):
    early = NeedFactory(enterprise=world.other_enterprise, min_trl=2)
    late = NeedFactory(enterprise=world.other_enterprise, min_trl=8)

    assert ids(world, "anonymous", "needs", min_trl_max=3) == {early.pk}
    assert ids(world, "anonymous", "needs", min_trl_min=7) == {late.pk}
    assert ids(world, "anonymous", "needs", min_trl_min=2, min_trl_max=8) == {
        early.pk,
        late.pk,
        world.need.pk,
        world.other_need.pk,
    }


@pytest.mark.parametrize("role", OUTSIDERS)
def test_outsiders_cannot_find_a_confidential_need_by_budget_or_trl(world, role):
    Need.objects.filter(pk=world.confidential_need.pk).update(budget_wan=Decimal("777"), min_trl=9)

    assert ids(world, role, "needs", budget_min=700, budget_max=800) == set()
    assert ids(world, role, "needs", min_trl_min=9) == set()
    assert world.confidential_need.pk not in ids(world, role, "needs", budget_min=0)


@pytest.mark.parametrize("role", INSIDERS)
def test_owner_managers_and_staff_find_a_confidential_need_by_budget_and_trl(world, role):
    Need.objects.filter(pk=world.confidential_need.pk).update(budget_wan=Decimal("777"), min_trl=9)

    assert ids(world, role, "needs", budget_min=700, budget_max=800) == {world.confidential_need.pk}
    assert ids(world, role, "needs", min_trl_min=9) == {world.confidential_need.pk}


@pytest.mark.parametrize("role", ROLES)
def test_filtering_by_enterprise_hides_who_posted_a_confidential_need(world, role):
    found = ids(world, role, "needs", enterprise="ent-own")

    assert world.need.pk in found
    assert (world.confidential_need.pk in found) is (role in INSIDERS)


def test_it_filters_needs_by_confidential_flag(world):
    assert ids(world, "anonymous", "needs", confidential="true") == {world.confidential_need.pk}
    assert world.confidential_need.pk not in ids(world, "anonymous", "needs", confidential="false")


# --- searching needs ---------------------------------------------------------------------------------


def test_it_finds_simplified_need_text_with_a_traditional_query(world, publish):
    pk = publish("needs", title="燃料电池膜电极寿命提升", description="质子交换膜在高温下衰减快，需要新型复合膜。")

    assert Need.objects.get(pk=pk).normalized_text
    assert ids(world, "anonymous", "needs", search="質子交換膜") == {pk}
    assert ids(world, "anonymous", "needs", search="燃料電池") == {pk}
    assert ids(world, "anonymous", "needs", search="质子交换膜") == {pk}


def test_it_finds_traditional_need_text_with_a_simplified_query(world, publish):
    pk = publish("needs", title="高壓儲氫瓶內膽開裂", description="儲氫瓶內膽在循環測試後開裂。")

    assert ids(world, "anonymous", "needs", search="储氢瓶") == {pk}
    assert ids(world, "anonymous", "needs", search="内胆开裂") == {pk}
    assert ids(world, "anonymous", "needs", search="儲氫瓶") == {pk}


def test_it_finds_need_text_regardless_of_full_width_letters_and_case(world, publish):
    pk = publish("needs", title="ＳｉＣ器件封装", description="碳化硅功率器件的封装散热。")

    assert ids(world, "anonymous", "needs", search="sic") == {pk}
    assert ids(world, "anonymous", "needs", search="SiC") == {pk}
    assert ids(world, "anonymous", "needs", search="碳化矽") == {pk}


def test_a_search_matching_nothing_returns_no_needs_and_a_blank_search_returns_all(world, publish):
    publish("needs", title="储能电池热管理", description="液冷板设计。")

    assert ids(world, "anonymous", "needs", search="量子计算") == set()
    assert len(ids(world, "anonymous", "needs", search="   ")) == 4


@pytest.fixture
def secret_need(world, publish) -> int:
    return publish(
        "needs",
        title="稀土永磁电机退磁攻关",
        public_title="电机能效提升",
        description="某车型驱动电机采用钕铁硼稀土永磁，高温退磁严重。",
        confidential=True,
        budget_wan="555.00",
    )


@pytest.mark.parametrize("role", OUTSIDERS)
def test_outsiders_cannot_find_a_confidential_need_by_its_secret_words(world, secret_need, role):
    for word in ("钕铁硼", "稀土永磁", "退磁", "釹鐵硼", "某车型"):
        assert secret_need not in ids(world, role, "needs", search=word), word


@pytest.mark.parametrize("role", OUTSIDERS)
def test_outsiders_find_a_confidential_need_by_its_public_title_only_as_a_summary(world, secret_need, role):
    response = world.client(role).get("/api/v1/needs/", {"search": "电机能效"})

    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [secret_need]
    assert rows[0]["summary_only"] is True
    assert "description" not in rows[0]


@pytest.mark.parametrize("role", INSIDERS)
def test_owner_managers_and_staff_find_a_confidential_need_by_its_secret_words(world, secret_need, role):
    for word in ("钕铁硼", "釹鐵硼", "稀土永磁", "电机能效"):
        assert ids(world, role, "needs", search=word) == {secret_need}, word


def test_a_confidential_need_of_another_enterprise_is_not_found_by_its_secret_words(world, secret_need):
    assert ids(world, "other_enterprise_member", "needs", search="钕铁硼") == set()
    assert ids(world, "enterprise_member", "needs", search="钕铁硼") == {secret_need}


def test_a_drafted_need_is_found_only_by_its_owner(world, publish):
    pk = publish("needs", title="草稿中的需求", description="钛合金增材制造支架。", status="draft")

    assert ids(world, "anonymous", "needs", search="钛合金") == set()
    assert ids(world, "other_enterprise_member", "needs", search="钛合金") == set()
    assert ids(world, "enterprise_member", "needs", search="鈦合金") == {pk}


def test_editing_a_need_re_prepares_its_text_for_search(world, publish, django_capture_on_commit_callbacks):
    pk = publish("needs", title="旧标题", description="原来的描述。")

    with django_capture_on_commit_callbacks(execute=True):
        response = world.client("enterprise_member").patch(
            f"/api/v1/needs/{pk}/", {"description": "改成石墨烯导热膜。"}, format="json"
        )

    assert response.status_code == 200
    assert "石墨烯" in Need.objects.get(pk=pk).normalized_text
    assert ids(world, "anonymous", "needs", search="石墨烯") == {pk}
    assert ids(world, "anonymous", "needs", search="原来的描述") == set()


# --- outcomes ---------------------------------------------------------------------------------------


def test_it_filters_outcomes_by_trl_range(world):
    early = OutcomeFactory(institution=world.other_institution, trl=2)
    late = OutcomeFactory(institution=world.other_institution, trl=9)

    assert ids(world, "anonymous", "outcomes", trl_max=3) == {early.pk}
    assert ids(world, "anonymous", "outcomes", trl_min=9) == {late.pk}
    assert ids(world, "anonymous", "outcomes", trl_min=6, trl_max=6) == {world.outcome.pk, world.other_outcome.pk}


def test_it_filters_outcomes_by_price_range(world):
    cheap = OutcomeFactory(institution=world.other_institution, asking_price_wan=Decimal("5"))
    dear = OutcomeFactory(institution=world.other_institution, asking_price_wan=Decimal("5000"))

    assert ids(world, "anonymous", "outcomes", price_max=10) == {cheap.pk}
    assert ids(world, "anonymous", "outcomes", price_min=1000) == {dear.pk}
    assert ids(world, "anonymous", "outcomes", price_min=5, price_max=5000) == {
        cheap.pk,
        dear.pk,
        world.outcome.pk,
        world.other_outcome.pk,
    }


def test_it_filters_outcomes_by_transfer_mode(world):
    equity = OutcomeFactory(institution=world.other_institution, transfer_modes=["equity", "assignment"])
    # "licence" is part of no other code, but check that one mode does not match inside another's name.
    service = OutcomeFactory(institution=world.other_institution, transfer_modes=["technical_service"])

    assert ids(world, "anonymous", "outcomes", transfer_mode="equity") == {equity.pk}
    assert ids(world, "anonymous", "outcomes", transfer_mode="assignment") == {equity.pk}
    assert ids(world, "anonymous", "outcomes", transfer_mode="technical_service") == {service.pk}
    assert ids(world, "anonymous", "outcomes", transfer_mode="licence") == {world.outcome.pk, world.other_outcome.pk}
    assert ids(world, "anonymous", "outcomes", transfer_mode="co_development") == set()


def test_it_filters_outcomes_by_industry_chain_city_and_institution(world):
    yulin = InstitutionFactory(code="inst-yulin", city="榆林")
    coal = OutcomeFactory(institution=yulin, industry_chain="energy_chemicals")

    assert ids(world, "anonymous", "outcomes", industry_chain="energy_chemicals") == {coal.pk}
    assert ids(world, "anonymous", "outcomes", city="榆林") == {coal.pk}
    assert ids(world, "anonymous", "outcomes", institution="inst-yulin") == {coal.pk}
    assert ids(world, "anonymous", "outcomes", institution="inst-own") == {world.outcome.pk}
    assert ids(world, "institution_member", "outcomes", institution="inst-own") == {
        world.outcome.pk,
        world.withdrawn_outcome.pk,
    }


def test_it_filters_outcomes_by_status_within_what_the_user_may_see(world):
    assert ids(world, "anonymous", "outcomes", status="withdrawn") == set()
    assert ids(world, "other_institution_member", "outcomes", status="withdrawn") == set()
    assert ids(world, "institution_member", "outcomes", status="withdrawn") == {world.withdrawn_outcome.pk}
    assert ids(world, "manager", "outcomes", status="withdrawn") == {world.withdrawn_outcome.pk}
    assert ids(world, "expired_manager", "outcomes", status="withdrawn") == set()


def test_it_finds_simplified_outcome_text_with_a_traditional_query_and_back(world, publish):
    simplified = publish(
        "outcomes",
        external_id="S-1",
        title="高性能质子交换膜",
        abstract="全氟磺酸复合膜，适用于燃料电池。",
        keywords=["燃料电池"],
    )
    traditional = publish(
        "outcomes", external_id="T-1", title="鋰離子電池負極材料", abstract="矽碳負極，循環壽命長。", keywords=["負極"]
    )

    assert ids(world, "anonymous", "outcomes", search="質子交換膜") == {simplified}
    assert ids(world, "anonymous", "outcomes", search="全氟磺酸") == {simplified}
    assert ids(world, "anonymous", "outcomes", search="锂离子电池") == {traditional}
    assert ids(world, "anonymous", "outcomes", search="硅碳负极") == {traditional}
    assert Outcome.objects.get(pk=traditional).is_text_prepared()


def test_it_finds_an_outcome_by_a_keyword(world, publish):
    pk = publish("outcomes", external_id="K-1", title="一种新工艺", abstract="工艺说明。", keywords=["超声波清洗"])

    assert ids(world, "anonymous", "outcomes", search="超聲波清洗") == {pk}


def test_a_withdrawn_outcome_is_not_found_by_outsiders(world, publish):
    pk = publish(
        "outcomes", external_id="W-1", title="已撤回的成果", abstract="钙钛矿光伏组件封装。", status="withdrawn"
    )

    assert ids(world, "anonymous", "outcomes", search="钙钛矿") == set()
    assert ids(world, "other_institution_member", "outcomes", search="鈣鈦礦") == set()
    assert ids(world, "institution_member", "outcomes", search="鈣鈦礦") == {pk}
    assert ids(world, "manager", "outcomes", search="钙钛矿") == {pk}


# --- token login --------------------------------------------------------------------------------


def test_it_issues_a_token_for_the_right_password_and_the_token_authenticates(world):
    alice = world.users["enterprise_member"]

    response = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": TEST_PASSWORD}, format="json")

    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=alice).key == token
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    # Only an authenticated alice may see her enterprise's draft.
    assert client.get(f"/api/v1/needs/{world.draft_need.pk}/").status_code == 200
    assert APIClient().get(f"/api/v1/needs/{world.draft_need.pk}/").status_code == 404
    created = client.post(
        "/api/v1/needs/",
        {
            "enterprise": "ent-own",
            "title": "令牌发布",
            "description": "d",
            "industry_chain": "hydrogen",
            "city": "西安",
        },
        format="json",
    )
    assert created.status_code == 201
    assert Need.objects.get(pk=created.json()["id"]).created_by == alice


def test_it_returns_the_same_token_on_a_second_login(world):
    first = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": TEST_PASSWORD}, format="json")
    second = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": TEST_PASSWORD}, format="json")

    assert first.json()["token"] == second.json()["token"]
    assert Token.objects.count() == 1


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "alice", "password": "wrong-password"},
        {"username": "nobody", "password": TEST_PASSWORD},
        {"username": "alice", "password": ""},
        {"username": "alice"},
        {},
    ],
)
def test_it_refuses_a_token_for_wrong_credentials(world, credentials):
    response = APIClient().post("/api/v1/auth/token/", credentials, format="json")

    assert response.status_code == 400
    assert "token" not in response.json()
    assert Token.objects.count() == 0


def test_it_refuses_a_token_to_an_inactive_user(world):
    alice = world.users["enterprise_member"]
    alice.is_active = False
    alice.save()

    response = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": TEST_PASSWORD}, format="json")

    assert response.status_code == 400
    assert not Token.objects.filter(user=alice).exists()


def test_an_unknown_token_is_refused_with_401(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    response = client.get("/api/v1/needs/")

    assert response.status_code == 401
