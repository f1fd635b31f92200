"""Measuring how far a sheet reaches, on the file, before any reader builds it: every way an
.xlsx, .ods or .csv can place a cell, and every way a file can claim less than it holds."""

from __future__ import annotations

import io
import random
import re
import time
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub import limits
from plugins.csv import extent
from plugins.csv.extent import Extent, Refused
from plugins.csv.validate import validate_file
from tests.plugins.csv import hostile
from tests.plugins.csv.files import HEADER, ods, xlsx
from tests.plugins.csv.hostile import (
    HEADER_CELLS,
    ODS_HEADER_ROW,
    ods_cell,
    ods_parts,
    ods_table,
    sheet_data,
    xlsx_parts,
    zipped,
)


def measure_xlsx(data: bytes) -> list[Extent]:
    with extent.open_zip(data) as archive:
        return extent.xlsx_extents(archive)


def measure_ods(data: bytes) -> list[Extent]:
    with extent.open_zip(data) as archive:
        return extent.ods_extents(archive)


def reach(found: list[Extent]) -> list[tuple[str, int, int]]:
    return [(e.sheet, e.rows, e.columns) for e in found]


def cell(ref: str, text: str = "x", *, attrs: str = "") -> str:
    return f'<c r="{ref}"{attrs} t="inlineStr"><is><t>{text}</t></is></c>'


# -- .xlsx -------------------------------------------------------------------------------------


def test_a_workbook_from_a_spreadsheet_program_is_measured_by_its_dimension() -> None:
    data = xlsx({"Student": [HEADER, ["a@example.org", "A", "B", "", ""]], "Teacher": [HEADER]})
    assert reach(measure_xlsx(data)) == [("Student", 2, 5), ("Teacher", 1, 5)]


def test_the_reported_traps_are_measured_where_their_cells_are() -> None:
    assert reach(measure_xlsx(hostile.huge_extent_xlsx())) == [("Student", 1_048_576, 16_384)]
    assert reach(measure_xlsx(hostile.far_cell_xlsx())) == [("Student", 1_048_576, 3)]


def test_a_dimension_that_claims_too_little_is_not_believed() -> None:
    rows = f'<row r="1">{HEADER_CELLS}</row><row r="900000">{cell("B900000")}</row>'
    data = xlsx_parts({"Student": sheet_data(rows, dimension="A1:C1")})
    [found] = measure_xlsx(data)
    assert (found.rows, found.columns, found.partial) == (900_000, 3, True)


def test_a_dimension_that_claims_too_much_does_not_refuse_a_small_sheet() -> None:
    data = xlsx_parts(
        {"Student": sheet_data(f'<row r="1">{HEADER_CELLS}</row>', dimension="A1:XFD1048576")}
    )
    assert reach(measure_xlsx(data)) == [("Student", 1, 3)]


def test_cells_and_rows_without_references_are_placed_one_after_another() -> None:
    rows = (
        f'<row r="1">{HEADER_CELLS}</row>'
        '<row><c t="inlineStr"><is><t>a</t></is></c><c t="inlineStr"><is><t>b</t></is></c></row>'
        f'<row r="7"><c r="D7"><v>1</v></c><c><v>2</v></c></row>'
        "<row><c><v>3</v></c></row>"
    )
    assert reach(measure_xlsx(xlsx_parts({"Student": sheet_data(rows)}))) == [("Student", 8, 5)]


def test_a_row_of_unreferenced_cells_is_stopped_at_the_column_limit() -> None:
    [found] = measure_xlsx(hostile.wide_row_xlsx())
    assert found.columns == limits.MAX_COLUMNS + 1 and found.partial


def test_empty_formatted_cells_are_not_built_by_readers_and_do_not_count() -> None:
    rows = f'<row r="1">{HEADER_CELLS}</row><row r="1048576"><c r="XFD1048576" s="3"/></row>'
    assert reach(measure_xlsx(xlsx_parts({"Student": sheet_data(rows)}))) == [("Student", 1, 3)]


@pytest.mark.parametrize(
    "far",
    [
        '<x:row r="9"><x:c r="XFD9"><x:v>1</x:v></x:c></x:row>',  # a namespace prefix
        "<row r='9'><c s='1' r='XFD9'><v>1</v></c></row>",  # another attribute first, quotes
        '<row r="9"><c r="xfd9"><v>1</v></c></row>',  # lower case
        '<row r="9"><c\tr="XFD9"><v>1</v></c></row>',  # a tab
    ],
    ids=["prefix", "order", "lower", "tab"],
)
def test_unusual_spellings_of_a_cell_are_walked_not_trusted(far: str) -> None:
    head = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    )
    rows = f'<row r="1">{HEADER_CELLS}</row>{far}'
    data = xlsx_parts({"Student": head + sheet_data(rows, dimension="A1:C1") + "</worksheet>"})
    [found] = measure_xlsx(data)
    assert (found.rows, found.columns) == (9, 16_384)


