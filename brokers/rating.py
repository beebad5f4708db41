"""The star rating (星级评价), computed from a manager's measured track record.

    conversion = mean over the manager's approvals of how far each got:
                 approved only 0, contacted 0.25, negotiating 0.5, contract signed 1.0
    precision  = 1 − overturned rejections / rejections        (1 with no rejections)
    speed      = 1 when the median time to first decision ≤ 1 working day, 0 at ≥ 6,
                 linear between                                (0.5 with no decisions)
    raw        = 0.5·conversion + 0.3·precision + 0.2·speed
    score      = (n·raw + 5·0.5) / (n + 5)   with n = decisions: a short record stays near 3 stars
    stars      = 1 + round(4·score), between 1 and 5

Conversion weighs most because the platform exists to raise the conversion rate; a few lucky
decisions cannot make five stars because of the shrinkage toward the middle.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass

STAGE_VALUE = {"approved": 0.0, "contacted": 0.25, "negotiating": 0.5, "signed": 1.0}
PRIOR_WEIGHT = 5
PRIOR_SCORE = 0.5
FAST_DAYS, SLOW_DAYS = 1.0, 6.0


@dataclass(frozen=True)
class TrackRecord:
    approval_stages: tuple[str, ...]  # the furthest stage each approval reached
    rejections: int
    overturned: int
    decision_days: tuple[float, ...]  # working days from assignment to decision


@dataclass(frozen=True)
class StarRating:
    level: int
    score: float
    conversion: float
    precision: float
    speed: float
    decisions: int
    approvals: int
    reached_contact: int
    reached_negotiation: int
    signed: int
    rejections: int
    overturned: int
    median_decision_days: float | None

    def as_dict(self) -> dict:
        return asdict(self)


def star_rating(record: TrackRecord) -> StarRating:
    """Stars and their parts for a track record (formula in the module docstring)."""
    approvals = len(record.approval_stages)
    values = [STAGE_VALUE.get(stage, 0.0) for stage in record.approval_stages]
    conversion = sum(values) / approvals if approvals else 0.0
    precision = 1 - record.overturned / record.rejections if record.rejections else 1.0
    median = statistics.median(record.decision_days) if record.decision_days else None
    speed = 0.5 if median is None else min(1.0, max(0.0, (SLOW_DAYS - median) / (SLOW_DAYS - FAST_DAYS)))
    raw = 0.5 * conversion + 0.3 * precision + 0.2 * speed
    decisions = approvals + record.rejections
    score = (decisions * raw + PRIOR_WEIGHT * PRIOR_SCORE) / (decisions + PRIOR_WEIGHT)
    level = max(1, min(5, 1 + round(4 * score)))
    stages = record.approval_stages
    return StarRating(
        level=level,
        score=round(score, 4),
        conversion=round(conversion, 4),
        precision=round(precision, 4),
        speed=round(speed, 4),
        decisions=decisions,
        approvals=approvals,
        reached_contact=sum(s in ("contacted", "negotiating", "signed") for s in stages),
        reached_negotiation=sum(s in ("negotiating", "signed") for s in stages),
        signed=sum(s == "signed" for s in stages),
        rejections=record.rejections,
        overturned=record.overturned,
        median_decision_days=None if median is None else round(median, 3),
    )
