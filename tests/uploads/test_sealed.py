"""A file that waits (a preview for its Confirm, an apply in the background) is kept encrypted
with the hub's key, since an accounts file may carry the passwords people chose; a preview
nobody confirms loses its file after the hour; a file whose key is gone is refused clearly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update
from sqlmodel import Session

from hub.context import Hub
from hub.errors import UsageError
from hub.integrations import rotate_keys
from hub.models import Account, Upload, utcnow
from hub.queue import get_queue
from hub.scheduler import tick
from hub.schools import create_school
from hub.uploads import PREVIEW_TTL, confirm_upload, preview_upload
from hub.uploads.background import run_apply
from hub.uploads.records import APPLYING, seal, unsealed, upload_table
from hub.vault import Vault
from tests.plugins.csv.files import HEADER, xlsx

CHOSEN = "correct-horse-battery-7"
FILE = xlsx({"Student": [HEADER, ["ada@example.org", "Ada", "Lovelace", CHOSEN, ""]]})


def stored(hub: Hub, upload_id: str) -> Upload:
    with Session(hub.engine) as session:
        upload = session.get(Upload, upload_id)
    assert upload is not None
    return upload


def preview(hub: Hub, school_id: str) -> str:
    return preview_upload(
        hub, school_id=school_id, filename="a.xlsx", content=FILE, actor="ann"
    ).upload_id


def test_a_preview_keeps_its_file_encrypted_and_confirms(hub: Hub) -> None:
    school = create_school(hub, name="North High", actor="test")
    upload_id = preview(hub, school.id)
    row = stored(hub, upload_id)
    assert row.content is not None and row.content != FILE
    assert b"PK" not in row.content[:4] and CHOSEN.encode() not in row.content
    assert unsealed(hub, row) == FILE
    done = confirm_upload(hub, upload_id=upload_id, actor="ann")
    assert done.result["status"] == "applied"
    assert stored(hub, upload_id).content is None


def test_a_preview_nobody_confirms_loses_its_file_after_the_hour(hub: Hub) -> None:
    school = create_school(hub, name="North High", actor="test")
    old, fresh = preview(hub, school.id), preview(hub, school.id)
    with hub.transaction() as session:
        session.execute(
            update(upload_table)
            .where(upload_table.c.id == old)
            .values(created_at=utcnow() - PREVIEW_TTL - timedelta(minutes=1))
        )
    tick(hub, get_queue(hub))  # the schedule's tick sweeps them
    assert (stored(hub, old).status, stored(hub, old).content) == ("expired", None)
    assert stored(hub, fresh).status == "pending" and stored(hub, fresh).content is not None
    with pytest.raises(UsageError, match="expired"):
        confirm_upload(hub, upload_id=old, actor="ann")
    assert confirm_upload(hub, upload_id=fresh, actor="ann").result["status"] == "applied"


def test_a_file_whose_key_is_gone_is_refused_and_nothing_is_written(hub: Hub) -> None:
    school = create_school(hub, name="North High", actor="test")
    upload_id = preview(hub, school.id)
    hub.vault = Vault([Fernet.generate_key()])  # the key it was sealed with was removed
    with pytest.raises(UsageError, match="can no longer be decrypted"):
        confirm_upload(hub, upload_id=upload_id, actor="ann")
    row = stored(hub, upload_id)
    assert (row.status, row.content) == ("expired", None)
    with Session(hub.engine) as session:
        assert session.exec(select(Account)).first() is None


def test_a_background_apply_whose_key_is_gone_fails_cleanly(hub: Hub) -> None:
    school = create_school(hub, name="North High", actor="test")
    upload_id = preview(hub, school.id)
    with hub.transaction() as session:  # as if it had been taken to apply in the background
        session.execute(
            update(upload_table)
            .where(upload_table.c.id == upload_id)
            .values(status=APPLYING, heartbeat_at=utcnow(), attempts=1)
        )
    hub.vault = Vault([Fernet.generate_key()])
    run_apply(hub, upload_id)
    row = stored(hub, upload_id)
    assert (row.status, row.content) == ("failed", None)
    assert row.error is not None and "can no longer be decrypted" in row.error


def test_rotating_keys_re_encrypts_the_waiting_files(hub: Hub) -> None:
    school = create_school(hub, name="North High", actor="test")
    upload_id = preview(hub, school.id)
    old_key = hub.vault._keys[0]
    new_key = Fernet.generate_key()
    hub.vault = Vault([new_key, old_key])
    assert rotate_keys(hub, actor="test") >= 1
    hub.vault = Vault([new_key])  # the old key retired
    assert unsealed(hub, stored(hub, upload_id)) == FILE
    assert seal(hub, b"x") != seal(hub, b"x")  # Fernet: a fresh IV every time