def test_a_sheet_with_more_cells_than_the_limit_allows_is_refused_while_walking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(limits, "MAX_CELLS", 50)
    rows = "".join(f"<row><c><v>{n}</v></c><c><v>{n}</v></c></row>" for n in range(40))
    with pytest.raises(Refused, match="more than 50 cells"):
        measure_xlsx(xlsx_parts({"Student": sheet_data(rows)}))


def test_every_part_a_sheet_relationship_may_mean_is_measured() -> None:
    far = sheet_data(f'<row r="1">{HEADER_CELLS}</row><row r="500000">{cell("A500000")}</row>')
    data = xlsx_parts(
        {"Student": sheet_data(f'<row r="1">{HEADER_CELLS}</row>', dimension="A1:C1")}
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"worksheets/sheet1.xml", b"/xl/worksheets/../other.xml"
    )
    parts["xl/other.xml"] = far.encode()
    [found] = measure_xlsx(zipped(parts))
    assert found.rows == 500_000


def test_a_tag_that_never_ends_is_refused() -> None:
    noise = random.Random(1).randbytes(1_600_000).hex()  # does not compress
    rows = f'<row r="1">{HEADER_CELLS}</row><row r="2"><c r="A2" s="{noise}'
    with pytest.raises(Refused, match="over 1 MB without markup"):
        measure_xlsx(xlsx_parts({"Student": sheet_data(rows)}))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.integers(1, 10**7), st.integers(1, 10**7))
def test_the_number_pattern_matches_exactly_the_greater_numbers(bound: int, value: int) -> None:
    pattern = re.compile(extent._greater(str(bound), "0", "9"))
    assert (pattern.fullmatch(str(value)) is not None) == (value > bound)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.integers(1, 16_384), st.integers(1, 20_000))
def test_the_column_pattern_matches_exactly_the_later_columns(bound: int, value: int) -> None:
    pattern = re.compile(extent._greater(extent.column_letters(bound), "A", "Z"))
    assert (pattern.fullmatch(extent.column_letters(value)) is not None) == (value > bound)
    assert extent.column_number(extent.column_letters(value)) == value


def _plain_and_within(ref: str, rows: int, columns: int) -> bool:
    """What the fast path trusts, said plainly: 0-3 capitals, 1-7 digits, neither past the
    corner (no letters counts as column 0, leading zeros as nothing)."""
    match = re.fullmatch(r"([A-Z]{0,3})([0-9]{1,7})", ref)
    if match is None:
        return False
    letters, digits = match.groups()
    column = extent.column_number(letters) if letters else 0
    return column <= columns and int(digits) <= rows


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(
    st.integers(0, limits.MAX_SHEET_ROWS),
    st.integers(1, limits.MAX_COLUMNS),  # a dimension names a column: A at least
    st.one_of(
        st.text(alphabet="ABCXYZaz$0123456789 '", max_size=11),
        st.builds(
            lambda column, zeros, row: extent.column_letters(column) + "0" * zeros + str(row),
            st.integers(1, 20_000),
            st.integers(0, 3),
            st.integers(0, 2 * 10**6),
        ),
    ),
)
def test_the_reference_pattern_finds_exactly_the_references_not_plain_or_past_the_corner(
    rows: int, columns: int, ref: str
) -> None:
    found = extent._beyond(rows, columns).search(f' r="{ref}"'.encode())
    assert (found is None) == _plain_and_within(ref, rows, columns)


@pytest.mark.parametrize(("rows", "columns"), [(92_001, 5), (1, 1), (100, 26), (1_048_576, 16_384)])
def test_the_reference_pattern_holds_at_the_corner(rows: int, columns: int) -> None:
    beyond = extent._beyond(rows, columns)
    for row in (0, 1, rows - 1, rows, rows + 1, 10 * rows):
        for column in (1, columns - 1, columns, columns + 1, 27 * columns):
            for zeros in ("", "0"):
                ref = f"{extent.column_letters(max(column, 1))}{zeros}{max(row, 0)}"
                found = beyond.search(f' r="{ref}"'.encode())
                assert (found is None) == _plain_and_within(ref, rows, columns), ref


def test_measuring_a_large_real_workbook_takes_a_fraction_of_reading_it() -> None:
    rows = [HEADER] + [[f"p{n}@example.org", f"F{n}", f"L{n}", "", ""] for n in range(30_000)]
    data = xlsx({"Student": rows})
    started = time.perf_counter()
    [found] = measure_xlsx(data)
    assert (found.rows, found.columns) == (30_001, 5)
    assert time.perf_counter() - started < 1.0


