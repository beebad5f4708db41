"""The audit trail of pairings is append-only: model, queryset, API, admin and (on PostgreSQL) the table."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.urls import reverse

from matchmaker.audit import record_event
from matchmaker.models import Match, MatchEvent
from tests.factories import UserFactory
from tests.live import require_postgres

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(world) -> MatchEvent:
    match = Match.objects.create(
        need=world.need,
        outcome=world.outcome,
        score=0.8,
        rank=1,
        assigned_to=world.users["manager"].technology_manager,
    )
    return record_event(
        match=match, kind=MatchEvent.Kind.ASSIGNED, actor=world.users["staff"], note="原始记录", data={"manager": 1}
    )


def stored(event: MatchEvent) -> dict:
    return MatchEvent.objects.filter(pk=event.pk).values().get()


def test_record_event_appends_one_row_with_who_what_and_when(world, event):
    assert stored(event) | {"at": None} == {
        "id": event.pk,
        "match_id": event.match_id,
        "actor_id": world.users["staff"].pk,
        "kind": "assigned",
        "from_status": "",
        "to_status": "",
        "reason": "",
        "note": "原始记录",
        "data": {"manager": 1},
        "at": None,
    }
    assert event.at is not None


def test_an_anonymous_actor_is_recorded_as_nobody(world):
    match = Match.objects.create(need=world.need, outcome=world.outcome, score=0.8, rank=1)
    row = record_event(match=match, kind=MatchEvent.Kind.PROPOSED, actor=AnonymousUser(), reason="r" * 600)
    assert row.actor is None
    assert len(row.reason) == 500


def test_saving_an_existing_row_is_refused(event):
    before = stored(event)
    event.note = "改写"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.save(update_fields=["note"])
    assert stored(event) == before


def test_deleting_a_row_is_refused(event):
    with pytest.raises(PermissionError):
        event.delete()
    assert MatchEvent.objects.filter(pk=event.pk).exists()


def test_queryset_update_and_delete_are_refused(event):
    before = stored(event)
    with pytest.raises(PermissionError):
        MatchEvent.objects.filter(pk=event.pk).update(note="改写")
    with pytest.raises(PermissionError):
        MatchEvent.objects.all().update(note="改写")
    with pytest.raises(PermissionError):
        MatchEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionError):
        MatchEvent.objects.all().delete()
    assert stored(event) == before


def test_a_pairing_with_history_cannot_be_deleted(event):
    with pytest.raises(ProtectedError):
        event.match.delete()
    assert MatchEvent.objects.filter(pk=event.pk).exists()


# --- the API only reads it ------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("role", ["manager", "staff"])
def test_the_events_route_refuses_every_write(world, event, role, method):
    before = stored(event)

    response = getattr(world.client(role), method)(
        f"/api/v1/reviews/{event.match_id}/events/", {"note": "改写"}, format="json"
    )

    assert response.status_code == 405
    assert stored(event) == before
    assert MatchEvent.objects.count() == 1


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_there_is_no_route_to_a_single_event(world, event, method):
    response = getattr(world.client("staff"), method)(
        f"/api/v1/reviews/{event.match_id}/events/{event.pk}/", {"note": "改写"}, format="json"
    )
    assert response.status_code == 404
    assert stored(event)["note"] == "原始记录"


def test_the_events_route_reads_the_trail(world, event):
    response = world.client("staff").get(f"/api/v1/reviews/{event.match_id}/events/")
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": event.pk,
            "kind": "assigned",
            "actor": "root",
            "from_status": "",
            "to_status": "",
            "reason": "",
            "note": "原始记录",
            "data": {"manager": 1},
            "at": response.json()[0]["at"],
        }
    ]


# --- the admin only reads it ----------------------------------------------------------------------


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="admin-user", is_staff=True, is_superuser=True))
    return client


def test_the_admin_refuses_to_add_events_even_to_a_superuser(superuser_client, event):
    url = reverse("admin:matchmaker_matchevent_add")
    assert superuser_client.get(url).status_code == 403
    response = superuser_client.post(url, {"match": event.match_id, "kind": "approved", "note": "伪造"})
    assert response.status_code == 403
    assert MatchEvent.objects.count() == 1


def test_the_admin_refuses_to_change_an_event_even_for_a_superuser(superuser_client, event):
    url = reverse("admin:matchmaker_matchevent_change", args=[event.pk])
    before = stored(event)

    response = superuser_client.post(url, {"match": event.match_id, "kind": "approved", "note": "改写"})

    assert response.status_code == 403
    assert stored(event) == before
    # Viewing stays possible, as a read-only page: no form fields, no save button.
    page = superuser_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="note"' not in html
    assert 'name="_save"' not in html
    assert "原始记录" in html


def test_the_admin_refuses_to_delete_an_event_even_for_a_superuser(superuser_client, event):
    url = reverse("admin:matchmaker_matchevent_delete", args=[event.pk])
    assert superuser_client.get(url).status_code == 403
    assert superuser_client.post(url, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:matchmaker_matchevent_changelist")
    assert "delete_selected" not in superuser_client.get(changelist).content.decode()
    # The bulk action is not offered; posting it anyway only redraws the list.
    response = superuser_client.post(changelist, {"action": "delete_selected", "_selected_action": [event.pk]})
    assert response.status_code == 200
    assert MatchEvent.objects.filter(pk=event.pk).exists()


def test_the_pairing_admin_shows_events_inline_read_only(superuser_client, event):
    url = reverse("admin:matchmaker_match_change", args=[event.match_id])
    assert superuser_client.post(url, {}).status_code == 403
    assert superuser_client.get(url).status_code == 200
    assert stored(event)["note"] == "原始记录"


# --- the database refuses too ---------------------------------------------------------------------


@pytest.mark.live
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE matchmaker_matchevent SET note = 'raw' WHERE id = %s",
        "DELETE FROM matchmaker_matchevent WHERE id = %s",
    ],
    ids=["update", "delete"],
)
def test_postgresql_refuses_raw_sql_that_changes_or_deletes_an_event(event, sql):
    require_postgres()
    before = stored(event)

    # The savepoint keeps the test's transaction usable after the trigger's error.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [event.pk])

    assert stored(event) == before


@pytest.mark.live
def test_postgresql_still_accepts_new_rows(event):
    require_postgres()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO matchmaker_matchevent (match_id, kind, from_status, to_status, reason, note, data, at)"
            " VALUES (%s, 'question', '', '', '', 'raw insert', '{}', now())",
            [event.match_id],
        )
    assert MatchEvent.objects.filter(match_id=event.match_id).count() == 2
