"""`loaddemo` fills an empty platform, idempotently, with working demo accounts."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from brokers.models import TechnologyManager
from core.demo_loader import DEMO_PASSWORD
from matchmaker.models import Match
from needs.models import Need
from outcomes.models import Outcome

pytestmark = pytest.mark.django_db(transaction=True)


def _counts() -> tuple[int, ...]:
    return (Need.objects.count(), Outcome.objects.count(), TechnologyManager.objects.count(), Match.objects.count())


def test_loaddemo_fills_the_platform_and_running_it_twice_changes_nothing():
    call_command("loaddemo")
    first = _counts()
    assert first[0] >= 20 and first[1] >= 30 and first[2] >= 3
    assert Match.objects.exists(), "the demo needs are matched on load"
    assert not Need.objects.open().filter(match_state=Need.MatchState.PENDING).exists()
    assert Outcome.objects.filter(text_prepared_at__isnull=True).count() == 0
    # Some texts are in Traditional script; their normalised text is Simplified.
    traditional = Outcome.objects.filter(title__contains="與").first()
    assert traditional is not None and "与" in traditional.normalized_text
    assert authenticate(username="admin", password=DEMO_PASSWORD).is_staff
    assert authenticate(username="mgr_wang", password=DEMO_PASSWORD) is not None

    call_command("loaddemo")
    assert _counts() == first
