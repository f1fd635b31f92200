"""The problems CSV sent to chat quotes the uploaded file (sheet names, values in messages),
so it is formula-escaped like every spreadsheet the hub writes."""

from __future__ import annotations

import csv
import io

from bots import reports

HOSTILE = '=HYPERLINK("http://evil.example","open me")'


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_problems_csv_escapes_every_cell() -> None:
    data = reports.problems_csv(
        [
            {"sheet": HOSTILE, "row": 2, "column": "@Email", "message": "+1 is wrong"},
            {"sheet": "Student", "row": 0, "column": None, "message": "-x\tappears twice"},
        ]
    )
    assert data.startswith("\ufeff".encode())
    assert rows_of(data) == [
        ["Sheet", "Row", "Column", "Message"],
        ["'" + HOSTILE, "2", "'@Email", "'+1 is wrong"],
        ["Student", "", "", "'-x\tappears twice"],
    ]
