"""Files saved by LibreOffice itself: a workbook converted headless, as ``soffice --headless
--convert-to`` does, to .ods, .xls or one CSV per sheet in a chosen character set.

Tests that need it are marked :data:`needs_libreoffice`; they skip, saying why, only when no
``soffice`` is installed (``apt-get install libreoffice-calc-nogui``). Each test session uses
its own LibreOffice profile, so conversions never wait on another LibreOffice running here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_libreoffice = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice (soffice) is not installed, so files it saves cannot be made here; "
    "apt-get install libreoffice-calc-nogui (the same cases built with Python libraries run regardless)",
)

# LibreOffice's numbers for the character sets of its CSV filter (rtl_TextEncoding).
UTF8 = 76
WINDOWS_1252 = 1
MAC_ROMAN = 2
ALL_SHEETS = -1
TIMEOUT = 180


def csv_filter(charset: int, *, sheet: int = ALL_SHEETS) -> str:
    """The filter options of "Text CSV": comma, double quotes, ``charset``, cells as shown
    (what Excel and LibreOffice both save), and which sheet (``-1``: each to its own file,
    ``NAME-SHEET.csv``)."""
    return (
        f"csv:Text - txt - csv (StarCalc):44,34,{charset},1,,0,false,true,true,false,false,{sheet}"
    )


# Opening a CSV as a person typing it would be read: UTF-8, English (US) dates, and numbers
# *and dates* detected ("detect special numbers").
TYPED_CSV = "CSV:44,34,76,1,,1033,false,true"


def convert(
    source: Path, target: str, outdir: Path, *, profile: Path, infilter: str | None = None
) -> list[Path]:
    """Convert ``source`` (``target``: ``"ods"``, ``"xls"``, ``"xlsx"`` or a
    :func:`csv_filter`) into ``outdir``, opening it with ``infilter`` if given; returns the
    files written, sorted by name."""
    assert SOFFICE is not None
    outdir.mkdir(parents=True, exist_ok=True)
    before = set(outdir.iterdir())
    environment = {**os.environ, "HOME": str(profile)}
    done = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            *([f"--infilter={infilter}"] if infilter else []),
            "--convert-to",
            target,
            "--outdir",
            str(outdir),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=environment,
        check=False,
    )
    written = sorted(set(outdir.iterdir()) - before)
    assert done.returncode == 0 and written, f"soffice failed: {done.stdout}{done.stderr}"
    return written
