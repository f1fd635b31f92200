"""What a run's stored plan would change, person by person, and discarding a held one.

A preview (a dry run) and a held run keep their :class:`hub.engine.plan.Plan` compressed in
``Run.plan``. The plan holds ids and the new values only, so a page of it is joined with the
accounts and memberships it names to say who each person is and which fields would change.
Only the page shown is looked up: a 100,000-person plan is decoded once (and kept for the next
page) and read 50 people at a time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update

from hub import audit
from hub.context import Hub
from hub.engine.plan import Plan
from hub.errors import UsageError
from hub.models import ACTIVE, Account, Membership, Run, utcnow

KINDS = ("created", "updated", "reactivated", "deactivated", "skipped")
CACHED_PLANS = 2
DISCARDED = "failed"

_run = Run.__table__  # type: ignore[attr-defined]
_account = Account.__table__  # type: ignore[attr-defined]
_membership = Membership.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Change:
    """One person in a plan: what would happen to them and why (or which fields)."""

    kind: str
    email: str
    name: str
    roles: str
    detail: str
    external_id: str | None = None


class PlanView:
    """A decoded plan, its rows grouped by what they would do."""

    def __init__(self, plan: Plan) -> None:
        plan = merged(plan)
        self.plan = plan
        self.updates = [row for row in plan.membership_updates if row[7] == ACTIVE]
        self.reactivations = [row for row in plan.membership_updates if row[7] != ACTIVE]
        self.account_changes = {row[0]: row for row in plan.account_updates}
        self.people_issues = [issue for issue in plan.issues if issue.external_id or issue.email]

    def total(self, kind: str) -> int:
        plan = self.plan
        return {
            "created": len(plan.new_accounts) + len(plan.links),
            "updated": len(self.updates),
            "reactivated": len(self.reactivations),
            "deactivated": len(plan.deactivations),
            "skipped": len(self.people_issues),
        }[kind]


def merged(plan: Plan) -> Plan:
    """A district plan's schools' rows as one list each (a one-school plan as it is): the
    console lists a district run's changes school after school."""
    if not plan.parts:
        return plan
    flat = Plan(
        integration_id=plan.integration_id,
        school_id=plan.school_id,
        source=plan.source,
        full=plan.full,
        counts=dict(plan.counts),
        issues=plan.all_issues(),
    )
    for part in plan.parts:
        flat.new_accounts.extend(part.new_accounts)
        flat.links.extend(part.links)
        flat.account_updates.extend(part.account_updates)
        flat.membership_updates.extend(part.membership_updates)
        flat.deactivations.extend(part.deactivations)
    return flat


_cache: OrderedDict[tuple[str, str, int], PlanView] = OrderedDict()
_lock = threading.Lock()


def plan_view(run: Run) -> PlanView | None:
    """The run's stored plan (a preview's or a held run's), or None when it kept none."""
    if not run.plan:
        return None
    key = (run.id, run.status, len(run.plan))
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    view = PlanView(Plan.from_bytes(run.plan))
    with _lock:
        _cache[key] = view
        while len(_cache) > CACHED_PLANS:
            _cache.popitem(last=False)
    return view


def changes(hub: Hub, view: PlanView, kind: str, *, offset: int, limit: int) -> list[Change]:
    """One page of the people a plan would ``kind`` (one of :data:`KINDS`)."""
    if kind not in KINDS:
        msg = f"unknown kind of change '{kind}' (one of: {', '.join(KINDS)})"
        raise UsageError(msg)
    if kind == "created":
        return _created(hub, view.plan, offset, limit)
    if kind in ("updated", "reactivated"):
        rows = (view.updates if kind == "updated" else view.reactivations)[offset : offset + limit]
        return _changed(hub, view, kind, rows)
    if kind == "deactivated":
        return _deactivated(hub, view.plan.deactivations[offset : offset + limit])
    return [
        Change("skipped", issue.email or "", "", "", issue.message, issue.external_id)
        for issue in view.people_issues[offset : offset + limit]
    ]


def _accounts(hub: Hub, ids: Sequence[int]) -> dict[int, tuple[str, str, str]]:
    if not ids:
        return {}
    a = _account
    query = select(a.c.id, a.c.email, a.c.first_name, a.c.last_name).where(
        a.c.id.in_(bindparam("ids", expanding=True))
    )
    with hub.engine.connect() as conn:
        return {
            aid: (email, first, last)
            for aid, email, first, last in conn.execute(query, {"ids": list(ids)}).tuples()
        }


