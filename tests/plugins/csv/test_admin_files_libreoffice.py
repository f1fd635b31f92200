"""The cases of ``test_admin_files.py``, in files LibreOffice itself saved: the template
round-tripped to .ods, .xls and one CSV per sheet; passwords typed into General cells and saved
as CSV; hidden sheets; "CSV (Macintosh)" and Windows-1252 CSV."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from plugins.csv.mangled import SCIENTIFIC_MESSAGE
from plugins.csv.template import build_workbook
from plugins.csv.validate import Validation, validate_file
from tests.plugins.csv import libreoffice
from tests.plugins.csv.files import CSV_HEADER, HEADER, xlsx

pytestmark = libreoffice.needs_libreoffice

FILLED = (
    ("Student", ("ada@example.org", "Ada", "Lovelace", "00123456", "")),
    ("Student", ("zoe@example.org", "Zoë", "Núñez", "", "")),
    ("Teacher", ("grace@example.org", "Grace", "Hopper", "correct-horse-7", "")),
    ("Admin", ("boss@example.org", "José", "Müller", "", "")),
)


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("libreoffice-profile")


def _people(result: Validation) -> list[tuple[str, str, str, str, str]]:
    return [
        (p.email, p.first_name, p.last_name, p.password, p.role.capitalize())
        for p in result.persons()
    ]


def test_each_sheet_of_the_template_saved_as_csv_imports_by_its_file_name(
    tmp_path: Path, profile: Path
) -> None:
    source = tmp_path / "accounts.xlsx"
    source.write_bytes(build_workbook(FILLED))
    written = libreoffice.convert(
        source, libreoffice.csv_filter(libreoffice.UTF8), tmp_path / "out", profile=profile
    )
    by_name = {path.name: path for path in written}
    assert set(by_name) >= {"accounts-Student.csv", "accounts-Teacher.csv", "accounts-Admin.csv"}
    found = []
    for sheet in ("Student", "Teacher", "Admin"):
        name = f"accounts-{sheet}.csv"
        result = validate_file(by_name[name])
        assert result.ok, result.errors
        assert [(w.sheet, w.row, w.column) for w in result.warnings] == [(name, 1, "Role")]
        found += _people(result)
    assert found == [(e, f, last, pw, sheet) for sheet, (e, f, last, pw, _) in FILLED]


@pytest.mark.parametrize("target", ["ods", "xls"])
def test_the_template_round_tripped_through_libreoffice_imports_as_it_was(
    tmp_path: Path, profile: Path, target: str
) -> None:
    source = tmp_path / "accounts.xlsx"
    source.write_bytes(build_workbook(FILLED))
    [saved] = libreoffice.convert(source, target, tmp_path / "out", profile=profile)
    result = validate_file(saved)
    assert result.ok, result.errors
    assert result.kind == target and result.warnings == []
    assert _people(result) == [(e, f, last, pw, sheet) for sheet, (e, f, last, pw, _) in FILLED]


def test_passwords_typed_into_general_cells_and_saved_as_csv(tmp_path: Path, profile: Path) -> None:
    # What a person types into a sheet that is not formatted as Text: LibreOffice makes numbers
    # and dates of them, as Excel does, and the CSV holds what the cells show.
    typed = tmp_path / "typed.csv"
    typed.write_text(
        "Email,First Name,Last Name,Password,Role\n"
        "a@example.org,Ada,L,3/4/24,student\n"  # a date: 03/04/24
        "b@example.org,Bob,B,0012345678,student\n"  # a number: 12345678
        "c@example.org,Cy,C,1234567890123456789,student\n"  # too long: 1.23456789012346E+018
        "d@example.org,Di,D,correct-horse-7,student\n",
        encoding="utf-8",
    )
    [sheet] = libreoffice.convert(
        typed, "xlsx", tmp_path / "typed", profile=profile, infilter=libreoffice.TYPED_CSV
    )
    [saved] = libreoffice.convert(
        sheet,
        libreoffice.csv_filter(libreoffice.UTF8, sheet=1),
        tmp_path / "saved",
        profile=profile,
    )
    assert saved.read_text(encoding="utf-8").splitlines()[1:4] == [
        "a@example.org,Ada,L,03/04/24,student",
        "b@example.org,Bob,B,12345678,student",
        "c@example.org,Cy,C,1.23456789012346E+018,student",
    ]
    result = validate_file(saved)
    assert [(e.sheet, e.row, e.column, e.message) for e in result.errors] == [
        (saved.name, 4, "Password", SCIENTIFIC_MESSAGE)
    ]
    digits, dates = result.warnings
    assert (digits.row, digits.column) == (3, "Password")
    assert digits.message.startswith("1 Password cell is only digits (row 3)")
    assert (dates.row, dates.column) == (2, "Password")
    assert dates.message.startswith("1 Password cell looks like dates or times (row 2)")


def test_numbers_formatted_as_scientific_are_refused_after_libreoffice_saves_them(
    tmp_path: Path, profile: Path
) -> None:
    rows = [
        CSV_HEADER[:5],
        ["a@example.org", "Ada", "L", 100000, "student"],  # shows 1.00E+05
        ["b@example.org", "Bob", "B", 123456789012345, "student"],  # shows 1.23E+14
        ["c@example.org", "Cy", "C", datetime(2024, 3, 4), "student"],  # shows 03/04/24
    ]
    source = tmp_path / "numbers.xlsx"
    source.write_bytes(xlsx({"Sheet1": rows}, formats={3: "0.00E+00"}))
    dated = tmp_path / "dated.xlsx"
    dated.write_bytes(xlsx({"Sheet1": [rows[0], rows[3]]}, formats={3: "mm/dd/yy"}))
    [saved] = libreoffice.convert(
        source, libreoffice.csv_filter(libreoffice.UTF8, sheet=1), tmp_path / "a", profile=profile
    )
    [saved_dates] = libreoffice.convert(
        dated, libreoffice.csv_filter(libreoffice.UTF8, sheet=1), tmp_path / "b", profile=profile
    )
    assert [line.split(",")[3] for line in saved.read_text().splitlines()[1:3]] == [
        "1.00E+05",
        "1.23E+14",
    ]
    result = validate_file(saved)
    assert [(e.row, e.column) for e in result.errors][:2] == [(2, "Password"), (3, "Password")]
    assert {e.message for e in result.errors[:2]} == {SCIENTIFIC_MESSAGE}
    assert saved_dates.read_text().splitlines()[1].split(",")[3] == "03/04/24"
    result = validate_file(saved_dates)
    assert result.ok, result.errors
    [warning] = result.warnings
    assert (warning.row, warning.column) == (2, "Password")
    assert "look" in warning.message and "dates or times" in warning.message


@pytest.mark.parametrize("target", ["xlsx", "ods", "xls"])
def test_a_sheet_hidden_in_libreoffice_is_imported_with_a_warning(
    tmp_path: Path, profile: Path, target: str
) -> None:
    source = tmp_path / "made.xlsx"
    source.write_bytes(
        xlsx(
            {
                "Student": [HEADER, ["ada@example.org", "Ada", "L", "", ""]],
                "Teacher": [HEADER, ["tim@example.org", "Tim", "T", "", ""]],
            },
            hidden=["Teacher"],
        )
    )
    [saved] = libreoffice.convert(source, target, tmp_path / "out", profile=profile)
    result = validate_file(saved)
    assert result.ok, result.errors
    assert [p.email for p in result.persons()] == ["ada@example.org", "tim@example.org"]
    [warning] = result.warnings
    assert (warning.sheet, warning.row, warning.column) == ("Teacher", 0, None)
    assert warning.message.startswith("the sheet 'Teacher' is hidden")


NAMES = [
    ("jose@example.org", "José", "Müller"),
    ("zoe@example.org", "Zoë", "Núñez"),
    ("francois@example.org", "François", "Hèlène"),
    ("ana@example.org", "Ana María", "O’Brien"),
]


@pytest.mark.parametrize(
    ("charset", "read_as"),
    [(libreoffice.MAC_ROMAN, "Mac Roman"), (libreoffice.WINDOWS_1252, "Windows-1252")],
    ids=["mac-roman", "windows-1252"],
)
def test_csv_saved_in_a_legacy_character_set_is_read_right(
    tmp_path: Path, profile: Path, charset: int, read_as: str
) -> None:
    rows = [CSV_HEADER[:5], *[[e, f, last, "", "student"] for e, f, last in NAMES]]
    source = tmp_path / "names.xlsx"
    source.write_bytes(xlsx({"Sheet1": rows}))
    [saved] = libreoffice.convert(
        source, libreoffice.csv_filter(charset, sheet=1), tmp_path / "out", profile=profile
    )
    content = saved.read_bytes()
    assert content.decode("mac_roman" if charset == libreoffice.MAC_ROMAN else "cp1252")
    result = validate_file(saved)
    assert result.ok, result.errors
    assert [(p.email, p.first_name, p.last_name) for p in result.persons()] == NAMES
    [warning] = result.warnings
    assert (warning.sheet, warning.row, warning.column) == (saved.name, 0, None)
    assert f"read as {read_as}" in warning.message
