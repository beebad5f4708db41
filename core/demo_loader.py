"""Demo data for a new installation: enterprises, institutions, managers, needs and outcomes.

The accounts exist only on machines where `manage.py loaddemo` was run; they all share
DEMO_PASSWORD, which the README documents.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from brokers.models import TechnologyManager
from needs.models import Enterprise, EnterpriseMembership, Need
from needs.services import need_create, need_update
from outcomes.models import Institution, InstitutionMembership, Outcome
from outcomes.services import outcome_create, outcome_update

DEMO_FILE = Path(__file__).resolve().parent / "demo" / "demo.json"
DEMO_PASSWORD = "matchmaker-demo-2026"
DEMO_ADMIN = "admin"


@dataclass
class DemoSummary:
    enterprises: int = 0
    institutions: int = 0
    managers: int = 0
    needs: int = 0
    outcomes: int = 0


def _user(username: str, *, first_name: str = "", email: str = "", staff: bool = False):
    user, _ = get_user_model().objects.update_or_create(
        username=username,
        defaults={"first_name": first_name, "email": email, "is_staff": staff, "is_superuser": staff},
    )
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    return user


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@transaction.atomic
def load_demo(path: Path = DEMO_FILE) -> DemoSummary:
    """Create or refresh every demo row; running it twice changes nothing.

    Outcomes go in before needs, so each need is matched against the whole outcome library.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    summary = DemoSummary()
    _user(DEMO_ADMIN, first_name="平台管理员", email="admin@example.com", staff=True)

    enterprises: dict[str, Enterprise] = {}
    for row in data["enterprises"]:
        fields = {k: v for k, v in row.items() if k not in ("code", "members")}
        enterprise, _ = Enterprise.objects.update_or_create(code=row["code"], defaults=fields)
        for member in row.get("members", []):
            EnterpriseMembership.objects.get_or_create(enterprise=enterprise, user=_user(**member))
        enterprises[row["code"]] = enterprise
        summary.enterprises += 1

    institutions: dict[str, Institution] = {}
    for row in data["institutions"]:
        fields = {k: v for k, v in row.items() if k not in ("code", "members")}
        institution, _ = Institution.objects.update_or_create(code=row["code"], defaults=fields)
        for member in row.get("members", []):
            InstitutionMembership.objects.get_or_create(institution=institution, user=_user(**member))
        institutions[row["code"]] = institution
        summary.institutions += 1

    for row in data["managers"]:
        user = _user(row["username"], first_name=row.get("first_name", ""), email=row.get("email", ""))
        TechnologyManager.objects.update_or_create(
            user=user,
            defaults={
                "certificate_number": row["certificate_number"],
                "certified_on": _date(row["certified_on"]),
                "valid_until": _date(row["valid_until"]),
                "star_level": row.get("star_level", 3),
                "specialties": row.get("specialties", []),
                "regions": row.get("regions", []),
                "capacity": row.get("capacity", 20),
            },
        )
        summary.managers += 1

    for row in data["outcomes"]:
        institution = institutions[row["institution"]]
        fields = {k: v for k, v in row.items() if k not in ("institution",)}
        fields["asking_price_wan"] = _money(fields.get("asking_price_wan"))
        existing = Outcome.objects.filter(institution=institution, external_id=row["external_id"]).first()
        if existing is None:
            outcome_create(institution=institution, created_by=None, **fields)
        else:
            outcome_update(outcome=existing, **fields)
        summary.outcomes += 1
    for row in data["needs"]:
        enterprise = enterprises[row["enterprise"]]
        fields = {k: v for k, v in row.items() if k != "enterprise"}
        fields["budget_wan"] = _money(fields.get("budget_wan"))
        fields["deadline"] = _date(fields.get("deadline"))
        existing = Need.objects.filter(enterprise=enterprise, title=row["title"]).first()
        if existing is None:
            need_create(enterprise=enterprise, created_by=None, **fields)
        else:
            need_update(need=existing, **fields)
        summary.needs += 1

    return summary
