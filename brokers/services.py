"""Workflows that certify, suspend and renew technology managers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from brokers.models import TechnologyManager
from core.exceptions import ApplicationError


@transaction.atomic
def manager_certify(*, user: AbstractBaseUser, **fields: Any) -> TechnologyManager:
    """Certify a user as a technology manager (认定)."""
    if TechnologyManager.objects.filter(user=user).exists():
        raise ApplicationError("该用户已是技术经理人。", field="user")
    manager = TechnologyManager(user=user, **fields)
    manager.full_clean()
    manager.save()
    return manager


@transaction.atomic
def manager_update(*, manager: TechnologyManager, **fields: Any) -> TechnologyManager:
    for name, value in fields.items():
        setattr(manager, name, value)
    manager.full_clean()
    manager.save()
    return manager


@transaction.atomic
def manager_suspend(*, manager: TechnologyManager, reason: str) -> TechnologyManager:
    """Suspend a manager: they keep reading but may no longer decide."""
    if not reason.strip():
        raise ApplicationError("暂停须说明原因。", field="reason")
    manager.active = False
    manager.suspended_reason = reason.strip()
    manager.save(update_fields=("active", "suspended_reason", "updated_at"))
    return manager


@transaction.atomic
def manager_renew(*, manager: TechnologyManager, valid_until: dt.date) -> TechnologyManager:
    """Extend the certificate and lift any suspension."""
    if valid_until <= manager.valid_until:
        raise ApplicationError("新的有效期必须晚于当前有效期。", field="valid_until")
    manager.valid_until = valid_until
    manager.active = True
    manager.suspended_reason = ""
    manager.full_clean()
    manager.save()
    return manager
