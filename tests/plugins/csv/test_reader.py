"""Reading uploads: every accepted format, content sniffing, cleaning, and files that are not
spreadsheets at all."""

from __future__ import annotations

import codecs
import io
import zipfile
from datetime import datetime

import pytest

from hub import limits
from hub.issues import FileIssue as Issue
from plugins.csv.reader import detect_kind
from plugins.csv.validate import validate_file
from tests.plugins.csv.files import CSV_HEADER, HEADER, csv_bytes, ods, xls, xlsx

ADA = ["ada@example.org", "Ada", "Lovelace", "", ""]
GRACE = ["grace@example.org", "Grace", "Hopper", "", ""]


def people(result) -> list[tuple[str, int, str, str, str, str]]:
    return [
        (p.sheet, p.row, p.email, p.first_name, p.last_name, p.role.capitalize())
        for p in result.persons()
    ]


def only_error(result) -> Issue:
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


# -- formats -----------------------------------------------------------------------------------


def test_xlsx_sheets_map_to_roles_and_rows_are_numbered_as_seen() -> None:
    data = xlsx(
        {
            "Student": [HEADER, ADA, [None] * 5, GRACE],
            "Teachers": [HEADER, ["t@example.org", "Tom", "Teach", "", ""]],
            "admin": [HEADER, ["boss@example.org", "Bo", "Ss", "", ""]],
        }
    )
    result = validate_file(data, filename="accounts.xlsx")
    assert result.ok, result.errors
    assert result.kind == "xlsx"
    assert people(result) == [
        ("Student", 2, "ada@example.org", "Ada", "Lovelace", "Student"),
        ("Student", 4, "grace@example.org", "Grace", "Hopper", "Student"),
        ("Teachers", 2, "t@example.org", "Tom", "Teach", "Teacher"),
        ("admin", 2, "boss@example.org", "Bo", "Ss", "Admin"),
    ]


def test_xls_from_excel_97() -> None:
    data = xls({"Teacher": [HEADER, ["T@Example.org", "Tom", "Teach", "", ""]]})
    assert detect_kind(data) == "xls"
    result = validate_file(data, filename="old.xls")
    assert result.ok, result.errors
    assert people(result) == [("Teacher", 2, "t@example.org", "Tom", "Teach", "Teacher")]


def test_ods_from_libreoffice() -> None:
    data = ods({"Student": [HEADER, ADA], "Admin": [HEADER, GRACE]})
    assert detect_kind(data) == "ods"
    result = validate_file(data, filename="calc.ods")
    assert result.ok, result.errors
    assert [p[5] for p in people(result)] == ["Student", "Admin"]


def test_csv_with_bom_and_role_column() -> None:
    rows = [
        CSV_HEADER,
        ["ada@example.org", "Ada", "Lovelace", "", "Student", ""],
        ["grace@example.org", "Grace", "Hopper", "", "TEACHER", ""],
        ["boss@example.org", "Bo", "Ss", "", " admin ", ""],
    ]
    result = validate_file(csv_bytes(rows, bom=True), filename="accounts.csv")
    assert result.ok, result.errors
    assert result.warnings == []
    assert [(p[0], p[1], p[5]) for p in people(result)] == [
        ("accounts.csv", 2, "Student"),
        ("accounts.csv", 3, "Teacher"),
        ("accounts.csv", 4, "Admin"),
    ]


def test_csv_semicolons_and_utf16_tab_text_are_read() -> None:
    rows = [CSV_HEADER, ["zoë@example.org", "Zoë", "Ðe", "", "student", ""]]
    semicolons = csv_bytes(rows, delimiter=";")
    unicode_text = codecs.BOM_UTF16_LE + csv_bytes(rows, delimiter="\t").decode().encode(
        "utf-16-le"
    )
    for data in (semicolons, unicode_text):
        result = validate_file(data, filename="x.csv")
        assert result.ok, result.errors
        assert people(result)[0][3:5] == ("Zoë", "Ðe")


def test_csv_in_windows_1252_is_read_with_a_warning() -> None:
    rows = [CSV_HEADER, ["jose@example.org", "José", "Núñez", "", "student", ""]]
    result = validate_file(csv_bytes(rows, encoding="cp1252"), filename="legacy.csv")
    assert result.ok, result.errors
    assert people(result)[0][3:5] == ("José", "Núñez")
    assert [(w.sheet, w.row, w.column) for w in result.warnings] == [("legacy.csv", 0, None)]
    assert "Windows-1252" in result.warnings[0].message


