"""Validation rules: each bad input is reported at the sheet, row and column a person looks at."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins.csv import validation
from plugins.csv.validate import plain_emails, validate_file
from tests.plugins.csv.files import CSV_HEADER, HEADER, csv_bytes, xlsx, xlsx_with_escapes

SCHOOLS = ["North High", "South Middle", "Lincoln Elementary"]


def where(issues) -> list[tuple[str, int, str | None]]:
    return [(i.sheet, i.row, i.column) for i in issues]


def check(sheets, **kwargs):
    return validate_file(xlsx(sheets), filename="accounts.xlsx", schools=SCHOOLS, **kwargs)


def test_invalid_and_missing_emails() -> None:
    result = check(
        {
            "Student": [
                HEADER,
                ["ada@example.org", "Ada", "L", "", ""],
                ["not-an-email", "Bob", "B", "", ""],
                ["", "Cy", "C", "", ""],
                ["x@localhost", "Di", "D", "", ""],
                ["two@@example.org", "Ed", "E", "", ""],
            ]
        }
    )
    assert where(result.errors) == [
        ("Student", 3, "Email"),
        ("Student", 4, "Email"),
        ("Student", 5, "Email"),
        ("Student", 6, "Email"),
    ]
    assert result.errors[0].message.startswith("'not-an-email' is not a valid email address")
    assert result.errors[1].message == "Email is empty"


def test_unicode_email_goes_through_the_full_grammar() -> None:
    result = check({"Student": [HEADER, ["Zoë@Bücher.example", "Zoë", "Z", "", ""]]})
    assert result.ok, result.errors
    assert result.persons()[0].email == "zoë@bücher.example"


def test_required_names_and_their_length() -> None:
    result = check(
        {
            "Teacher": [
                HEADER,
                ["a@example.org", "", "Lovelace", "", ""],
                ["b@example.org", "Bob", "   ", "", ""],
                ["c@example.org", "C" * 201, "Ok", "", ""],
            ]
        }
    )
    assert where(result.errors) == [
        ("Teacher", 2, "First Name"),
        ("Teacher", 3, "Last Name"),
        ("Teacher", 4, "First Name"),
    ]
    assert result.errors[1].message == "Last Name is empty"
    assert "longer than 200" in result.errors[2].message


def test_duplicates_within_and_across_sheets_name_both_rows() -> None:
    result = check(
        {
            "Student": [
                HEADER,
                ["ada@example.org", "Ada", "L", "", ""],
                ["bob@example.org", "Bob", "B", "", ""],
                [" ADA@example.org", "Ada", "L", "", ""],
            ],
            "Teacher": [HEADER, ["Bob@Example.org", "Bob", "B", "", ""]],
        }
    )
    assert where(result.errors) == [("Student", 4, "Email"), ("Teacher", 2, "Email")]
    assert "Student row 2 and Student row 4" in result.errors[0].message
    assert "Student row 3 and Teacher row 2" in result.errors[1].message
    assert "bob@example.org" in result.errors[1].message


def test_password_rules() -> None:
    result = check(
        {
            "Admin": [
                HEADER,
                ["a@example.org", "Ada", "L", "short", ""],
                ["b@example.org", "Bob", "B", "B@example.org", ""],
                ["c@example.org", "Cy", "C", "fine-password", ""],
                ["d@example.org", "Di", "D", "x" * 129, ""],
            ]
        }
    )
    assert where(result.errors) == [
        ("Admin", 2, "Password"),
        ("Admin", 3, "Password"),
        ("Admin", 5, "Password"),
    ]
    assert result.errors[0].message == "Password must be at least 8 characters"
    assert result.errors[1].message == "Password must not be the email address"
    assert all("short" not in e.message for e in result.errors)  # never echo a password


def test_additional_schools_resolve_by_name() -> None:
    result = check(
        {
            "Teacher": [
                HEADER,
                ["a@example.org", "Ada", "L", "", "north high; SOUTH MIDDLE;; North High"],
                ["b@example.org", "Bob", "B", "", "Lincoln  Elementary;Nowhere High;Atlantis"],
            ]
        }
    )
    assert where(result.errors) == [
        ("Teacher", 3, "Additional Schools"),
        ("Teacher", 3, "Additional Schools"),
    ]
    assert "'Nowhere High'" in result.errors[0].message
    assert "'Atlantis'" in result.errors[1].message
    assert result.persons()[0].schools == ("North High", "South Middle")


def test_schools_are_not_checked_without_a_list() -> None:
    data = xlsx({"Teacher": [HEADER, ["a@example.org", "Ada", "L", "", "Anywhere"]]})
    result = validate_file(data, filename="f.xlsx")
    assert result.ok and result.persons()[0].schools == ("Anywhere",)


def test_csv_role_values_and_missing_role_column() -> None:
    rows = [
        CSV_HEADER,
        ["a@example.org", "Ada", "L", "", "Student", ""],
        ["b@example.org", "Bob", "B", "", "principal", ""],
        ["c@example.org", "Cy", "C", "", "", ""],
        ["d@example.org", "Di", "D", "", "ADMINISTRATOR", ""],
    ]
    result = validate_file(csv_bytes(rows), filename="people.csv", schools=SCHOOLS)
    assert where(result.errors) == [("people.csv", 3, "Role"), ("people.csv", 4, "Role")]
    assert result.errors[0].message == "Role 'principal' is not student, teacher or admin"
    assert result.errors[1].message.startswith("Role is empty")

    no_role = csv_bytes([HEADER, ["a@example.org", "Ada", "L", "", ""]])
    result = validate_file(no_role, filename="people.csv")
    assert where(result.errors) == [("people.csv", 1, "Role")]
    assert result.errors[0].message.startswith("the required column Role is missing from row 1: ")
    assert "add a Role column" in result.errors[0].message


@pytest.mark.parametrize("missing", ["Email", "First Name", "Last Name"])
def test_missing_required_column_is_an_error_on_row_1(missing: str) -> None:
    header = [h for h in HEADER if h != missing]
    result = check({"Student": [header, ["x"] * len(header)]})
    assert where(result.errors) == [("Student", 1, missing)]
    assert missing in result.errors[0].message


def test_password_and_additional_schools_columns_are_optional() -> None:
    result = check({"Student": [HEADER[:3], ["a@example.org", "Ada", "L"]]})
    assert result.ok and result.persons()[0].password == ""


def test_unknown_and_repeated_columns() -> None:
    header = [*HEADER, "Grade", "email"]
    result = check({"Student": [header, ["a@example.org", "Ada", "L", "", "", "5", "x"]]})
    assert where(result.warnings) == [("Student", 1, "Grade")]
    assert where(result.errors) == [("Student", 1, "Email")]
    assert "columns A and G" in result.errors[0].message


def test_no_data_rows() -> None:
    result = check({"Student": [HEADER, [None] * 5, ["", " ", "", "", ""]], "Teacher": [HEADER]})
    assert where(result.errors) == [("accounts.xlsx", 0, None)]
    assert "no accounts to import" in result.errors[0].message
    header_only = validate_file(csv_bytes([CSV_HEADER]), filename="x.csv")
    assert where(header_only.errors) == [("x.csv", 0, None)]


def test_errors_are_listed_in_reading_order_and_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validation, "MAX_LISTED", 5)  # the parent's limit, given to the child
    rows = [HEADER] + [[f"bad{i}", "", "L", "", ""] for i in range(4)]
    result = check({"Student": rows})
    assert len(result.errors) == 6
    assert where(result.errors[:4]) == [
        ("Student", 2, "Email"),
        ("Student", 2, "First Name"),
        ("Student", 3, "Email"),
        ("Student", 3, "First Name"),
    ]
    assert result.errors[-1].message == "… and 3 more errors like the ones above"


# -- the fast email path never accepts what the full grammar refuses --------------------------

_TRICKY = [
    "a@b.co",
    "a.b@c.example.org",
    "a..b@example.org",
    ".a@example.org",
    "a.@example.org",
    "a@example",
    "a@-example.org",
    "a@example-.org",
    "a@xn--nxasmq6b.com",
    "a@ex--ample.org",
    "a@example.123",
    "a@example.test",
    "a@sub.localhost",
    "a@example.onion",
    "x" * 64 + "@example.org",
    "x" * 65 + "@example.org",
    "a@" + "b" * 63 + ".org",
    "a@" + "b" * 64 + ".org",
    "a@" + ".".join(["abcdefghi"] * 25) + ".org",
    "{a}|b~!#$%&'*+/=?^_`@example.org",
    "a b@example.org",
    "a@exam_ple.org",
]


def _full_grammar_accepts(email: str) -> bool:
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


@pytest.mark.parametrize("email", _TRICKY)
def test_plain_email_path_agrees_with_email_validator(email: str) -> None:
    if plain_emails([email])[0]:
        assert _full_grammar_accepts(email)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.emails(), min_size=1, max_size=20))
def test_plain_email_path_is_a_subset_of_email_validator(emails: list[str]) -> None:
    lowered = [email.lower() for email in emails]
    for email, plain in zip(lowered, plain_emails(lowered), strict=True):
        if plain:
            assert _full_grammar_accepts(email), email


def test_control_characters_are_row_errors_that_quote_nothing() -> None:
    """Excel's ``_x0000_`` escape decodes to NUL, which PostgreSQL cannot store: every text
    cell with a control character is an error at its sheet, row and column."""
    result = validate_file(
        xlsx_with_escapes(
            {
                "Student": [
                    HEADER,
                    ["ann@example.org", "A_x0000_B", "Able", "", ""],
                    ["b_x0000_@example.org", "Bo", "B_x0007_", "", "North_x0000_ High"],
                    ["cy@example.org", "Cy", "Cole", "Pa_x0001_ssword-long-1", ""],
                    ["di@example.org", "Di", "Tab\tand\nnewline are fine", "", ""],
                ]
            }
        ),
        filename="accounts.xlsx",
        schools=SCHOOLS,
    )
    assert where(result.errors) == [
        ("Student", 2, "First Name"),
        ("Student", 3, "Email"),
        ("Student", 3, "Last Name"),
        ("Student", 3, "Additional Schools"),
        ("Student", 4, "Password"),
    ]
    messages = [e.message for e in result.errors]
    assert messages[0] == (
        "First Name contains the control character \\x00 (at character 2); remove it from the cell"
    )
    assert messages[4] == "Password contains the control character \\x01; remove it from the cell"
    assert all("\x00" not in m and "\x01" not in m for m in messages)


def test_control_characters_in_a_csv_role_are_one_error() -> None:
    data = csv_bytes([CSV_HEADER, ["a@example.org", "A", "B", "", "stu\x0bdent", ""]])
    result = validate_file(data, filename="people.csv", schools=SCHOOLS)
    assert where(result.errors) == [("people.csv", 2, "Role")]
    assert "\\x0b" in result.errors[0].message
