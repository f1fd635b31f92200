"""Which shared files the dialogue will read, decided before a byte of them is fetched.

The type and size checks here come first; the upload service then checks the bytes
themselves (the reader's magic numbers, extents and row limits), the same for every path.
"""

from __future__ import annotations

from typing import Protocol

from bots.replies import FileMeta
from hub import limits

ACCEPTED_TYPES = ("xlsx", "xls", "ods", "csv")


class FileSource(Protocol):
    """How a chat surface describes and reads a shared file."""

    def describe(self, file_id: str) -> FileMeta: ...

    def fetch(self, meta: FileMeta) -> bytes: ...


def check_file(meta: FileMeta) -> str | None:
    """Why a shared file will not be read, or None. Decided from its description alone."""
    extension = meta.name.rsplit(".", 1)[-1].lower() if "." in meta.name else ""
    if extension not in ACCEPTED_TYPES and meta.filetype.lower() not in ACCEPTED_TYPES:
        return (
            f"`{meta.name}` doesn't look like a spreadsheet. Please send an .xlsx, .xls, .ods "
            "or .csv file."
        )
    if meta.size <= 0:
        return f"`{meta.name}` is empty."
    if meta.size > limits.MAX_FILE_BYTES:
        mb = limits.MAX_FILE_BYTES // limits.MB
        return (
            f"`{meta.name}` is larger than {mb} MB; that is more than an accounts file should be."
        )
    return None


def check_content(meta: FileMeta, content: bytes) -> str | None:
    """The size check again on what actually arrived (a description can lie)."""
    if len(content) > limits.MAX_FILE_BYTES:
        return check_file(FileMeta(meta.id, meta.name, len(content)))
    return None
