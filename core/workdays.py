"""Working-day arithmetic for service windows (Monday to Friday; public holidays not modelled)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def _local(moment: dt.datetime) -> dt.datetime:
    # Weekends are the platform's (TIME_ZONE), not those of UTC, in which timezone.now() and the
    # database hand times back: Monday 07:00 in Shanghai is still Sunday in UTC.
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """`start` moved forward by `days` working days, keeping the time of day."""
    current = _local(start)
    remaining = days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def working_days_between(start: dt.datetime, end: dt.datetime) -> float:
    """Elapsed working time between two instants, in days (weekends do not count)."""
    if end <= start:
        return 0.0
    start, end = _local(start), _local(end)
    total = 0.0
    cursor = start
    while cursor < end:
        next_midnight = dt.datetime.combine(cursor.date() + dt.timedelta(days=1), dt.time(), tzinfo=cursor.tzinfo)
        segment_end = min(next_midnight, end)
        if cursor.weekday() < 5:
            total += (segment_end - cursor).total_seconds() / 86400
        cursor = segment_end
    return total
