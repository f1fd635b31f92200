"""District IT manages API tokens through the API: make (shown once), list (never the token),
revoke (refused at once). Nobody else may."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import col, select

from hub import tokens
from hub.models import ApiToken, AuditEvent, utcnow
from tests.api.conftest import District

LISTED_KEYS = {"id", "role", "school_id", "district_id", "created_at", "last_used_at"}


def test_district_it_makes_lists_and_revokes_tokens(district: District) -> None:
    c, h = district.client, district.as_(district.district_it)
    made = c.post(
        "/api/v1/tokens", headers=h, json={"role": "school_admin", "school_id": district.school_b}
    )
    assert made.status_code == 201, made.text
    doc = made.json()
    assert set(doc) == {"token", *LISTED_KEYS}
    assert doc["role"] == "school_admin" and doc["school_id"] == district.school_b
    assert doc["district_id"] is None and doc["last_used_at"] is None
    new = doc["token"]

    # the new token works, for its own school only, and its use is recorded
    mine = c.get("/api/v1/schools", headers=district.as_(new))
    assert [s["id"] for s in mine.json()] == [district.school_b]
    listed = c.get("/api/v1/tokens", headers=h)
    assert listed.status_code == 200
    assert new not in listed.text and tokens.hash_token(new) not in listed.text
    assert district.district_it not in listed.text
    rows = {row["id"]: row for row in listed.json()}
    assert all(set(row) == LISTED_KEYS for row in rows.values())
    assert len(rows) == 5  # the four the district was made with, and this one
    assert rows[doc["id"]]["last_used_at"] is not None

    revoked = c.delete(f"/api/v1/tokens/{doc['id']}", headers=h)
    assert revoked.status_code == 200
    assert revoked.json() == {"id": doc["id"], "revoked": True}
    refused = c.get("/api/v1/schools", headers=district.as_(new))
    assert refused.status_code == 401
    assert doc["id"] not in {row["id"] for row in c.get("/api/v1/tokens", headers=h).json()}
    again = c.delete(f"/api/v1/tokens/{doc['id']}", headers=h)
    assert again.status_code == 404 and "unknown token" in again.json()["detail"]

    with district.hub.session() as session:
        events = session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.action).in_(["token.create", "token.revoke"]))
            .where(AuditEvent.target == doc["id"])
            .order_by(col(AuditEvent.id))
        ).all()
    it = tokens.authenticate(district.hub, district.district_it)
    assert it is not None
    assert [(e.action, e.actor) for e in events] == [
        ("token.create", f"api:{it.id}"),
        ("token.revoke", f"api:{it.id}"),
    ]
    assert new not in str([e.detail for e in events])


def test_only_district_it_manages_tokens(district: District) -> None:
    c = district.client
    with district.hub.session() as session:
        before = len(session.exec(select(ApiToken)).all())
        some = session.exec(select(ApiToken)).first()
    assert some is not None
    for who in (district.support, district.admin_a):
        h = district.as_(who)
        assert c.get("/api/v1/tokens", headers=h).status_code == 403
        made = c.post("/api/v1/tokens", headers=h, json={"role": "district_it"})
        assert made.status_code == 403 and "token" not in made.json()
        assert c.delete(f"/api/v1/tokens/{some.id}", headers=h).status_code == 403
    with district.hub.session() as session:
        assert len(session.exec(select(ApiToken)).all()) == before


def test_bad_token_requests(district: District) -> None:
    c, h = district.client, district.as_(district.district_it)
    assert c.post("/api/v1/tokens", headers=h, json={"role": "root"}).status_code == 422
    no_school = c.post("/api/v1/tokens", headers=h, json={"role": "school_admin"})
    assert no_school.status_code == 422 and "school" in no_school.json()["detail"]
    scoped = c.post(
        "/api/v1/tokens", headers=h, json={"role": "support", "school_id": district.school_a}
    )
    assert scoped.status_code == 422
    unknown = c.post(
        "/api/v1/tokens", headers=h, json={"role": "school_admin", "school_id": "sch_nope"}
    )
    assert unknown.status_code == 404
    assert c.delete("/api/v1/tokens/tok_nope", headers=h).status_code == 404


def test_last_used_is_written_at_most_once_a_minute(
    district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    row, token = tokens.create_token(district.hub, role="support", actor="test")
    start = utcnow()
    clock = [start]
    monkeypatch.setattr(tokens, "utcnow", lambda: clock[0])

    def last_used() -> datetime | None:
        with district.hub.session() as session:
            found = session.get(ApiToken, row.id)
            assert found is not None
            return found.last_used_at

    assert tokens.authenticate(district.hub, token) is not None
    first = last_used()
    assert first is not None
    clock[0] = start + timedelta(seconds=30)
    assert tokens.authenticate(district.hub, token) is not None
    assert last_used() == first  # no write
    clock[0] = start + timedelta(minutes=2)
    assert tokens.authenticate(district.hub, token) is not None
    assert last_used() != first
