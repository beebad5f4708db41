"""Workflows that write outcomes and institutions."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from matchmaker.services import queue_text_preparation
from outcomes.models import Institution, Outcome


@transaction.atomic
def outcome_create(*, institution: Institution, created_by: AbstractBaseUser | None, **fields: Any) -> Outcome:
    """Register an outcome and queue its text preparation once the row is committed."""
    outcome = Outcome(institution=institution, created_by=created_by, **fields)
    outcome.full_clean()
    outcome.save()
    queue_text_preparation(outcome)
    return outcome


@transaction.atomic
def outcome_update(*, outcome: Outcome, **fields: Any) -> Outcome:
    """Change an outcome; its text is re-prepared and it is matched again."""
    for name, value in fields.items():
        setattr(outcome, name, value)
    outcome.full_clean()
    outcome.save()
    # Structured fields (chain, TRL, money, status) change the ranking too, so every edit
    # goes through preparation, which re-matches the row.
    queue_text_preparation(outcome)
    return outcome


@transaction.atomic
def institution_create(**fields: Any) -> Institution:
    institution = Institution(**fields)
    institution.full_clean()
    institution.save()
    return institution


@transaction.atomic
def institution_update(*, institution: Institution, **fields: Any) -> Institution:
    for name, value in fields.items():
        setattr(institution, name, value)
    institution.full_clean()
    institution.save()
    return institution
