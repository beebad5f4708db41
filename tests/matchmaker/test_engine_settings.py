"""MATCHMAKER_ENGINE_SETTINGS: read from the environment, checked at start-up, honoured by every index."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from config.env import env_json_object
from matchmaker import engine, index_store, tasks
from matchmaker.models import IndexBuild
from tests.factories import OutcomeFactory

pytestmark = pytest.mark.django_db


def test_the_environment_gives_a_json_object(monkeypatch):
    monkeypatch.setenv("MATCHMAKER_ENGINE_SETTINGS", '{"min_topic_score": 0.51}')
    assert env_json_object("MATCHMAKER_ENGINE_SETTINGS") == {"min_topic_score": 0.51}
    monkeypatch.setenv("MATCHMAKER_ENGINE_SETTINGS", "")
    assert env_json_object("MATCHMAKER_ENGINE_SETTINGS") == {}
    for bad in ("min_topic_score=0.51", "[0.51]"):
        monkeypatch.setenv("MATCHMAKER_ENGINE_SETTINGS", bad)
        with pytest.raises(ImproperlyConfigured, match="MATCHMAKER_ENGINE_SETTINGS must be a JSON object"):
            env_json_object("MATCHMAKER_ENGINE_SETTINGS")


def test_a_wrong_setting_stops_a_process_at_start_up(settings):
    settings.MATCHMAKER_ENGINE_SETTINGS = {"min_topic_scor": 0.5}
    refused = "MATCHMAKER_ENGINE_SETTINGS: unknown matching setting 'min_topic_scor'"
    with pytest.raises(ImproperlyConfigured, match=refused):
        apps.get_app_config("matchmaker").ready()
    settings.MATCHMAKER_ENGINE_SETTINGS = {"min_topic_score": 0.5}
    apps.get_app_config("matchmaker").ready()


def test_the_index_is_built_under_the_configured_settings_and_rebuilt_when_they_change(settings):
    for i in range(3):
        tasks.prepare_outcome_text(OutcomeFactory(title=f"铝合金激光焊接气孔抑制{i}", keywords=[]).pk)
    settings.MATCHMAKER_INDEX_FRESHNESS_MS = 0
    index = index_store.current_outcome_index()
    assert index.settings == engine.MatchSettings()
    first = IndexBuild.objects.get(kind=IndexBuild.Kind.OUTCOMES)
    assert first.settings_digest == engine.MatchSettings().digest()

    # Same settings: the artifact in force is reused.
    assert index_store.current_outcome_index() is index
    settings.MATCHMAKER_ENGINE_SETTINGS = {"min_topic_score": 0.4, "explain_terms": 3}
    tuned = index_store.current_outcome_index()
    assert tuned.settings.min_topic_score == 0.4 and tuned.settings.explain_terms == 3
    newest = IndexBuild.objects.filter(kind=IndexBuild.Kind.OUTCOMES).first()
    assert newest.pk != first.pk and newest.settings_digest == tuned.settings.digest()
