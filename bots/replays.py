"""Requests already handled, remembered in the database for an hour.

A signed Slack request can be replayed by anyone who saw it for as long as its timestamp is
fresh (five minutes), and Slack itself re-sends an event it thinks failed (after about 1 and
5 minutes, with the same ``event_id``). Acting on each copy would queue a resync per copy.
The first copy claims the request's identity (a primary-key insert, so two threads or two
``serve`` processes sharing the database cannot both win); later copies are acknowledged
and dropped. A request that failed with a server error gives its claim back, so Slack's
retry of it is handled.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from bots.slack_requests import Identity
from hub.context import Hub
from hub.models import SeenRequest, utcnow

KEEP = timedelta(hours=1)
_PRUNE_EVERY = timedelta(minutes=1)
_pruned_at: datetime | None = None
_prune_guard = threading.Lock()


def claim(hub: Hub, identity: Identity, *, now: datetime | None = None) -> bool:
    """True for the first copy of a request; False for a replay or retry of one still kept."""
    now = now or utcnow()
    _prune(hub, now)
    try:
        with hub.transaction() as session:
            session.add(SeenRequest(key=identity.key, kind=identity.kind, expires_at=now + KEEP))
        return True
    except IntegrityError:
        pass
    # Seen before, but perhaps long enough ago that it is only waiting to be pruned.
    with hub.transaction() as session:
        renewed = session.execute(
            update(SeenRequest)
            .where(col(SeenRequest.key) == identity.key, col(SeenRequest.expires_at) <= now)
            .values(expires_at=now + KEEP)
        )
    return renewed.rowcount == 1


def release(hub: Hub, identity: Identity) -> None:
    """Forget a request that was not handled, so its next delivery is."""
    with hub.transaction() as session:
        session.execute(delete(SeenRequest).where(col(SeenRequest.key) == identity.key))


def _prune(hub: Hub, now: datetime) -> None:
    """Drop expired identities, at most once a minute per process (not on every request)."""
    global _pruned_at
    with _prune_guard:
        if _pruned_at is not None and now - _pruned_at < _PRUNE_EVERY:
            return
        _pruned_at = now
    with hub.transaction() as session:
        session.execute(delete(SeenRequest).where(col(SeenRequest.expires_at) <= now))
