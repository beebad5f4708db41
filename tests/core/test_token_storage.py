"""The migration that stores tokens as one newline-joined string per row, run both ways on rows
that hold tokens."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import NeedFactory, OutcomeFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("needs", "0002_freshness_indexes"), ("outcomes", "0002_freshness_indexes")]
AFTER = [("needs", "0003_tokens_as_text"), ("outcomes", "0003_tokens_as_text")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_tokens_go_back_to_json_lists_and_forward_to_joined_text():
    need = NeedFactory(tokens="碳化硅\n空洞\nsilicon carbide")
    outcome = OutcomeFactory(tokens="")
    try:
        old = _migrate(BEFORE)
        assert old.get_model("needs", "Need").objects.get(pk=need.pk).tokens == ["碳化硅", "空洞", "silicon carbide"]
        assert old.get_model("outcomes", "Outcome").objects.get(pk=outcome.pk).tokens == []
        # A token holding a line break (only a JSON list could) stays one token.
        old.get_model("outcomes", "Outcome").objects.filter(pk=outcome.pk).update(tokens=["封装", "碳化\n矽"])
    finally:
        new = _migrate(AFTER)
    assert new.get_model("needs", "Need").objects.get(pk=need.pk).tokens == "碳化硅\n空洞\nsilicon carbide"
    assert new.get_model("outcomes", "Outcome").objects.get(pk=outcome.pk).tokens == "封装\n碳化 矽"