def _memberships(hub: Hub, ids: Sequence[int]) -> dict[int, tuple[int, str, str | None]]:
    if not ids:
        return {}
    m = _membership
    query = select(m.c.id, m.c.account_id, m.c.roles, m.c.external_id).where(
        m.c.id.in_(bindparam("ids", expanding=True))
    )
    with hub.engine.connect() as conn:
        return {
            mid: (aid, roles, ext)
            for mid, aid, roles, ext in conn.execute(query, {"ids": list(ids)}).tuples()
        }


def _name(first: str, last: str) -> str:
    return " ".join(part for part in (first, last) if part)


def _created(hub: Hub, plan: Plan, offset: int, limit: int) -> list[Change]:
    found: list[Change] = []
    new = plan.new_accounts[offset : offset + limit]
    for ext, email, first, last, roles, _digest, _origin in new:
        found.append(Change("created", email, _name(first, last), roles, "new account", ext))
    room = limit - len(found)
    if room > 0:
        start = max(0, offset - len(plan.new_accounts))
        links = plan.links[start : start + room]
        people = _accounts(hub, [row[0] for row in links])
        for aid, ext, roles, _digest, _origin in links:
            email, first, last = people.get(aid, ("", "", ""))
            found.append(
                Change(
                    "created",
                    email,
                    _name(first, last),
                    roles,
                    "has an account already; joins this school",
                    ext,
                )
            )
    return found


def _changed(hub: Hub, view: PlanView, kind: str, rows: Sequence[tuple[Any, ...]]) -> list[Change]:
    members = _memberships(hub, [row[0] for row in rows])
    people = _accounts(hub, [row[1] for row in rows])
    found: list[Change] = []
    for mid, aid, ext, roles, _digest, _status, _expected, _was, *_origin in rows:
        email, first, last = people.get(aid, ("", "", ""))
        _aid, roles_now, ext_now = members.get(mid, (aid, "", None))
        fields: list[str] = []
        account_change = view.account_changes.get(aid)
        if account_change is not None:
            _id, new_email, new_first, new_last, old_email = account_change
            if new_email != old_email:
                fields.append(f"email {old_email} → {new_email}")
            if new_first != first:
                fields.append(f"first name {first or '(none)'} → {new_first}")
            if new_last != last:
                fields.append(f"last name {last or '(none)'} → {new_last}")
            email, first, last = new_email, new_first, new_last
        if roles != roles_now:
            fields.append(f"roles {roles_now or '(none)'} → {roles}")
        if ext != ext_now:
            fields.append("provider id")
        if kind == "reactivated":
            detail = "returned by the provider again" + (f"; {', '.join(fields)}" if fields else "")
        else:
            detail = ", ".join(fields) or "the provider's record changed"
        found.append(Change(kind, email, _name(first, last), roles, detail, ext))
    return found


def _deactivated(hub: Hub, rows: Sequence[tuple[int, str | None]]) -> list[Change]:
    members = _memberships(hub, [row[0] for row in rows])
    people = _accounts(hub, [aid for aid, _roles, _ext in members.values()])
    found: list[Change] = []
    for mid, _digest in rows:
        aid, roles, ext = members.get(mid, (0, "", None))
        email, first, last = people.get(aid, ("", "", ""))
        found.append(
            Change(
                "deactivated",
                email,
                _name(first, last),
                roles,
                "no longer active in the provider's roster",
                ext,
            )
        )
    return found


def discard(hub: Hub, run_id: str, *, actor: str) -> None:
    """Drop a held run's plan without applying it: the run ends ``failed`` saying who
    discarded it, and the integration's next run plans afresh."""
    now = utcnow()
    reason = f"discarded by {actor}; nothing was applied"
    with hub.transaction() as session:
        done = session.execute(
            update(_run)
            .where(_run.c.id == run_id, _run.c.status == "held")
            .values(status=DISCARDED, error=reason, plan=None, finished_at=now, heartbeat_at=now)
        ).rowcount
        if done != 1:
            msg = f"run '{run_id}' is not held; only a held run can be discarded"
            raise UsageError(msg)
        audit.record(session, actor=actor, action="run.discard", target=run_id)