# -- the zip directory ---------------------------------------------------------------------------


def test_parts_that_unpack_past_the_limit_are_refused_from_the_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(limits, "MAX_UNPACKED_BYTES", 10_000)
    data = xlsx({"Student": [HEADER] + [["a@example.org", "A", "B", "", ""]] * 500})
    with pytest.raises(Refused, match="the limit is 0 MB"):
        extent.open_zip(data)


def test_a_part_that_grows_like_a_zip_bomb_is_refused() -> None:
    with pytest.raises(Refused, match="zip bomb"):
        extent.open_zip(hostile.shared_strings_bomb_xlsx())


def test_a_zip_of_thousands_of_parts_is_refused_before_its_directory_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(limits, "MAX_ZIP_MEMBERS", 20)
    data = zipped({f"xl/part{n}.xml": b"<x/>" for n in range(30)})
    with pytest.raises(Refused, match="30 parts"):
        extent.open_zip(data)


# -- .ods --------------------------------------------------------------------------------------


def test_an_ods_from_pandas_is_measured() -> None:
    data = ods({"Student": [HEADER, ["a@example.org", "A", "B", "", ""]], "Admin": [HEADER]})
    assert reach(measure_ods(data)) == [("Student", 2, 5), ("Admin", 1, 5)]


def test_repeated_rows_and_cells_count_when_they_hold_something() -> None:
    rows = (
        ODS_HEADER_ROW
        + '<table:table-row table:number-rows-repeated="3">'
        + ods_cell("x", repeat=2)
        + "</table:table-row>"
        # LibreOffice pads every sheet with empty rows and cells out to row 1,048,576
        + '<table:table-row table:number-rows-repeated="1048570">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    assert reach(measure_ods(ods_parts(ods_table("Student", rows)))) == [("Student", 4, 3)]


def test_a_cell_repeated_across_the_sheet_is_stopped_at_the_column_limit() -> None:
    rows = ODS_HEADER_ROW + f"<table:table-row>{ods_cell('x', repeat=16_384)}</table:table-row>"
    [found] = measure_ods(ods_parts(ods_table("Student", rows)))
    assert (found.rows, found.columns, found.partial) == (2, 16_384, True)


def test_an_ods_with_a_dtd_is_refused_before_any_entity_expands() -> None:
    with pytest.raises(Refused, match="DTD"):
        measure_ods(hostile.xml_bomb_ods())


# -- .csv ----------------------------------------------------------------------------------------


def test_csv_rows_and_the_widest_row_are_counted_as_the_csv_module_reads_them() -> None:
    text = 'Email,Name\r\na@example.org,"two\r\nlines"\r\n\r\nb,c,d\r\n'
    assert extent.text_extent(text, delimiter=",", name="f.csv") == Extent("f.csv", 4, 3)


def test_csv_counting_stops_past_the_limits() -> None:
    found = extent.text_extent(hostile.many_rows_csv().decode(), delimiter=",", name="f.csv")
    assert found.rows == limits.MAX_SHEET_ROWS + 1 and found.partial


# -- through the reader --------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(hostile.HOSTILE))
def test_every_crafted_file_is_refused_with_what_is_wrong(name: str) -> None:
    build, phrase = hostile.HOSTILE[name]
    started = time.perf_counter()
    result = validate_file(build(), filename=name)
    assert len(result.errors) == 1, result.errors
    [error] = result.errors
    assert (error.sheet, error.row, error.column) == (name, 0, None)
    assert phrase in error.message
    assert result.persons() == []
    assert time.perf_counter() - started < 10


def test_the_extent_message_names_the_sheet_and_both_limits() -> None:
    [error] = validate_file(hostile.huge_extent_xlsx(), filename="big.xlsx").errors
    assert error.message.startswith(
        "sheet Student reaches row 1,048,576 / column XFD or further (its dimension says "
        "A1:XFD1048576); the limit is 201,000 rows and 1,024 columns"
    )


def test_cells_of_every_sheet_are_added_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_CELLS", 12)
    data = xlsx({"Student": [HEADER, ["a@example.org", "A", "B", "", ""]], "Teacher": [HEADER]})
    [error] = validate_file(data, filename="f.xlsx").errors
    assert "reaches 15 cells (Student 2 x 5, Teacher 1 x 5); the limit is 12 cells" in error.message


def test_a_sheet_at_the_limits_is_read() -> None:
    rows = [HEADER] + [[f"p{n}@example.org", "P", "Q", "", ""] for n in range(2_000)]
    result = validate_file(xlsx({"Student": rows}), filename="f.xlsx")
    assert result.ok and len(result.people) == 2_000
