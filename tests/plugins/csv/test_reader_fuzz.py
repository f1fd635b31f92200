"""Fuzzing the reader: mutated .xlsx, .xls, .ods and .csv bytes (whole files, and the XML parts
inside the zips) must always come back as a validation result, quickly, with this process
alive and no reader error left unexplained.

``make test`` runs a short, seeded pass (a few seconds). A longer run, with fresh examples each
time unless a seed is given::

    ROSTERHUB_TEST_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest -p no:cacheprovider \\
        tests/plugins/csv/test_reader_fuzz.py
    ROSTERHUB_TEST_FUZZ_EXAMPLES=5000 ROSTERHUB_TEST_FUZZ_SEED=7 ...   # repeat one run
"""

from __future__ import annotations

import functools
import io
import logging
import os
import time
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from plugins.csv.validate import Validation, validate_file
from tests.plugins.csv import hostile
from tests.plugins.csv.files import CSV_HEADER, HEADER, csv_bytes, ods, xls, xlsx

EXAMPLES = int(os.environ.get("ROSTERHUB_TEST_FUZZ_EXAMPLES", "100"))
SEED = os.environ.get("ROSTERHUB_TEST_FUZZ_SEED")
# A seeded short run in the suite; a long run explores afresh unless given a seed.
DERANDOMIZE = "ROSTERHUB_TEST_FUZZ_EXAMPLES" not in os.environ and SEED is None
MAX_SIZE = 2 * 1024 * 1024
PER_EXAMPLE_SECONDS = 20.0

ROWS = [
    HEADER,
    ["ada@example.org", "Ada", "Lovelace", "correct-horse-7", ""],
    ["grace@example.org", "Grace", "Hopper", "", "North"],
]
CSV_ROWS = [CSV_HEADER, *[[*row[:4], "student", row[4]] for row in ROWS[1:]]]

# Tokens that mean something to one reader or another, spliced in by the mutations.
TOKENS = [
    b'r="XFD1048576"',
    b'r="A1048576"',
    b'<c r="ZZ99"><v>1</v></c>',
    b"<c><v>1</v></c>",
    b"<row>",
    b'<row r="999999">',
    b'<dimension ref="A1:XFD1048576"/>',
    b' table:number-rows-repeated="999999"',
    b' table:number-columns-repeated="99999"',
    b'office:value-type="string"',
    b"<!DOCTYPE x [<!ENTITY a 'aaaaaaaa'>]>",
    b"&a;",
    b"<x:c r='B2'>",
    b"\x00",
    b'"',
    b"\r\n",
    b";",
    b"\t",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"99999999999",
    b"-1",
    b"<",
    b">",
    b"&#0;",
]


@functools.cache
def seeds() -> dict[str, bytes]:
    return {
        "xlsx": xlsx({"Student": ROWS, "Teacher": ROWS[:2]}),
        "xls": xls({"Student": ROWS}),
        "ods": ods({"Student": ROWS}),
        "csv": csv_bytes(CSV_ROWS),
        "csv-semicolons": csv_bytes(CSV_ROWS, delimiter=";", bom=True),
        "wide.xlsx": hostile.xlsx_parts(
            {"Student": hostile.sheet_data(f'<row r="1">{hostile.HEADER_CELLS}</row>')}
        ),
        "ods-repeats": hostile.ods_parts(
            hostile.ods_table(
                "Student", hostile.ODS_HEADER_ROW + "<table:table-row>" + hostile.ods_cell("x", 3)
            )
            + "</table:table-row>"
        ),
    }


@st.composite
def mutated_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """1 to 4 edits: overwrite, delete, insert (noise or a token), repeat a slice, truncate."""
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        edit = draw(st.sampled_from(["overwrite", "delete", "insert", "token", "repeat", "cut"]))
        if edit == "overwrite" and data:
            at = min(at, len(data) - 1)
            data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at + 1 :]
        elif edit == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 64)) :]
        elif edit == "insert":
            data = data[:at] + draw(st.binary(min_size=1, max_size=32)) + data[at:]
        elif edit == "token":
            data = data[:at] + draw(st.sampled_from(TOKENS)) + data[at:]
        elif edit == "repeat":
            piece = data[at : at + draw(st.integers(1, 200))]
            data = data[:at] + piece * draw(st.integers(2, 2000)) + data[at:]
        else:
            data = data[:at]
        data = data[:MAX_SIZE]
    return data


@st.composite
def uploads(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(sorted(seeds())))
    data = seeds()[kind]
    if data.startswith(b"PK") and draw(st.booleans()):
        data = _mutate_part(draw, data)
    else:
        data = draw(mutated_bytes(data))
    return kind, data


def _mutate_part(draw: st.DrawFn, data: bytes) -> bytes:
    """Edit the XML inside one part and zip it again, so the reader gets past the CRC check."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    name = draw(st.sampled_from(sorted(parts)))
    parts[name] = draw(mutated_bytes(parts[name]))
    return hostile.zipped(parts, stored=("mimetype",))


def _seeded(test: Callable[..., Any]) -> Callable[..., Any]:
    return seed(int(SEED))(test) if SEED is not None else test


@_seeded
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=DERANDOMIZE,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(upload=uploads())
def test_any_mutated_file_gets_a_result_never_a_crash(
    upload: tuple[str, bytes], caplog: pytest.LogCaptureFixture
) -> None:
    kind, data = upload
    caplog.clear()
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="plugins.csv.reader"):
        result = validate_file(data, filename=f"fuzz.{kind}")
    assert isinstance(result, Validation)
    assert time.monotonic() - started < PER_EXAMPLE_SECONDS
    for issue in [*result.errors, *result.warnings]:
        assert isinstance(issue.message, str) and issue.message
        assert isinstance(issue.row, int) and issue.row >= 0
    bugs = [r.getMessage() for r in caplog.records if r.name == "plugins.csv.reader"]
    assert bugs == [], "the reader raised something it does not explain to people"
    if result.ok:
        assert len(result.people) == len(result.persons())
