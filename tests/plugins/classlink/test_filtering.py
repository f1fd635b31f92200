"""The OneRoster filter grammar the sandbox evaluates."""

from __future__ import annotations

import pytest

from plugins.classlink.sandbox.filtering import FilterError, parse_filter

ADA = {
    "sourcedId": "u1",
    "role": "teacher",
    "enabledUser": True,
    "dateLastModified": "2024-03-01T10:00:00.000Z",
    "orgs": [{"sourcedId": "s1"}, {"sourcedId": "s2"}],
    "familyName": "Lovelace",
}


@pytest.mark.parametrize(
    ("expression", "matches"),
    [
        ("dateLastModified>'2024-03-01T09:59:59Z'", True),
        ("dateLastModified>'2024-03-01T10:00:00Z'", False),
        ("dateLastModified>='2024-03-01T10:00:00Z'", True),
        ("dateLastModified<'2024-03-01T11:00:00+01:00'", False),
        ("dateLastModified<='2024-03-01T11:00:00+01:00'", True),
        ("role='teacher'", True),
        ("role!='teacher'", False),
        ("enabledUser='true'", True),
        ("familyName~'love'", True),
        ("orgs.sourcedId='s2'", True),
        ("orgs.sourcedId='s3'", False),
        ("role='teacher' AND dateLastModified>'2024-01-01T00:00:00Z'", True),
        ("role='student' AND dateLastModified>'2024-01-01T00:00:00Z'", False),
        ("role='student' OR familyName='Lovelace'", True),
        ("familyName='A AND B'", False),
    ],
)
def test_filter(expression: str, matches: bool) -> None:
    assert parse_filter(expression)(ADA) is matches


@pytest.mark.parametrize(
    "expression",
    [
        "role=teacher",
        "dateLastModified>'yesterday'",
        "role='a' AND role='b' AND role='c'",
        "",
        "role=='teacher'",
    ],
)
def test_bad_filters_are_refused(expression: str) -> None:
    with pytest.raises(FilterError):
        parse_filter(expression)
