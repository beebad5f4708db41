"""End-to-end through the API: a need is created, prepared for matching and listed."""

from __future__ import annotations

from matchmaker import engine
from needs.models import Need


def test_it_prepares_text_of_a_need_created_through_the_api(world, django_capture_on_commit_callbacks):
    client = world.client("enterprise_member")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/needs/",
            {
                "enterprise": world.enterprise.code,
                "title": "無人機電池續航不足",
                "description": "UAV巡檢續航只有25分鐘，希望提高能量密度。",
                "industry_chain": "aerospace",
                "city": "西安",
                "budget_wan": "80.5",
                "min_trl": 5,
                "cooperation_modes": ["licence", "licence", "co_development"],
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    need = Need.objects.get(pk=body["id"])
    assert body["cooperation_modes"] == ["licence", "co_development"]
    assert need.created_by == world.users["enterprise_member"]
    assert need.text_prepared_at is not None
    assert "无人机" in need.normalized_text
    assert {"uav", "无人机"} & set(engine.split_tokens(need.tokens))
    assert need.tokens_lexicon


def test_it_lists_open_needs_to_anonymous_visitors(world):
    response = world.client("anonymous").get("/api/v1/needs/")
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert world.need.pk in ids and world.other_need.pk in ids
    assert world.draft_need.pk not in ids
