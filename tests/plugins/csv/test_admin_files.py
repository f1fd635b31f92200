"""The files admins really send: one sheet of the template saved as CSV (no Role column),
passwords a spreadsheet rewrote as numbers or dates, hidden sheets, and Excel's "CSV
(Macintosh)". Each case is built here with Python libraries and runs everywhere; the same
cases saved by LibreOffice itself are in ``test_admin_files_libreoffice.py``."""

from __future__ import annotations

import pytest

from plugins.csv.mangled import SCIENTIFIC_MESSAGE
from plugins.csv.validate import Validation, validate_file
from tests.plugins.csv.files import CSV_HEADER, HEADER, csv_bytes, ods, xls, xlsx

ADA = ["ada@example.org", "Ada", "Lovelace", "", ""]
GRACE = ["grace@example.org", "Grace", "Hopper", "", ""]


def where(issues) -> list[tuple[str, int, str | None]]:
    return [(i.sheet, i.row, i.column) for i in issues]


def roles(result: Validation) -> list[tuple[int, str]]:
    return [(p.row, p.role.capitalize()) for p in result.persons()]


# -- a CSV saved from one sheet: no Role column --------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "role"),
    [
        ("students.csv", "Student"),
        ("Student.csv", "Student"),
        ("rosterhub-template-Student.csv", "Student"),  # LibreOffice, one file per sheet
        ("accounts.xlsx - Teacher.csv", "Teacher"),  # Google Sheets' download
        ("TEACHERS.CSV", "Teacher"),
        ("Admin sheet.csv", "Admin"),
        ("lincolnAdmins.csv", "Admin"),
        ("Administrators 2024.txt", "Admin"),
    ],
)
def test_a_csv_without_role_takes_the_role_its_file_name_says(filename: str, role: str) -> None:
    result = validate_file(csv_bytes([HEADER, ADA, GRACE]), filename=filename)
    assert result.ok, result.errors
    assert roles(result) == [(2, role), (3, role)]
    [warning] = result.warnings
    assert where([warning]) == [(filename, 1, "Role")]
    assert "no Role column" in warning.message and f"'{filename}'" in warning.message
    assert "add a Role column" in warning.message


@pytest.mark.parametrize(
    ("filename", "because"),
    [
        ("accounts.csv", "a .csv holds one sheet and not its name"),
        ("upload", "a .csv holds one sheet and not its name"),
        ("studentlist.csv", "a .csv holds one sheet and not its name"),  # not a whole word
        ("student-teachers.csv", "names more than one role (Student, Teacher)"),
    ],
)
def test_a_csv_without_role_and_no_single_role_in_its_name_is_refused_saying_why(
    filename: str, because: str
) -> None:
    result = validate_file(csv_bytes([HEADER, ADA]), filename=filename)
    [error] = result.errors
    assert where([error]) == [(filename, 1, "Role")]
    assert error.message.startswith("the required column Role is missing from row 1: ")
    assert because in error.message
    assert "add a Role column with student, teacher or admin on each row" in error.message
    assert "students.csv, teachers.csv or admins.csv" in error.message


def test_a_role_column_wins_over_the_file_name() -> None:
    rows = [CSV_HEADER, ["ada@example.org", "Ada", "L", "", "teacher", ""]]
    result = validate_file(csv_bytes(rows), filename="students.csv")
    assert result.ok and result.warnings == []
    assert roles(result) == [(2, "Teacher")]


def test_a_workbook_sheet_is_never_named_by_the_file() -> None:
    data = xlsx({"Sheet1": [HEADER, ADA], "Student": [HEADER, GRACE]})
    result = validate_file(data, filename="teachers.xlsx")
    assert result.ok
    assert [p.email for p in result.persons()] == ["grace@example.org"]
    assert [w.sheet for w in result.warnings] == ["Sheet1"]  # ignored, as before


# -- passwords a spreadsheet rewrote -------------------------------------------------------------


def _password_rows(passwords: list[str]) -> list[list[str]]:
    return [
        HEADER,
        *[[f"p{n}@example.org", "P", f"Q{n}", pw, ""] for n, pw in enumerate(passwords)],
    ]


