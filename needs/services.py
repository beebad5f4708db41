"""Workflows that write needs and enterprises."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from core.exceptions import ApplicationError
from matchmaker.services import queue_text_preparation
from needs.models import Enterprise, Need

# Statuses an enterprise may set itself; "matched" is set by the review workflow.
_OWNER_STATUSES = frozenset({Need.Status.DRAFT, Need.Status.OPEN, Need.Status.CLOSED})


def _check_owner_status(status: str | None) -> None:
    if status is not None and status not in _OWNER_STATUSES:
        raise ApplicationError("企业只能将需求设为草稿、征集中或已关闭。", field="status")


@transaction.atomic
def need_create(*, enterprise: Enterprise, created_by: AbstractBaseUser | None, **fields: Any) -> Need:
    """Save a new need and queue its text preparation once the row is committed."""
    _check_owner_status(fields.get("status"))
    need = Need(enterprise=enterprise, created_by=created_by, **fields)
    need.full_clean()
    need.save()
    queue_text_preparation(need)
    return need


@transaction.atomic
def need_update(*, need: Need, **fields: Any) -> Need:
    """Change a need; its text is re-prepared and it is matched again."""
    if "status" in fields and fields["status"] != need.status:
        _check_owner_status(fields["status"])
    for name, value in fields.items():
        setattr(need, name, value)
    need.full_clean()
    need.save()
    # Structured fields (chain, TRL, money, status) change the ranking too, so every edit
    # goes through preparation, which re-matches the row.
    queue_text_preparation(need)
    return need


@transaction.atomic
def enterprise_create(**fields: Any) -> Enterprise:
    enterprise = Enterprise(**fields)
    enterprise.full_clean()
    enterprise.save()
    return enterprise


@transaction.atomic
def enterprise_update(*, enterprise: Enterprise, **fields: Any) -> Enterprise:
    for name, value in fields.items():
        setattr(enterprise, name, value)
    enterprise.full_clean()
    enterprise.save()
    return enterprise
