"""What commands share: the hub they work on, who they act as, and KEY=VALUE parsing."""

from __future__ import annotations

import gc
import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

from hub import limits
from hub.errors import UsageError
from hub.plugins import Registry, default_plugin_manager

if TYPE_CHECKING:
    from hub.context import Hub


def plugin_manager() -> pluggy.PluginManager:
    """Installed providers plus any named in ROSTERHUB_EXTRA_PLUGINS, exactly as ``serve`` and
    ``worker`` see them (tests replace this to add their own)."""
    return default_plugin_manager()


def registry() -> Registry:
    """Providers without opening the database (``rosterhub plugins`` needs nothing else)."""
    return Registry(plugin_manager())


@contextmanager
def cli_hub(*, upload: tuple[bytes, str] | None = None) -> Iterator[Hub]:
    """The hub for one command, from the environment; its connections close afterwards.

    ``upload``: the command imports this accounts file (bytes, name), so the upload format
    begins reading and checking it (:meth:`hub.formats.UploadFormat.read_ahead`) as soon as
    the plugins are loaded: the parse child works while this process imports the database
    layer and finds the school (which is why that import is here, not at the top of the
    module).

    What exists once the hub is open (every module, model and plugin) lives as long as the
    command: it is moved out of the cycle collector's reach (``gc.freeze``), so the collections
    a large upload's rows set off, and the one at exit, do not walk it all again each time."""
    pm = plugin_manager()
    if upload is not None:
        Registry(pm).upload_format().read_ahead(*upload)
    from hub.config import get_settings
    from hub.context import open_hub

    hub = open_hub(get_settings(), pm=pm)
    gc.freeze()
    try:
        yield hub
    finally:
        hub.engine.dispose()


def actor() -> str:
    """Who the audit log names for a command: the operating-system user."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers) and no LOGNAME/USER
        user = "unknown"
    return f"cli:{user}"


def parse_pairs(values: list[str] | None, *, option: str, secret: bool = False) -> dict[str, str]:
    """``KEY=VALUE`` options into a dict. The value may contain ``=``; a secret's text is never
    repeated in a message, and ``KEY=@PATH`` reads a secret from a file."""
    pairs: dict[str, str] = {}
    for raw in values or []:
        key, sep, value = raw.partition("=")
        key = key.strip()
        shown = "" if secret else f" '{raw}'"
        if not sep:
            msg = f"{option}{shown}: expected KEY=VALUE"
            raise UsageError(msg)
        if not key:
            msg = f"{option}{shown}: the key before '=' is empty"
            raise UsageError(msg)
        if key in pairs:
            msg = f"{option} {key} is given twice"
            raise UsageError(msg)
        if secret and value.startswith("@"):
            value = _read_secret_file(option, key, value[1:])
        pairs[key] = value.strip()
    return pairs


def _read_secret_file(option: str, key: str, path: str) -> str:
    """``--secret credentials=@service-account.json``: a JSON key file is too long to paste."""
    try:
        return Path(path).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        msg = f"{option} {key}=@{path}: cannot read the file ({reason})"
        raise UsageError(msg) from None


def read_upload(path: Path) -> bytes:
    """The file's bytes, never more than one past the size limit (the reader refuses those)."""
    try:
        with path.open("rb") as stream:
            return stream.read(limits.MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        msg = f"no such file: {path}"
        raise UsageError(msg) from None
    except IsADirectoryError:
        msg = f"{path} is a directory, not a spreadsheet"
        raise UsageError(msg) from None
