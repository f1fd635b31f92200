"""Explain an account: why this person has (or has not) these roles at this school.

Built from what runs and uploads recorded, never by asking the provider again: the
membership's ``origin`` (where each role came from, written by the sync engine and the
upload), the change log (which run or upload granted a role, deactivated a membership), and
run issues (why a run skipped someone). Every look-up is by an index (email, account and
school, membership, issue email), so an answer costs a few milliseconds on any school size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from hub.context import Hub
from hub.engine.changes import CREATED, change_table
from hub.models import (
    ACTIVE,
    CSV,
    MANUAL,
    Account,
    Integration,
    Membership,
    Run,
    RunIssue,
    Upload,
    iso,
)
from hub.roster import ADMIN, TEACHER, normalize_email, origin_of, roles_list

_account = Account.__table__  # type: ignore[attr-defined]
_membership = Membership.__table__  # type: ignore[attr-defined]
_integration = Integration.__table__  # type: ignore[attr-defined]
_run = Run.__table__  # type: ignore[attr-defined]
_issue = RunIssue.__table__  # type: ignore[attr-defined]
_upload = Upload.__table__  # type: ignore[attr-defined]

UNDO = "undo"


@dataclass(frozen=True, slots=True)
class _Change:
    change_set: str
    kind: str
    roles: str | None
    status: str | None


def explain(hub: Hub, *, email: str, school_id: str, restricted: bool = False) -> dict[str, Any]:
    """The explain answer (INTERFACE.md "Explain and undo") for ``email`` at ``school_id``.

    ``restricted`` (a school admin asking) leaves out anything about other schools."""
    address = normalize_email(email) or ""
    with hub.engine.connect() as conn:
        return _explain(conn, address, school_id, restricted=restricted)


def _explain(conn: Connection, email: str, school_id: str, *, restricted: bool) -> dict[str, Any]:
    m, a = _membership, _account
    answer: dict[str, Any] = {
        "email": email,
        "school_id": school_id,
        "present": False,
        "status": None,
        "roles": [],
        "owner": None,
        "last_changed_by": None,
        "reason": "",
    }
    account_id = conn.execute(select(a.c.id).where(a.c.email == email)).scalar()
    member = None
    if account_id is not None:
        member = conn.execute(
            select(m).where(m.c.account_id == account_id, m.c.school_id == school_id)
        ).first()
    skipped = _last_issue(conn, email, school_id)
    if member is None:
        answer["reason"] = _absent_reason(email, skipped, has_account=account_id is not None)
        if restricted and skipped is None:
            answer["reason"] = f"never synced: no run or upload at this school has added {email}"
        return answer
    history = _history(conn, member.id)
    owner = member.integration_id or (CSV if member.source == CSV else MANUAL)
    last = history[0].change_set if history else None
    answer.update(
        present=True,
        status=member.status,
        owner=owner,
        last_changed_by=last,
    )
    origins = origin_of(member.origin)
    uploads = _upload_dates(conn, [c.change_set for c in history])
    roles = roles_list(member.roles)
    for role in roles:
        granted = _granted_by(history, role)
        stored = member.origin is not None
        reasons = origins.get(role) or [_fallback(member.source, role, roles, stored=stored)]
        reason = "; ".join(reasons)
        if granted is not None and granted in uploads:
            reason = f"{reason} of upload {granted} on {uploads[granted]}"
        answer["roles"].append(
            {
                "role": role,
                "source": member.source,
                "integration_id": member.integration_id,
                "reason": reason,
                "run_id": granted,
            }
        )
    answer["reason"] = _present_reason(conn, member, answer, history, skipped)
    return answer


def _history(conn: Connection, membership_id: int) -> list[_Change]:
    """The membership's recorded changes, newest first (a handful per person)."""
    c = change_table
    rows = conn.execute(
        select(c.c.change_set, c.c.kind, c.c.roles, c.c.status)
        .where(c.c.membership_id == membership_id)
        .order_by(c.c.id.desc())
    )
    return [_Change(*row) for row in rows]


