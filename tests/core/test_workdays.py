"""Working-day arithmetic for service windows: Monday to Friday, in the platform's time zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from core.workdays import add_working_days, working_days_between

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


def at(day: int, hour: int = 10, minute: int = 0, tz=SHANGHAI) -> dt.datetime:
    """A time in the week of Monday 2025-03-03 (day 0 = Monday … 6 = Sunday, 7 = next Monday)."""
    return dt.datetime(2025, 3, 3, hour, minute, tzinfo=tz) + dt.timedelta(days=day)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (at(0), 0, at(0)),
        (at(0), 1, at(1)),
        (at(0), 3, at(3)),
        (at(3), 1, at(4)),  # Thursday → Friday
        (at(4), 1, at(7)),  # Friday → Monday, over the weekend
        (at(4), 3, at(9)),  # Friday → Wednesday
        (at(5), 1, at(7)),  # Saturday → Monday
        (at(6), 1, at(7)),  # Sunday → Monday
        (at(2), 5, at(9)),  # a whole working week is seven days
        (at(0), 10, at(14)),
    ],
)
def test_add_working_days_skips_weekends_and_keeps_the_time_of_day(start, days, expected):
    result = add_working_days(start, days)
    assert result == expected
    assert result.astimezone(SHANGHAI).time() == start.astimezone(SHANGHAI).time()


def test_add_working_days_works_on_naive_times():
    friday = dt.datetime(2025, 3, 7, 9, 30)
    assert add_working_days(friday, 1) == dt.datetime(2025, 3, 10, 9, 30)


def test_add_working_days_counts_the_weekend_of_the_platform_not_of_utc(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    # Saturday 02:00 in Shanghai is still Friday 18:00 in UTC, as timezone.now() returns it.
    saturday_night = at(5, 2).astimezone(UTC)
    assert saturday_night.weekday() == 4

    due = add_working_days(saturday_night, 1)

    assert due == at(7, 2), "one working day after a Saturday is Monday"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (at(0, 10), at(0, 10), 0.0),
        (at(0, 10), at(0, 9), 0.0),  # backwards
        (at(0, 10), at(0, 22), 0.5),
        (at(0, 10), at(1, 10), 1.0),
        (at(0, 0), at(5, 0), 5.0),  # Monday to Saturday midnight
        (at(0, 0), at(7, 0), 5.0),  # the weekend adds nothing
        (at(4, 12), at(7, 12), 1.0),  # Friday noon to Monday noon
        (at(5, 0), at(7, 0), 0.0),  # all weekend
        (at(5, 9), at(6, 18), 0.0),
        (at(4, 18), at(5, 6), 0.25),  # Friday evening into Saturday
        (at(6, 18), at(7, 6), 0.25),  # Sunday evening into Monday
    ],
)
def test_working_days_between_counts_only_weekday_time(start, end, expected):
    assert working_days_between(start, end) == pytest.approx(expected)


def test_working_days_between_counts_the_weekend_of_the_platform_not_of_utc(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    # Monday 00:00–08:00 in Shanghai is Sunday in UTC; Saturday 00:00–08:00 is Friday in UTC.
    monday_early = (at(7, 0).astimezone(UTC), at(7, 8).astimezone(UTC))
    saturday_early = (at(5, 0).astimezone(UTC), at(5, 8).astimezone(UTC))

    assert working_days_between(*monday_early) == pytest.approx(8 / 24)
    assert working_days_between(*saturday_early) == 0.0


def test_working_days_between_and_add_working_days_agree():
    for day in range(7):
        start = at(day, 15)
        for days in range(1, 8):
            span = working_days_between(start, add_working_days(start, days))
            if day < 5:
                assert span == pytest.approx(days)
            else:
                # From a weekend the window ends at 15:00 on a weekday: the first day is only 15 hours.
                assert span == pytest.approx(days - 1 + 15 / 24)
