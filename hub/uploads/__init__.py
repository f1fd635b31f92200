"""Uploads, a core service: accounts files from the CLI, the HTTP API, the console and chat.

- :mod:`hub.uploads.lifecycle`: receive and validate, dry run, preview, confirm, cancel;
- :mod:`hub.uploads.planner`: the pure plan (what applying does, given what exists);
- :mod:`hub.uploads.password_work`: argon2 in a thread pool, with progress (never in a dry run);
- :mod:`hub.uploads.apply`: the password work, then ONE transaction on :mod:`hub.bulk`;
- :mod:`hub.uploads.records`: statuses, the upload result JSON, the credentials file.

Reading the file is the registered upload format's (:mod:`hub.formats`; the spreadsheet
plugin's), reached through the registry.
"""

from __future__ import annotations

from hub.uploads.lifecycle import (
    cancel_upload,
    confirm_upload,
    preview_upload,
    process_upload,
    upload_format,
)
from hub.uploads.records import (
    APPLIED,
    APPLYING,
    CANCELLED,
    COUNT_KEYS,
    DRY_RUN,
    EXPIRED,
    FAILED,
    PENDING,
    PREVIEW_TTL,
    REJECTED,
    UploadOutcome,
    credentials_csv,
    expire_previews,
    result_json,
)

__all__ = [
    "APPLIED",
    "APPLYING",
    "CANCELLED",
    "COUNT_KEYS",
    "DRY_RUN",
    "EXPIRED",
    "FAILED",
    "PENDING",
    "PREVIEW_TTL",
    "REJECTED",
    "UploadOutcome",
    "cancel_upload",
    "confirm_upload",
    "credentials_csv",
    "expire_previews",
    "preview_upload",
    "process_upload",
    "result_json",
    "upload_format",
]
