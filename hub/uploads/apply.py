"""Planning against the database and applying: password work first, then ONE transaction.

Argon2 is deliberately slow, so the password work runs before the write transaction, from a
plain read. Inside the transaction the plan is recomputed from a fresh read, reusing that work,
so the write lock is held only for a handful of bulk statements (:mod:`hub.bulk`, the sync
engine's writer) and a change made meanwhile is never overwritten with stale data. A failure
anywhere writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from hub import audit, bulk
from hub.actors import Actor
from hub.context import Hub
from hub.engine.changes import Recording, recorded
from hub.errors import HubError
from hub.formats import FileCheck, UploadPerson
from hub.memory import collector_paused
from hub.models import CSV, School, Upload, utcnow
from hub.uploads.password_work import Passwords
from hub.uploads.planner import Plan, involved, make_plan, origin
from hub.uploads.progress import Report, current
from hub.uploads.records import (
    APPLIED,
    UploadOutcome,
    credentials_csv,
    get_upload,
    issue_dicts,
    result_json,
    upload_table,
)
from hub.uploads.snapshot import load


@dataclass(frozen=True, slots=True)
class Target:
    """Where a file goes: the school, the ids by name of the schools it may name, who sends it."""

    school: School
    school_ids: dict[str, str]
    actor: Actor


def plan_in(
    session: Session,
    people: Sequence[UploadPerson],
    target: Target,
    passwords: Passwords,
    report: Report | None = None,
) -> Plan:
    """Read what exists, do the password work the plan needs, and return the complete plan."""
    school, school_ids, actor = target.school, target.school_ids, target.actor
    now = utcnow()
    with collector_paused():  # 100,000s of rows of tuples, none of them cyclic
        snapshot = load(session, people, involved(school, people, school_ids), actor)
        plan = make_plan(people, snapshot, school, school_ids, passwords, now, actor)
    if plan.jobs:
        total, waiting = len(people), len(plan.jobs)
        if report:
            report(total - waiting, total)
        passwords.run(
            plan.jobs, (lambda done: report(total - waiting + done, total)) if report else None
        )
        with collector_paused():
            plan = make_plan(people, snapshot, school, school_ids, passwords, now, actor)
    return plan


def count_only(hub: Hub, target: Target, check: FileCheck) -> Plan:
    """The plan of a dry run or preview: counts and warnings; nothing generated or hashed."""
    with hub.session() as session, collector_paused():
        return plan_in(session, check.persons(), target, Passwords(hashing=False))


class _AlreadyClaimed(Exception):
    """Another confirm of the same upload got there first."""


def apply(
    hub: Hub,
    target: Target,
    check: FileCheck,
    *,
    upload: Upload,
    claim_from: str | None,
    report: Report | None = None,
    keep_credentials: bool = False,
) -> UploadOutcome:
    """Apply a valid file. ``claim_from``: the status the stored upload must still have (a
    confirm, a background apply); None for a new record written here. ``keep_credentials``:
    the generated passwords are stored encrypted on the upload in the same transaction as the
    accounts (a background apply has nobody to hand them to)."""
    report = current(report)
    people = check.persons()
    passwords = Passwords(hashing=True)
    with hub.session() as session:  # the slow part (argon2), outside the write transaction
        plan_in(session, people, target, passwords, report)
    try:
        with hub.transaction() as session:
            if claim_from is not None:
                claimed = session.execute(
                    update(upload_table)
                    .where(upload_table.c.id == upload.id, upload_table.c.status == claim_from)
                    .values(status=APPLIED)
                )
                if claimed.rowcount != 1:
                    raise _AlreadyClaimed
            # The plan again from a fresh read, reusing that work (only accounts added
            # meanwhile by someone else need any more).
            plan = plan_in(session, people, target, passwords)
            plan.change_set = upload.id
            write(session, plan)
            upload.status = APPLIED
            upload.counts = dict(plan.counts)
            upload.errors = []
            upload.warnings = issue_dicts([*check.warnings, *plan.warnings])
            upload.content = None
            upload.progress_done = upload.progress_total = len(people)
            if keep_credentials and plan.credentials:
                upload.credentials = hub.vault.encrypt(credentials_csv(plan.credentials))
            if claim_from is not None:
                session.merge(upload)
            else:
                session.add(upload)
            audit.record(
                session,
                actor=target.actor.name,
                action="upload.apply",
                target=upload.id,
                school_id=target.school.id,
                other_schools=sorted(
                    involved(target.school, people, target.school_ids) - {target.school.id}
                ),
                filename=upload.filename,
                counts=dict(plan.counts),
            )
    except _AlreadyClaimed:
        stored = get_upload(hub, upload.id)
        assert stored is not None
        return UploadOutcome(stored.id, result_json(stored))
    except IntegrityError:
        msg = "some of these accounts were changed by someone else at the same moment; nothing was applied, send the file again"
        raise HubError(msg) from None
    if report:
        report(len(people), len(people))
    credentials = credentials_csv(plan.credentials) if plan.credentials else None
    return UploadOutcome(upload.id, result_json(upload), credentials)


def write(session: Session, plan: Plan) -> None:
    """The plan as bulk statements, with what they change recorded for explain and undo
    (:mod:`hub.engine.changes`, the sync engine's change log)."""
    now = utcnow()
    changed = [u["b_id"] for u in plan.membership_updates]
    accounts = [u["b_id"] for u in (*plan.name_updates, *plan.password_updates)]
    conn = session.connection()
    with recorded(conn, plan.change_set, memberships=changed, accounts=accounts) as log:
        _statements(session, plan, now, log)


def _statements(session: Session, plan: Plan, now: datetime, log: Recording) -> None:
    """The plan as bulk statements (one executemany each), inside the caller's transaction."""
    conn = session.connection()
    a, m = bulk.account_table, bulk.membership_table
    stamp = bulk.timestamp(conn, now)
    ids: dict[str, int] = {}
    if plan.new_accounts:
        ids = bulk.insert_accounts(conn, [(*row, stamp, stamp) for row in plan.new_accounts])
    if plan.name_updates:
        bulk.update_many(
            conn,
            update(a)
            .where(a.c.id == bindparam("b_id"))
            .values(
                first_name=bindparam("b_first"),
                last_name=bindparam("b_last"),
                updated_at=bindparam("b_at"),
            ),
            plan.name_updates,
        )
    if plan.password_updates:
        bulk.update_many(
            conn,
            update(a)
            .where(a.c.id == bindparam("b_id"))
            .values(password_hash=bindparam("b_hash"), updated_at=bindparam("b_at")),
            plan.password_updates,
        )
    if plan.new_memberships:
        # Existing accounts' ids come from the plan's own read; new ones from the insert above.
        bulk.insert_many(
            conn,
            m,
            bulk.MEMBERSHIP_COLUMNS,
            [
                bulk.membership_row(
                    ids[email] if aid is None else aid,
                    sid,
                    roles,
                    stamp,
                    integration_id=None,
                    source=CSV,
                    origin=origin(person, roles),
                )
                for email, aid, sid, roles, person in plan.new_memberships
            ],
        )
        by_school: dict[str, list[int]] = {}
        for email, aid, sid, _roles, _person in plan.new_memberships:
            by_school.setdefault(sid, []).append(ids[email] if aid is None else aid)
        for sid, account_ids in by_school.items():
            log.created(sid, account_ids)
    if plan.membership_updates:
        bulk.update_many(
            conn,
            update(m)
            .where(m.c.id == bindparam("b_id"))
            .values(
                roles=bindparam("b_roles"),
                status=bindparam("b_status"),
                origin=bindparam("b_origin"),
                updated_at=bindparam("b_at"),
            ),
            [
                {
                    "b_id": u["b_id"],
                    "b_roles": u["b_roles"],
                    "b_status": u["b_status"],
                    "b_origin": origin(u["person"], u["b_roles"]),
                    "b_at": u["b_at"],
                }
                for u in plan.membership_updates
            ],
        )
