"""How much an uploaded accounts file may be and cost to read: one place for every limit.

Uploads arrive from anyone with an upload token or a school admin's Slack account, so a file is
hostile until read. Each limit says why it has its value; ``docs/limits.md`` says what a person
sees when one is met. Readers look these up when they run (``limits.MAX_ROWS``), never copy them
at import, so a test can lower one with ``monkeypatch.setattr(limits, ...)``.

The extent limits are checked on the file *before* any spreadsheet library reads it; the parse
ceilings then bound whatever a reader does anyway (a bug nobody has found yet included).
"""

from __future__ import annotations

MB = 1024 * 1024

MAX_FILE_BYTES = 20 * MB
"""The largest upload (HTTP body, Slack download, ``rosterhub import``). The largest real roster
this hub takes (200,000 people, ten columns) saves as an 11 MB .xlsx; twice that is room for
formatting, never a reason to read a file 100 times bigger."""

MAX_ROWS = 200_000
"""Account rows in one file. A whole large district; bigger rosters come from an integration,
or are split into several files so that one mistake does not reject them all."""

MAX_SHEET_ROWS = MAX_ROWS + 1_000
"""How far down one sheet (or a .csv) may reach: every account row plus room for a title, the
header and blank rows. A sheet reaching row 1,048,576 is almost all empty space and costs its
reader far more than its accounts."""

MAX_COLUMNS = 1_024
"""How far right one sheet may reach (column AMJ, LibreOffice's old limit). The template has six
columns and exports from student systems a few dozen; a sheet reaching column XFD is a trap."""

MAX_CELLS = 10 * MAX_SHEET_ROWS
"""Rows x columns of every sheet's extent from A1, added up: what readers build in memory,
empty cells included. Ten columns at the sheet row limit; parsing that many takes 4 to 8 s on
a busy 2-core machine and about 300 MB, well inside the parse ceilings below."""

MAX_FIELD_CHARS = 1_000_000
"""Characters in one .csv field. A cell holds at most 32,767 in Excel; a field that runs on for
a million is a quote that never closes."""

MAX_UNPACKED_BYTES = 256 * MB
"""The declared unpacked size of all parts of an .xlsx/.ods. The largest real roster unpacks to
about 115 MB of XML; more is a zip bomb or a sheet of formatting."""

MAX_ZIP_RATIO = 100
"""How many times a part may grow when unpacked (parts over 1 MB). Spreadsheet XML deflates to
about a tenth; a part that grows 1,000-fold is a zip bomb."""

MAX_ZIP_MEMBERS = 10_000
"""Parts in an .xlsx/.ods zip (a workbook has a few dozen): bounds the zip directory read before
anything else is looked at."""

PARSE_MEMORY_BYTES = 1024 * MB
"""Address space the child process that parses a file may add to what the loaded reader already
maps (``RLIMIT_AS``). Three times what the largest file within the limits above needs, and a
bound a shared 2-core machine can afford for each parse under way."""

PARSE_SECONDS = 30.0
"""Wall-clock seconds a parse may take, from sending the file to the child to receiving its
rows. The largest file within the limits parses in 4 to 8 s; a parse still running after 30 s
is stuck or hostile, and is killed."""

PARALLEL_PARSES = 2
"""Parses under way at once in one process (one per core of a 2-core machine): more uploads at
the same moment wait their turn instead of multiplying the memory ceiling."""


FILENAME_CHARS = 255
"""The longest file name an upload keeps (what a person named it, for its record and messages)."""


def sent_name(filename: str | None, default: str) -> str:
    """A sent file's own name: some browsers send the whole (Windows) path; cut to
    :data:`FILENAME_CHARS`, ``default`` when nothing is left."""
    return (filename or default).replace("\\", "/").rsplit("/", 1)[-1][:FILENAME_CHARS] or default
