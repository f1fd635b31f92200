"""Integration schedules: ``HH:MM Area/City`` daily in that time zone, or ``off``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
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
