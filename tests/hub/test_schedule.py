from __future__ import annotations

import pytest

from hub.errors import ConfigError
from hub.schedule import normalize_schedule, parse_schedule


def test_default_and_off() -> None:
    assert normalize_schedule("23:00 America/New_York") == "23:00 America/New_York"
    assert normalize_schedule(" 7:05   America/Chicago ") == "07:05 America/Chicago"
    assert normalize_schedule("OFF") == "off"
    assert parse_schedule("off") is None


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("25:00 America/New_York", "not a time of day"),
        ("23:00 Mars/Olympus", "unknown time zone"),
        ("nightly", "HH:MM"),
    ],
)
def test_bad_schedules_name_the_setting(text: str, match: str) -> None:
    with pytest.raises(ConfigError, match="schedule") as info:
        parse_schedule(text)
    assert match in str(info.value)
