"""Credentials files: where generated passwords leave the system, once, readable only by the
person who ran the command (mode 0600).

The file is reserved *before* anything is applied, so a path that cannot be written stops the
command instead of leaving accounts whose only copy of a password was lost.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from hub.errors import UsageError

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(name: str) -> str:
    return _NOT_SLUG.sub("-", name.lower()).strip("-") or "school"


def default_name(school_name: str, *, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"credentials-{slug(school_name)}-{stamp}.csv"


def _create(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)


class CredentialsFile:
    """A reserved, empty, 0600 file; :meth:`write` fills it, leaving it unwritten removes it."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def reserve(
        cls, *, school_name: str, path: str | Path | None = None, directory: Path | None = None
    ) -> CredentialsFile:
        if path is not None:
            target = Path(path).expanduser()
            try:
                return cls(target, _create(target))
            except FileExistsError:
                msg = f"credentials file {target} already exists; choose another --credentials path"
                raise UsageError(msg) from None
            except OSError as exc:
                msg = f"cannot create credentials file {target}: {exc.strerror}"
                raise UsageError(msg) from None
        base = Path(directory) if directory is not None else Path.cwd()
        name = default_name(school_name)
        stem = name.removesuffix(".csv")
        for attempt in range(1, 100):
            target = base / (name if attempt == 1 else f"{stem}-{attempt}.csv")
            try:
                return cls(target, _create(target))
            except FileExistsError:
                continue
            except OSError as exc:
                msg = f"cannot create credentials file {target}: {exc.strerror}"
                raise UsageError(msg) from None
        msg = f"cannot find a free credentials file name in {base}"
        raise UsageError(msg)

    def write(self, content: bytes) -> str:
        """Fill the file and close it; returns its path for the command's output."""
        assert self._fd is not None, "credentials file already closed"
        fd, self._fd = self._fd, None
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)  # whatever the umask did
            handle.write(content)
        return str(self.path)

    def discard(self) -> None:
        if self._fd is None:
            return
        os.close(self._fd)
        self._fd = None
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> CredentialsFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.discard()