def test_passwords_in_scientific_notation_are_refused_saying_how_to_fix_the_column() -> None:
    passwords = ["1.00E+05", "1.23E+14", "correct-horse-7", "1,23457E+14", "4.5e-07x"]
    result = validate_file(csv_bytes(_password_rows(passwords)), filename="students.csv")
    assert where(result.errors) == [
        ("students.csv", 2, "Password"),
        ("students.csv", 3, "Password"),
        ("students.csv", 5, "Password"),
    ]
    for error in result.errors:
        assert error.message == SCIENTIFIC_MESSAGE
        assert "Format Cells > Text" in error.message
        assert "1.00E+05" not in error.message  # the cell itself is never echoed


def test_scientific_notation_typed_as_text_in_a_workbook_is_refused_too() -> None:
    data = xlsx({"Student": _password_rows(["correct-horse-7", "9.87654E+11"])})
    result = validate_file(data, filename="f.xlsx")
    assert where(result.errors) == [("Student", 3, "Password")]
    assert result.errors[0].message == SCIENTIFIC_MESSAGE


def test_csv_passwords_that_are_digits_or_dates_warn_naming_the_rows() -> None:
    passwords = [
        "00123456",  # a leading zero: it was text, it is what was typed
        "12345678",
        "03/04/24",
        "correct-horse-7",
        "2024-03-04",
        "98765432",
        "04.03.2024 10:15",
        "4-Mar-2024",
    ]
    result = validate_file(csv_bytes(_password_rows(passwords)), filename="teachers.csv")
    assert result.ok, result.errors
    role, digits, dates = result.warnings
    assert where([role]) == [("teachers.csv", 1, "Role")]
    assert where([digits, dates]) == [
        ("teachers.csv", 3, "Password"),
        ("teachers.csv", 4, "Password"),
    ]
    assert digits.message.startswith("2 Password cells are only digits (rows 3 and 7)")
    assert "leading zeros were dropped" in digits.message
    assert "format the Password column as Text" in digits.message
    assert dates.message.startswith(
        "4 Password cells look like dates or times (rows 4, 6, 8 and 9)"
    )
    assert "03/04/24" in dates.message  # the example, not a cell
    assert [p.password for p in result.persons()] == passwords  # kept exactly as sent


def test_many_rewritten_passwords_are_one_warning_listing_the_first_rows() -> None:
    passwords = [f"{10_000_000 + n}" for n in range(40)]
    result = validate_file(csv_bytes(_password_rows(passwords)), filename="students.csv")
    digits = [w for w in result.warnings if w.column == "Password"]
    assert len(digits) == 1
    assert digits[0].row == 2
    assert "40 Password cells are only digits (rows 2, 3, 4, 5, 6 and 35 more)" in digits[0].message


def test_text_passwords_in_a_workbook_are_not_second_guessed() -> None:
    data = xlsx({"Student": _password_rows(["12345678", "03/04/24"])})
    result = validate_file(data, filename="f.xlsx")
    assert result.ok and result.warnings == []


# -- hidden sheets --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda s, h: xlsx(s, hidden=h),
        lambda s, h: xls(s, hidden=h),
        lambda s, h: ods(s, hidden=h),
    ],
    ids=["xlsx", "xls", "ods"],
)
def test_a_hidden_sheet_is_imported_with_a_warning_naming_it(build) -> None:
    sheets = {
        "Instructions": [["Fill in"]],
        "Student": [HEADER, ADA],
        "Teacher": [HEADER, GRACE, ["tim@example.org", "Tim", "T", "", ""]],
        "Admin": [HEADER],
    }
    result = validate_file(build(sheets, ["Instructions", "Teacher", "Admin"]), filename="f")
    assert result.ok, result.errors
    assert [p.email for p in result.persons()] == [
        "ada@example.org",
        "grace@example.org",
        "tim@example.org",
    ]
    [warning] = result.warnings  # not the Instructions, not the empty Admin sheet
    assert where([warning]) == [("Teacher", 0, None)]
    assert warning.message.startswith("the sheet 'Teacher' is hidden (right-click a sheet tab")
    assert "its 2 account rows will be imported" in warning.message


