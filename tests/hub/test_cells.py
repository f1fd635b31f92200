"""The one formula-escaping rule every spreadsheet the hub writes goes through."""

from __future__ import annotations

import csv
import io

import pytest

from hub.cells import csv_bytes, escape_formula, looks_like_formula


def test_formula_escaping() -> None:
    assert [escape_formula(v) for v in ("=1+1", "+1", "-1", "@x", "\tx", "\rx", "a=b", "")] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@x",
        "'\tx",
        "'\rx",
        "a=b",
        "",
    ]
    assert looks_like_formula("=A1") and not looks_like_formula("'=A1")


@pytest.mark.parametrize(
    "hostile",
    ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1"],
)
def test_csv_bytes_escapes_every_cell_header_included(hostile: str) -> None:
    data = csv_bytes((hostile, "Name"), [(hostile, 7, None), ("plain", hostile, "a,b")], bom=True)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == [
        ["'" + hostile, "Name"],
        ["'" + hostile, "7", ""],
        ["plain", "'" + hostile, "a,b"],
    ]
    assert b"\r\n" in data and not csv_bytes(("a",), []).startswith("\ufeff".encode())
