"""The template workbook, the demo sample, and the plugin's registration."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pandas as pd

from hub.plugins import Registry, make_plugin_manager
from plugins.csv import CsvProvider
from plugins.csv.layout import COLUMNS
from plugins.csv.sample import DEMO_ACCOUNTS
from plugins.csv.sample.make_sample import sample_bytes
from plugins.csv.template import build_workbook, template_bytes, write_template
from plugins.csv.validate import validate_file


def _xml(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name).decode()


def test_template_sheets_headers_and_text_columns(tmp_path: Path) -> None:
    path = write_template(tmp_path / "accounts.xlsx")
    data = path.read_bytes()
    assert data == template_bytes()  # deterministic
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, engine="calamine")
    assert list(sheets) == ["Instructions", "Student", "Teacher", "Admin"]
    for name in ("Student", "Teacher", "Admin"):
        assert list(sheets[name].iloc[0]) == list(COLUMNS)

    # Every column of the role sheets uses a cell format whose number format is Text (49, "@").
    styles = _xml(data, "xl/styles.xml")
    cell_xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S)
    assert cell_xfs
    formats = re.findall(r"<xf [^>]*numFmtId=\"(\d+)\"", cell_xfs.group(1))
    for sheet_number in (2, 3, 4):
        sheet_xml = _xml(data, f"xl/worksheets/sheet{sheet_number}.xml")
        covered = set()
        for low, high, style in re.findall(
            r"<col min=\"(\d+)\" max=\"(\d+)\"[^>]*style=\"(\d+)\"", sheet_xml
        ):
            assert formats[int(style)] == "49"
            covered.update(range(int(low), int(high) + 1))
        assert covered == set(range(1, len(COLUMNS) + 1))
        assert 'state="frozen"' in sheet_xml and 'ySplit="1"' in sheet_xml


def test_blank_template_is_rejected_as_having_no_accounts() -> None:
    result = validate_file(template_bytes(), filename="accounts.xlsx")
    assert [e.row for e in result.errors] == [0]
    assert "no accounts" in result.errors[0].message


def test_filled_template_reads_back_exactly() -> None:
    data = build_workbook(
        (
            ("Student", ("0042@example.org", "Ada", "Lovelace", "00123456", "")),
            ("Admin", ("boss@example.org", "=Bo", "1-2", "", "")),
        )
    )
    result = validate_file(data, filename="filled.xlsx")
    assert result.ok, result.errors
    assert result.warnings == []
    rows = [
        (p.sheet, p.row, p.email, p.first_name, p.last_name, p.password) for p in result.persons()
    ]
    assert rows == [
        ("Student", 2, "0042@example.org", "Ada", "Lovelace", "00123456"),
        ("Admin", 2, "boss@example.org", "=Bo", "1-2", ""),
    ]


def test_demo_sample_is_current_and_valid() -> None:
    assert DEMO_ACCOUNTS.read_bytes() == sample_bytes()
    result = validate_file(DEMO_ACCOUNTS)
    assert result.ok, result.errors
    assert {p.role for p in result.persons()} == {"student", "teacher", "admin"}


def test_filled_in_values_that_look_like_formulas_stay_text() -> None:
    """xlsx cells are typed strings; ones that look like formulas also get Excel's quote prefix
    (the leading apostrophe), so editing the cell does not turn it into a formula."""
    data = build_workbook(
        (("Student", ("eve@example.org", '=HYPERLINK("http://evil","x")', "@SUM(A1)", "", "")),)
    )
    styles, strings = _xml(data, "xl/styles.xml"), _xml(data, "xl/sharedStrings.xml")
    sheet = _xml(data, "xl/worksheets/sheet2.xml")  # Student, after Instructions
    assert "<f>" not in sheet  # no formula anywhere
    xfs = re.findall(r"<xf [^>]*>", styles.split("<cellXfs", 1)[1].split("</cellXfs>", 1)[0])
    quoted = {str(i) for i, xf in enumerate(xfs) if 'quotePrefix="1"' in xf}
    cells = dict(re.findall(r'<c r="([A-Z]+2)" s="(\d+)"', sheet))
    assert cells["B2"] in quoted and cells["C2"] in quoted
    assert cells["A2"] not in quoted
    assert '<t>=HYPERLINK("http://evil","x")</t>' in strings  # stored as typed
    [person] = validate_file(data, filename="filled.xlsx").persons()
    assert (person.first_name, person.last_name) == ('=HYPERLINK("http://evil","x")', "@SUM(A1)")


def test_csv_provider_is_registered_and_reads_nothing() -> None:
    registry = Registry(make_plugin_manager())
    provider_class = registry.get("csv")
    assert provider_class is CsvProvider
    assert provider_class.title == "Spreadsheet upload"
    assert provider_class.config_keys() == []
    provider = provider_class(provider_class.parse_settings({}))
    check = provider.check()
    assert check.ok and "rosterhub import" in check.message
    assert list(provider.fetch()) == []
    assert provider.sources() == []