def test_a_very_hidden_sheet_says_how_it_can_be_shown() -> None:
    data = xlsx({"Student": [HEADER, ADA], "Admin": [HEADER, GRACE]}, very_hidden=["Admin"])
    [warning] = validate_file(data, filename="f.xlsx").warnings
    assert where([warning]) == [("Admin", 0, None)]
    assert "very hidden (only a macro or Excel's VBA editor can show it)" in warning.message
    assert "its 1 account row will be imported" in warning.message


# -- Excel's "CSV (Macintosh)" --------------------------------------------------------------------

NAMES = [
    ("jose@example.org", "José", "Müller"),
    ("zoe@example.org", "Zoë", "Núñez"),
    ("bjork@example.org", "Björk", "Straße"),
    ("ana@example.org", "Ana María", "O’Brien"),
]


def _names_csv(encoding: str, names=NAMES, lineterminator: str = "\r") -> bytes:
    rows = [CSV_HEADER, *[[e, f, last, "", "student", ""] for e, f, last in names]]
    return csv_bytes(rows, encoding=encoding, lineterminator=lineterminator)


def _names(result: Validation) -> list[tuple[str, str, str]]:
    return [(p.email, p.first_name, p.last_name) for p in result.persons()]


def test_csv_macintosh_is_read_as_mac_roman_with_a_warning() -> None:
    result = validate_file(_names_csv("mac_roman"), filename="accounts.csv")
    assert result.ok, result.errors
    assert _names(result) == NAMES
    [warning] = result.warnings
    assert where([warning]) == [("accounts.csv", 0, None)]
    assert "read as Mac Roman" in warning.message and "'CSV UTF-8'" in warning.message


def test_mac_roman_bytes_windows_1252_cannot_read_are_decoded() -> None:
    # ç, è, ê, ù and Å are bytes Windows-1252 leaves undefined (0x8D, 0x8F, 0x90, 0x9D, 0x81)
    names = [("f@example.org", "François", "Hèlène"), ("a@example.org", "Åsa", "Crêpe-Où")]
    result = validate_file(_names_csv("mac_roman", names), filename="accounts.csv")
    assert result.ok, result.errors
    assert _names(result) == names


def test_the_same_names_in_windows_1252_stay_windows_1252() -> None:
    result = validate_file(_names_csv("cp1252", lineterminator="\r\n"), filename="accounts.csv")
    assert result.ok, result.errors
    assert _names(result) == NAMES
    [warning] = result.warnings
    assert "read as Windows-1252" in warning.message
    assert "CSV (Macintosh)" not in warning.message  # the Mac Roman reading is garbled


def test_bytes_both_readings_fit_stay_windows_1252_and_the_warning_says_so() -> None:
    # Only ö and í: Windows-1252 reads "Bjšrk" and "Mar’a", which could be names.
    names = [("b@example.org", "Björk", "María")]
    result = validate_file(_names_csv("mac_roman", names), filename="accounts.csv")
    assert result.ok, result.errors
    [warning] = result.warnings
    assert "read as Windows-1252" in warning.message
    assert "cannot be told apart" in warning.message and "CSV (Macintosh)" in warning.message


def test_bytes_that_are_neither_are_refused_clearly() -> None:
    # 0x81 is undefined in Windows-1252; in Mac Roman "\x81\xb0" is "Å∞", no name.
    content = csv_bytes([CSV_HEADER]) + b"a@example.org,Ann\x81\xb0,L,,student,\r\n"
    [error] = validate_file(content, filename="accounts.csv").errors
    assert where([error]) == [("accounts.csv", 0, None)]
    assert "neither Windows-1252 nor Mac Roman" in error.message
    assert "save it as 'CSV UTF-8'" in error.message


def test_utf8_is_never_second_guessed() -> None:
    result = validate_file(_names_csv("utf-8", lineterminator="\r\n"), filename="accounts.csv")
    assert result.ok and result.warnings == []
    assert _names(result) == NAMES