def test_type_comes_from_content_not_extension() -> None:
    workbook = xlsx({"Student": [HEADER, ADA]})
    text = csv_bytes([CSV_HEADER, ["ada@example.org", "Ada", "L", "", "student", ""]])
    assert validate_file(workbook, filename="really-a-workbook.csv").ok
    assert validate_file(text, filename="really-text.xlsx").ok
    assert validate_file(workbook, filename="no-extension").kind == "xlsx"


def test_path_source_is_read(tmp_path) -> None:
    path = tmp_path / "accounts.xlsx"
    path.write_bytes(xlsx({"Student": [HEADER, ADA]}))
    result = validate_file(path)
    assert result.ok
    assert people(result)[0][0] == "Student"


# -- cells -------------------------------------------------------------------------------------


def test_headers_match_ignoring_case_spacing_underscores_and_bom() -> None:
    header = ["\ufeffE-mail", " FIRST_NAME ", "last  name", "pass word", "additional_schools"]
    result = validate_file(xlsx({"Student": [header, ADA]}), filename="f.xlsx")
    assert result.ok, result.errors
    assert result.warnings == []
    alias = ["Email Address", "Given Name", "Surname"]
    assert validate_file(xlsx({"Student": [alias, ADA[:3]]}), filename="f.xlsx").ok


def test_stray_spaces_nbsp_and_zero_width_characters_are_stripped() -> None:
    row = ["\u200b Ada@Example.ORG\u00a0", "\u00a0Ada  Mae\u200b", "  Love\u00a0lace ", "", ""]
    result = validate_file(xlsx({"Student": [HEADER, row]}), filename="f.xlsx")
    assert result.ok, result.errors
    assert people(result)[0][2:5] == ("ada@example.org", "Ada Mae", "Love lace")


def test_password_is_kept_exactly_as_typed() -> None:
    row = ["ada@example.org", "Ada", "L", " padded-password", ""]
    result = validate_file(xlsx({"Student": [HEADER, row]}), filename="f.xlsx")
    error = only_error(result)
    assert (error.sheet, error.row, error.column) == ("Student", 2, "Password")
    assert "space" in error.message


def test_text_cells_keep_leading_zeros_and_numeric_passwords_warn() -> None:
    rows = [
        HEADER,
        ["a@example.org", "Ada", "007", "00123456", ""],  # typed as text: kept
        ["b@example.org", "Bob", "B", 12345678, ""],  # a number in Excel
        ["c@example.org", "Cy", "C", 123456789.0, ""],
        ["d@example.org", "Di", "1234.0", "", ""],  # text that looks like a float: kept
    ]
    result = validate_file(xlsx({"Student": rows}), filename="f.xlsx")
    assert result.ok, result.errors
    persons = result.persons()
    assert persons[0].last_name == "007"
    assert persons[0].password == "00123456"
    assert [p.password for p in persons[1:3]] == ["12345678", "123456789"]
    assert persons[3].last_name == "1234.0"
    [warning] = result.warnings
    assert (warning.sheet, warning.row, warning.column) == ("Student", 3, "Password")
    assert "2 Password cell(s)" in warning.message and "leading zeros" in warning.message


def test_dates_and_booleans_become_text() -> None:
    rows = [HEADER, ["a@example.org", "Ada", datetime(2020, 3, 4), True, ""]]
    result = validate_file(xlsx({"Student": rows}), filename="f.xlsx")
    assert result.persons()[0].last_name == "2020-03-04"
    error = only_error(result)  # "TRUE" is too short to be a password
    assert (error.row, error.column) == (2, "Password")


def test_formula_like_values_are_stored_as_text() -> None:
    row = ["a@example.org", '=HYPERLINK("http://x")', "+SUM(A1)", "", ""]
    result = validate_file(xlsx({"Student": [HEADER, row]}), filename="f.xlsx")
    assert result.ok, result.errors
    assert people(result)[0][3:5] == ('=HYPERLINK("http://x")', "+SUM(A1)")


