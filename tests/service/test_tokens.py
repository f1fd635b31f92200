from __future__ import annotations

import hashlib

import pytest
from sqlmodel import select

from hub import tokens
from hub.context import Hub
from hub.errors import UsageError
from hub.models import ApiToken, AuditEvent
from hub.schools import create_school


def test_token_is_shown_once_and_stored_hashed(hub: Hub) -> None:
    row, token = tokens.create_token(hub, role="district_it", actor="cli")
    assert token.startswith("rh_") and len(token) > 40
    with hub.session() as session:
        stored = session.exec(select(ApiToken)).one()
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "token.create")).all()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored.token_hash
    assert len(events) == 1 and token not in str(events[0].detail)
    found = tokens.authenticate(hub, token)
    assert found is not None and found.id == row.id and found.role == "district_it"
    assert found.last_used_at is None  # the row as it was; the touch is recorded
    with hub.session() as session:
        assert session.get(ApiToken, row.id).last_used_at is not None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "guess", ["", "rh_", "rh_wrong", "not-prefixed", "rh_" + "a" * 300, "Bearer rh_x"]
)
def test_anything_else_is_refused(hub: Hub, guess: str) -> None:
    _, token = tokens.create_token(hub, role="support", actor="cli")
    assert tokens.authenticate(hub, guess) is None
    assert tokens.authenticate(hub, token[:-1] + ("A" if token[-1] != "A" else "B")) is None


def test_school_admin_tokens_belong_to_one_school(hub: Hub) -> None:
    school = create_school(hub, name="Oak Elementary", actor="cli")
    row, _ = tokens.create_token(hub, role="school_admin", school_id="Oak Elementary", actor="cli")
    assert row.school_id == school.id
    with pytest.raises(UsageError, match="--school"):
        tokens.create_token(hub, role="school_admin", actor="cli")
    with pytest.raises(UsageError, match="only for school_admin"):
        tokens.create_token(hub, role="support", school_id=school.id, actor="cli")
    with pytest.raises(UsageError, match="unknown school"):
        tokens.create_token(hub, role="school_admin", school_id="sch_nope", actor="cli")
    with pytest.raises(UsageError, match="unknown token role"):
        tokens.create_token(hub, role="root", actor="cli")


def test_revoked_tokens_stop_working(hub: Hub) -> None:
    row, token = tokens.create_token(hub, role="district_it", actor="cli")
    assert [t.id for t in tokens.list_tokens(hub)] == [row.id]
    tokens.revoke_token(hub, row.id, actor="cli")
    assert tokens.authenticate(hub, token) is None
    with pytest.raises(UsageError):
        tokens.revoke_token(hub, row.id, actor="cli")
