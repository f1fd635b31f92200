"""Schedule arithmetic across daylight-saving changes (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from hub.schedule import Schedule, parse_schedule


def _sched(text: str) -> Schedule:
    schedule = parse_schedule(text)
    assert schedule is not None
    return schedule


def test_spring_forward_gap_fires_once_when_the_clocks_reach_the_first_valid_minute() -> None:
    s = _sched("02:30 America/New_York")
    when = s.on(date(2024, 3, 10))  # 02:00 EST -> 03:00 EDT
    assert when == datetime(2024, 3, 10, 7, 0, tzinfo=UTC)
    assert when.astimezone(s.zone).strftime("%H:%M %Z") == "03:00 EDT"
    assert s.on(date(2024, 3, 9)) == datetime(2024, 3, 9, 7, 30, tzinfo=UTC)
    assert s.on(date(2024, 3, 11)) == datetime(2024, 3, 11, 6, 30, tzinfo=UTC)


def test_fall_back_repeated_hour_fires_at_the_first_occurrence_only() -> None:
    s = _sched("01:30 America/New_York")
    first = s.on(date(2024, 11, 3))
    assert first == datetime(2024, 11, 3, 5, 30, tzinfo=UTC)  # 01:30 EDT, not 01:30 EST
    assert s.next_after(first) == datetime(2024, 11, 4, 6, 30, tzinfo=UTC)
    assert s.next_after(first - timedelta(seconds=1)) == first


def test_default_schedule_is_23_eastern_all_year() -> None:
    s = _sched("23:00 America/New_York")
    assert s.on(date(2024, 1, 15)) == datetime(2024, 1, 16, 4, 0, tzinfo=UTC)
    assert s.on(date(2024, 7, 15)) == datetime(2024, 7, 16, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "since", "expected"),
    [
        # in the evening after 23:00: tonight's
        (datetime(2024, 6, 6, 3, 5, tzinfo=UTC), None, datetime(2024, 6, 6, 3, 0, tzinfo=UTC)),
        # at noon: last night's
        (datetime(2024, 6, 6, 16, 0, tzinfo=UTC), None, datetime(2024, 6, 6, 3, 0, tzinfo=UTC)),
        # last night's is older than the window: nothing
        (
            datetime(2024, 6, 6, 16, 0, tzinfo=UTC),
            datetime(2024, 6, 6, 12, 0, tzinfo=UTC),
            None,
        ),
        # exactly at the occurrence: due
        (datetime(2024, 6, 6, 3, 0, tzinfo=UTC), None, datetime(2024, 6, 6, 3, 0, tzinfo=UTC)),
    ],
)
def test_latest_occurrence(
    now: datetime, since: datetime | None, expected: datetime | None
) -> None:
    s = _sched("23:00 America/New_York")
    assert s.latest(now=now, since=since or now - timedelta(hours=24)) == expected


def test_every_occurrence_over_a_year_is_daily_and_unique() -> None:
    s = _sched("02:30 Europe/London")
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    seen = []
    for _ in range(366):
        moment = s.next_after(moment)
        seen.append(moment)
    days = [m.astimezone(s.zone).date() for m in seen]
    assert len(set(days)) == 366 and days == sorted(days)
    assert all(
        timedelta(hours=23) <= b - a <= timedelta(hours=25)
        for a, b in zip(seen, seen[1:], strict=False)
    )


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        _sched("23:00 America/New_York").next_after(datetime(2024, 1, 1))
