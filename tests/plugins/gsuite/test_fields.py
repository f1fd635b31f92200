"""The sandbox's partial responses follow Google's ``fields`` syntax."""

from __future__ import annotations

import pytest

from plugins.gsuite.sandbox.fields import FieldsError, parse_fields, trim

USER = {
    "kind": "admin#directory#user",
    "id": "1",
    "name": {"givenName": "Ada", "familyName": "Lovelace", "fullName": "Ada Lovelace"},
    "emails": [{"address": "a@x.org", "primary": True}, {"address": "b@x.org"}],
}


@pytest.mark.parametrize(
    ("fields", "kept"),
    [
        ("id", {"id": "1"}),
        ("id,name/givenName", {"id": "1", "name": {"givenName": "Ada"}}),
        ("name(givenName,familyName)", {"name": {"givenName": "Ada", "familyName": "Lovelace"}}),
        ("emails/address", {"emails": [{"address": "a@x.org"}, {"address": "b@x.org"}]}),
        ("name,name/givenName", {"name": USER["name"]}),
        ("*", USER),
        ("missing,id", {"id": "1"}),
    ],
)
def test_trims_to_the_fields_named(fields: str, kept: dict[str, object]) -> None:
    assert trim(USER, parse_fields(fields)) == kept


def test_a_list_answer_is_trimmed_item_by_item() -> None:
    body = {"kind": "admin#directory#users", "users": [USER, USER], "nextPageToken": "t"}
    mask = parse_fields("nextPageToken,users(id,name(givenName))")
    assert trim(body, mask) == {
        "nextPageToken": "t",
        "users": [{"id": "1", "name": {"givenName": "Ada"}}] * 2,
    }


@pytest.mark.parametrize("fields", ["", "users(id", "a,,b", "a)", "a/", "(a)", "a(b))"])
def test_malformed_fields_are_refused(fields: str) -> None:
    with pytest.raises(FieldsError):
        parse_fields(fields)