def _granted_by(history: list[_Change], role: str) -> str | None:
    """The run or upload that gave the membership ``role``: the newest change whose
    before-value lacked it (or that created the membership)."""
    for change in history:
        if change.kind == CREATED or role not in roles_list(change.roles or ""):
            return change.change_set
    return None


def _deactivated_by(history: list[_Change]) -> str | None:
    for change in history:
        if change.kind == CREATED or change.status == ACTIVE:
            return change.change_set
    return None


def _fallback(source: str, role: str, roles: list[str], *, stored: bool) -> str:
    if role == TEACHER and ADMIN in roles:
        return "admin implies teacher"
    if source == MANUAL:
        return "added by hand (rosterhub accounts add)"
    if stored:
        return f"{source}'s record gives the role {role} (the provider says no more)"
    return f"from {source} (written before role sources were recorded)"


def _upload_dates(conn: Connection, change_sets: list[str]) -> dict[str, str]:
    ids = sorted({cs for cs in change_sets if cs.startswith("upl_")})
    if not ids:
        return {}
    u = _upload
    rows = conn.execute(select(u.c.id, u.c.created_at).where(u.c.id.in_(ids)))
    return {upload_id: _day(at) for upload_id, at in rows}


def _day(at: datetime | None) -> str:
    text = iso(at) or ""
    return text[:10]


def _last_issue(conn: Connection, email: str, school_id: str) -> dict[str, Any] | None:
    """The newest run issue about ``email`` from a run of this school's integrations."""
    i, r, g = _issue, _run, _integration
    row = conn.execute(
        select(i.c.run_id, i.c.severity, i.c.message, r.c.created_at)
        .join(r, r.c.id == i.c.run_id)
        .join(g, g.c.id == r.c.integration_id)
        .where(i.c.email == email, g.c.school_id == school_id)
        .order_by(r.c.created_at.desc(), i.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return {"run_id": row.run_id, "severity": row.severity, "message": row.message}


def _absent_reason(email: str, skipped: dict[str, Any] | None, *, has_account: bool) -> str:
    if skipped is not None:
        return f"skipped in run {skipped['run_id']}: {skipped['message']}"
    if has_account:
        return (
            f"not at this school: {email} has an account, but no run or upload of this school "
            "has added it here"
        )
    return f"never synced: no run or upload has added {email}"


def _present_reason(
    conn: Connection,
    member: Any,
    answer: dict[str, Any],
    history: list[_Change],
    skipped: dict[str, Any] | None,
) -> str:
    roles = ", ".join(r["role"] for r in answer["roles"]) or "no roles"
    source = _source_words(member)
    if member.status != ACTIVE:
        by = _deactivated_by(history)
        if by is None:
            return f"deactivated ({roles}, {source}); the change was recorded before runs kept one"
        return f"deactivated by {by}: {_deactivation_words(conn, by)} ({roles}, {source})"
    line = f"{roles} from {source}"
    first = answer["roles"][0]["reason"] if answer["roles"] else ""
    if first:
        line += f": {first}"
    if skipped is not None and member.integration_id is None:
        line += f"; run {skipped['run_id']} left them as they are: {skipped['message']}"
    return line


def _source_words(member: Any) -> str:
    if member.integration_id:
        return f"{member.source} integration {member.integration_id} (record {member.external_id})"
    if member.source == CSV:
        return "a spreadsheet upload"
    return "a manual entry" if member.source == MANUAL else member.source


def _deactivation_words(conn: Connection, change_set: str) -> str:
    if change_set.startswith("upl_"):
        return "the undo of an upload that had created them"
    r = _run
    row = conn.execute(select(r.c.trigger, r.c.undoes).where(r.c.id == change_set)).first()
    if row is not None and row.trigger == UNDO:
        return f"undoing {row.undoes}, which had created or reactivated them"
    return "the provider stopped returning them (or returned them inactive)"
