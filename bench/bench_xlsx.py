"""The spreadsheet figure: validating an N-row accounts workbook against just reading it.

The floor is ``pandas.read_excel(engine="calamine", dtype=str)`` of every sheet: the least any
upload must do to see the cells. The figure is :func:`plugins.csv.validate.validate_file` on
the same file (content sniffing, header matching, cleaning, email grammar, password rules,
duplicates across sheets), without a database. Target: at most 2x the floor.

The workbook is generated once per size (deterministic: same rows every run) and cached in the
temporary directory, so a rerun measures rather than writes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

REPEAT = 3
TARGET = 2.0
# Roughly a district's shape: mostly students, some staff; half the rows carry a password.
SHARES = (("Student", 0.85), ("Teacher", 0.12), ("Admin", 0.03))


def figures(*, users: int) -> list[Any]:
    import pandas as pd

    from bench.figure import Figure, best_of
    from plugins.csv.validate import validate_file

    path = workbook(users)
    floor = best_of(
        REPEAT,
        lambda: pd.read_excel(path, engine="calamine", dtype=str, header=None, sheet_name=None),
    )

    def validate() -> None:
        result = validate_file(path)
        if not result.ok or len(result.people) != users:
            msg = f"the benchmark workbook did not validate: {result.errors[:3]}"
            raise RuntimeError(msg)

    seconds = best_of(REPEAT, validate)
    return [
        Figure(
            f"validate {users:,}-row .xlsx",
            seconds,
            "pandas.read_excel(engine='calamine', dtype=str)",
            floor,
            TARGET,
        )
    ]


def workbook(users: int) -> Path:
    """An accounts workbook of ``users`` rows across the three role sheets (cached)."""
    import xlsxwriter

    from plugins.csv.layout import COLUMNS

    path = Path(tempfile.gettempdir()) / f"rosterhub-bench-accounts-{users}.xlsx"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    book = xlsxwriter.Workbook(str(partial), {"constant_memory": True})
    text = book.add_format({"num_format": 49})
    person = 0
    for number, (sheet_name, share) in enumerate(SHARES):
        count = users - person if number == len(SHARES) - 1 else int(users * share)
        sheet = book.add_worksheet(sheet_name)
        sheet.set_column(0, len(COLUMNS) - 1, 20, text)
        sheet.write_row(0, 0, COLUMNS)
        for row in range(1, count + 1):
            password = f"pw-{person:08d}-x" if person % 2 else ""
            sheet.write_row(
                row,
                0,
                (
                    f"{sheet_name.lower()}.{person:07d}@district.example.org",
                    f"First{person % 997}",
                    f"Last{person % 1009}",
                    password,
                    "",
                ),
            )
            person += 1
    book.close()
    partial.replace(path)
    return path
