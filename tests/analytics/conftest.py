"""A hand-built set of pairings with known times, so every figure of the analytics has an exact answer.

Day 0 is 2026-01-05 09:00 in Shanghai. Two institutions: 西安理工 (inst-xa, 西安) and 宝鸡材料院
(inst-bj, 宝鸡); two managers: 王经理 (m1) and 赵经理 (m2).

| pairing | outcome (inst, chain)  | need city | proposed | path (day)                                         |
|---------|------------------------|-----------|----------|----------------------------------------------------|
| p1      | o1 (xa, equipment)     | 宝鸡      | 2        | approved 3 (m1), contacted 5, negotiating 9, signed 19 |
| p2      | o2 (xa, equipment)     | 宝鸡      | 2        | approved 4 (m1), contacted 8, negotiating 10, closed 12 |
| p3      | o3 (xa, equipment)     | 咸阳      | 4        | approved 5 (m2), contacted 6                        |
| p4      | o4 (xa, equipment)     | 西安      | 4        | approved 8 (m2)                                     |
| p5      | o5 (xa, equipment)     | 咸阳      | 6        | rejected 7 (m1)                                     |
| p6      | o1 (xa, equipment)     | 咸阳      | 6        | waiting, assigned to m2                             |
| p7      | o7 (bj, new materials) | 宝鸡      | 10       | approved 11 (m1), closed 12                         |
| p8      | o6 (xa, equipment)     | 宝鸡      | 3        | retracted                                           |
| p9      | o8 (bj, equipment)     | 西安      | 03-02    | approved 03-04 (m2), contacted 03-05               |
Outcomes o1–o7 and o9 (never paired, xa) are registered on day 0; o8 on 2026-03-01.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock

import pytest
from django.utils import timezone

from matchmaker.models import Match, MatchEvent
from tests.factories import (
    EnterpriseFactory,
    InstitutionFactory,
    NeedFactory,
    OutcomeFactory,
    TechnologyManagerFactory,
    UserFactory,
)

DAY0 = timezone.make_aware(dt.datetime(2026, 1, 5, 9, 0))
MARCH = timezone.make_aware(dt.datetime(2026, 3, 1, 9, 0))
S = Match.Status


@contextmanager
def frozen(when: dt.datetime):
    """auto_now_add fields (created_at, MatchEvent.at) take this time."""
    with mock.patch("django.utils.timezone.now", return_value=when):
        yield


def day(n: float, start: dt.datetime = DAY0) -> dt.datetime:
    return start + dt.timedelta(days=n)


@dataclass
class Seed:
    m1: object
    m2: object
    inst_xa: object
    inst_bj: object
    outcomes: dict
    pairings: dict
    staff: object


def _pairing(outcome, city, proposed_at, *, path=(), decided_by=None, status=S.PROPOSED, assigned_to=None):
    need = NeedFactory(city=city, enterprise=EnterpriseFactory(city=city))
    with frozen(proposed_at):
        match = Match.objects.create(
            need=need,
            outcome=outcome,
            score=0.5,
            rank=1,
            status=status,
            assigned_to=assigned_to or decided_by,
            assigned_at=proposed_at,
            decided_by=decided_by,
        )
    previous = S.PROPOSED
    decided_at = None
    for to_status, when in path:
        kind = {S.APPROVED: "approved", S.REJECTED: "rejected"}.get(to_status, "stage")
        if kind != "stage":
            decided_at = when
        with frozen(when):
            MatchEvent.objects.create(match=match, kind=kind, from_status=previous, to_status=to_status)
        previous = to_status
    if decided_at is not None:
        Match.objects.filter(pk=match.pk).update(decided_at=decided_at)
    return match


@pytest.fixture
def seed(db) -> Seed:
    m1 = TechnologyManagerFactory(user=UserFactory(username="wang", first_name="王经理"), star_level=4)
    m2 = TechnologyManagerFactory(
        user=UserFactory(username="zhao", first_name="赵经理"),
        star_computed=3,
        star_components={"conversion": 0.4167, "precision": 1.0, "speed": 0.8},
    )
    xa = InstitutionFactory(code="inst-xa", name="西安理工大学", city="西安")
    bj = InstitutionFactory(code="inst-bj", name="宝鸡材料研究院", city="宝鸡", kind="institute")
    outcomes = {}
    with frozen(DAY0):
        for n in (1, 2, 3, 4, 5, 6, 9):
            outcomes[n] = OutcomeFactory(institution=xa, industry_chain="high_end_equipment")
        outcomes[7] = OutcomeFactory(institution=bj, industry_chain="new_materials")
    with frozen(MARCH):
        outcomes[8] = OutcomeFactory(institution=bj, industry_chain="high_end_equipment")
    o = outcomes
    p = {
        1: _pairing(
            o[1],
            "宝鸡",
            day(2),
            decided_by=m1,
            status=S.SIGNED,
            path=[(S.APPROVED, day(3)), (S.CONTACTED, day(5)), (S.NEGOTIATING, day(9)), (S.SIGNED, day(19))],
        ),
        2: _pairing(
            o[2],
            "宝鸡",
            day(2),
            decided_by=m1,
            status=S.CLOSED,
            path=[(S.APPROVED, day(4)), (S.CONTACTED, day(8)), (S.NEGOTIATING, day(10)), (S.CLOSED, day(12))],
        ),
        3: _pairing(
            o[3], "咸阳", day(4), decided_by=m2, status=S.CONTACTED, path=[(S.APPROVED, day(5)), (S.CONTACTED, day(6))]
        ),
        4: _pairing(o[4], "西安", day(4), decided_by=m2, status=S.APPROVED, path=[(S.APPROVED, day(8))]),
        5: _pairing(o[5], "咸阳", day(6), decided_by=m1, status=S.REJECTED, path=[(S.REJECTED, day(7))]),
        6: _pairing(o[1], "咸阳", day(6), assigned_to=m2),
        7: _pairing(
            o[7], "宝鸡", day(10), decided_by=m1, status=S.CLOSED, path=[(S.APPROVED, day(11)), (S.CLOSED, day(12))]
        ),
        8: _pairing(o[6], "宝鸡", day(3), status=S.RETRACTED),
        9: _pairing(
            o[8],
            "西安",
            day(1, MARCH),
            decided_by=m2,
            status=S.CONTACTED,
            path=[(S.APPROVED, day(3, MARCH)), (S.CONTACTED, day(4, MARCH))],
        ),
    }
    staff = UserFactory(username="operator", is_staff=True)
    return Seed(m1=m1, m2=m2, inst_xa=xa, inst_bj=bj, outcomes=outcomes, pairings=p, staff=staff)