def test_a_title_row_above_the_header_is_allowed() -> None:
    rows = [["Lincoln High — students 2024"], [], HEADER, ADA]
    result = validate_file(xlsx({"Student": rows}), filename="f.xlsx")
    assert result.ok, result.errors
    assert people(result)[0][1] == 4


def test_instructions_and_unrelated_empty_sheets_are_ignored_quietly() -> None:
    data = xlsx({"Instructions": [["Fill in"]], "Sheet3": [], "Student": [HEADER, ADA]})
    result = validate_file(data, filename="f.xlsx")
    assert result.ok and result.warnings == []


def test_unknown_sheet_with_data_is_ignored_with_a_warning() -> None:
    data = xlsx({"Notes": [["call Bob"]], "Student": [HEADER, ADA]})
    result = validate_file(data, filename="f.xlsx")
    assert result.ok
    assert [(w.sheet, w.row, w.column) for w in result.warnings] == [("Notes", 0, None)]


def test_sheet_with_a_role_column_is_read_whatever_its_name() -> None:
    rows = [CSV_HEADER, ["a@example.org", "Ada", "L", "", "teacher", ""]]
    result = validate_file(xlsx({"Sheet1": rows}), filename="f.xlsx")
    assert result.ok, result.errors
    assert people(result) == [("Sheet1", 2, "a@example.org", "Ada", "L", "Teacher")]


def test_role_column_on_a_role_sheet_is_ignored_with_a_warning() -> None:
    rows = [CSV_HEADER, ["a@example.org", "Ada", "L", "", "admin", ""]]
    result = validate_file(xlsx({"Student": rows}), filename="f.xlsx")
    assert result.ok
    assert people(result)[0][5] == "Student"
    assert [(w.sheet, w.row, w.column) for w in result.warnings] == [("Student", 1, "Role")]


# -- not spreadsheets ----------------------------------------------------------------------------


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"  \r\n\r\n ", "empty"),
        (bytes(range(256)) * 4, "not a spreadsheet"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG image"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "web page"),
        (_zip({"word/document.xml": b"<w/>", "[Content_Types].xml": b"<x/>"}), "Word document"),
        (_zip({"photo.jpg": b"\xff\xd8\xff"}), "zip archive"),
        (b"PK\x03\x04" + b"\x00" * 40, "damaged"),
        (bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 600, "could not be read"),
        (
            bytes.fromhex("d0cf11e0a1b11ae1") + "EncryptedPackage".encode("utf-16-le"),
            "protected with a password",
        ),
    ],
    ids=[
        "empty",
        "blank",
        "random",
        "pdf",
        "png",
        "jpeg",
        "html",
        "docx",
        "zip",
        "bad-zip",
        "bad-ole",
        "encrypted",
    ],
)
def test_files_that_are_not_spreadsheets_are_refused_clearly(content: bytes, expected: str) -> None:
    result = validate_file(content, filename="upload.xlsx")
    error = only_error(result)
    assert (error.sheet, error.row, error.column) == ("upload.xlsx", 0, None)
    assert expected in error.message
    assert result.persons() == []


def test_workbook_without_role_sheets_names_its_sheets() -> None:
    data = xlsx({"People": [["Name", "Phone"], ["Ada", "555"]]})
    error = only_error(validate_file(data, filename="f.xlsx"))
    assert (error.sheet, error.row, error.column) == ("f.xlsx", 0, None)
    assert "no Student, Teacher or Admin sheet" in error.message
    assert "'People'" in error.message


def test_size_limit(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 1000)
    data = xlsx({"Student": [HEADER, ADA]})
    assert len(data) > 1000
    for source in (data, tmp_path / "big.xlsx"):
        (tmp_path / "big.xlsx").write_bytes(data)
        error = only_error(validate_file(source, filename="big.xlsx"))
        assert error.row == 0 and "the limit is" in error.message


def test_row_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_ROWS", 3)
    rows = [HEADER] + [[f"p{i}@example.org", "P", "Q", "", ""] for i in range(4)]
    for data in (
        xlsx({"Student": rows}),
        csv_bytes([CSV_HEADER] + [[*r[:4], "student", ""] for r in rows[1:]]),
    ):
        error = only_error(validate_file(data, filename="many"))
        assert error.row == 0 and "at most 3 can be imported" in error.message
    assert validate_file(xlsx({"Student": rows[:4]}), filename="ok").ok
