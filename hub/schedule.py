"""Integration schedules: ``HH:MM Area/City`` daily in that time zone, or ``off``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.errors import ConfigError

DEFAULT_SCHEDULE = "23:00 America/New_York"
_PATTERN = re.compile(r"^(\d{1,2}):(\d{2})(?:\s+(\S+))?$")


@dataclass(frozen=True, slots=True)
class Schedule:
    at: time
    zone: ZoneInfo

    def __str__(self) -> str:
        return f"{self.at:%H:%M} {self.zone.key}"

    def on(self, day: date) -> datetime:
        """The instant (UTC) this schedule fires on a local calendar day.

        A wall time the clocks skip (02:30 on a spring-forward night) fires when the clocks
        reach the first valid minute after it (03:00), as cron does; a wall time that happens
        twice (01:30 on a fall-back night) fires at its first occurrence only.
        """
        wall = datetime.combine(day, self.at)
        for _ in range(_MAX_GAP_MINUTES):
            local = wall.replace(tzinfo=self.zone, fold=0)
            if _exists(local):
                return local.astimezone(UTC)
            wall += timedelta(minutes=1)
        msg = f"schedule '{self}' has no valid time on {day}"
        raise ConfigError(msg)

    def latest(self, *, now: datetime, since: datetime) -> datetime | None:
        """The newest occurrence in ``(since, now]`` (UTC), or None.

        Only the newest: a service that was down for three nights runs once when it comes
        back, not three times.
        """
        now, since = _utc(now), _utc(since)
        today = now.astimezone(self.zone).date()
        for back in range(0, 3):
            when = self.on(today - timedelta(days=back))
            if when <= now:
                return when if when > since else None
        return None

    def next_after(self, moment: datetime) -> datetime:
        """The first occurrence strictly after ``moment`` (UTC)."""
        moment = _utc(moment)
        day = moment.astimezone(self.zone).date() - timedelta(days=1)
        for ahead in range(0, 4):
            when = self.on(day + timedelta(days=ahead))
            if when > moment:
                return when
        msg = f"schedule '{self}' has no next occurrence after {moment.isoformat()}"
        raise ConfigError(msg)


# The longest clock jump on record is a whole day (Samoa, 2011).
_MAX_GAP_MINUTES = 24 * 60 + 1


def _exists(local: datetime) -> bool:
    """False for a wall time inside a spring-forward gap (it does not survive a round trip)."""
    back = local.astimezone(UTC).astimezone(local.tzinfo)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        msg = "schedule times must be timezone-aware"
        raise ValueError(msg)
    return moment.astimezone(UTC)


def parse_schedule(text: str, *, default_zone: str = "America/New_York") -> Schedule | None:
    """``None`` means off. Raises ConfigError naming the setting for anything else."""
    value = " ".join(text.split())
    if value.lower() == "off":
        return None
    match = _PATTERN.match(value)
    if not match:
        msg = f"setting 'schedule': '{value}' is not 'HH:MM Area/City' (e.g. '{DEFAULT_SCHEDULE}') or 'off'"
        raise ConfigError(msg)
    hour, minute, zone_name = int(match[1]), int(match[2]), match[3] or default_zone
    if hour > 23 or minute > 59:
        msg = f"setting 'schedule': '{value}' is not a time of day"
        raise ConfigError(msg)
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        msg = f"setting 'schedule': unknown time zone '{zone_name}'"
        raise ConfigError(msg) from None
    return Schedule(time(hour, minute), zone)


def normalize_schedule(text: str) -> str:
    parsed = parse_schedule(text)
    return "off" if parsed is None else str(parsed)
