"""Applying an uploaded accounts file: validate, compare with the database, add and update.

Uploads are additive: they create accounts and memberships (source ``csv``, no owning
integration) and update the names, roles and passwords of people the school's uploads or manual
entries own. They never deactivate anyone and never touch a membership an integration owns.

Every entry point takes the :class:`~hub.actors.Actor` who uploads. A school admin may write
only to their own school(s): naming another school in ``Additional Schools`` is a row error
that reads the same whether or not that school exists, an account that is also used at a
school they do not administer keeps its name and password, and no warning tells them anything
about another school.

Argon2 is deliberately slow, so password work (hashing, and checking whether a given password is
the one already stored) runs in a thread pool (argon2 releases the GIL) *before* the write
transaction. Inside the transaction the plan is recomputed from a fresh read, reusing that work,
so the write lock is held only for a handful of bulk statements and a change made meanwhile is
never overwritten with stale data.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from hub import audit
from hub.actors import Actor, as_actor
from hub.bulk import (
    ACCOUNT_COLUMNS,
    MEMBERSHIP_COLUMNS,
    chunks,
    insert_many,
    insert_returning,
    timestamp,
)
from hub.cells import csv_bytes
from hub.context import Hub
from hub.engine.changes import recorded
from hub.errors import HubError, UsageError
from hub.models import ACTIVE, CSV, Account, Membership, School, Upload, utcnow
from hub.passwords import generate_password, hash_password, verify_password
from hub.roster import origin_text, roles_list, roles_text
from hub.schools import get_school
from plugins.csv.layout import ADDITIONAL_SCHOOLS, EMAIL, PASSWORD, SHEETS
from plugins.csv.reader import Issue, source_name
from plugins.csv.validate import Person, Validation, validate_file

PENDING = "pending"
APPLIED = "applied"
REJECTED = "rejected"
DRY_RUN = "dry_run"
EXPIRED = "expired"
CANCELLED = "cancelled"

PREVIEW_TTL = timedelta(hours=1)
COUNT_KEYS = ("created", "updated", "unchanged", "passwords_generated")
CREDENTIALS_HEADER = ("email", "first_name", "last_name", "role", "password")
# Below this many passwords a thread pool costs more than it saves.
PARALLEL_FROM = 4
_CHUNK = 500  # emails per IN (...) query: well under every database's parameter limit

_account = Account.__table__  # type: ignore[attr-defined]
_membership = Membership.__table__  # type: ignore[attr-defined]
_upload = Upload.__table__  # type: ignore[attr-defined]
_school_table = School.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class UploadOutcome:
    """What callers deliver: the INTERFACE upload result (``credentials_file`` None; the CLI
    fills it in) and, when passwords were generated, the credentials CSV to hand over once."""

    upload_id: str
    result: dict[str, Any]
    credentials_csv: bytes | None = None


# -- entry points ------------------------------------------------------------------------------


def process_upload(
    hub: Hub,
    *,
    school_id: str,
    filename: str,
    content: bytes,
    dry_run: bool,
    actor: Actor | str | None,
) -> UploadOutcome:
    """Validate an accounts file for ``school_id`` and apply it (or, with ``dry_run``, count
    what applying would do). Any error rejects the whole file; only the Upload record is
    written. A plain ``actor`` name is an operator who may touch every school."""
    who = as_actor(actor)
    school, names, validation, upload = _receive(hub, school_id, filename, content, who)
    if not validation.ok:
        return _store(hub, upload, status=REJECTED, validation=validation)
    if dry_run:
        plan = _count_only(hub, school, validation, names, who)
        return _store(hub, upload, status=DRY_RUN, validation=validation, plan=plan)
    return _apply(hub, school, validation, names, upload=upload, actor=who, claim=False)


def preview_upload(
    hub: Hub,
    *,
    school_id: str,
    filename: str,
    content: bytes,
    actor: Actor | str | None,
) -> UploadOutcome:
    """Validate and count like a dry run, and keep the file (status ``pending``) so
    :func:`confirm_upload` can apply it within the hour. The result's status is ``dry_run``
    (nothing applied yet) or ``rejected``. Only the same actor may confirm or cancel it."""
    who = as_actor(actor)
    school, names, validation, upload = _receive(hub, school_id, filename, content, who)
    if not validation.ok:
        return _store(hub, upload, status=REJECTED, validation=validation)
    plan = _count_only(hub, school, validation, names, who)
    upload.content = content
    return _store(hub, upload, status=PENDING, validation=validation, plan=plan)


def confirm_upload(hub: Hub, *, upload_id: str, actor: Actor | str | None) -> UploadOutcome:
    """Apply a pending upload once. Confirming an applied upload again changes nothing and
    returns no passwords; a preview more than an hour old must be sent again. Someone other
    than its uploader, or one who may no longer touch its school, is told it is unknown."""
    who = as_actor(actor)
    upload = _own_upload(hub, upload_id, who, school_too=True)
    if upload.status == APPLIED:
        return UploadOutcome(upload.id, result_json(upload))
    if upload.status != PENDING or upload.content is None:
        msg = f"upload {upload.id} is {upload.status}; there is nothing to confirm (send the file again)"
        raise UsageError(msg)
    if _age(upload.created_at) > PREVIEW_TTL:
        _finish_pending(hub, upload.id, status=EXPIRED)
        msg = f"the preview of upload {upload.id} is more than an hour old; send the file again"
        raise UsageError(msg)
    school = get_school(hub, upload.school_id)
    names = _school_ids(hub, who)
    validation = _validate(upload.content, upload.filename, names, who)
    if not validation.ok:  # a school named in the file was renamed or removed meanwhile
        upload.content = None
        return _store(hub, upload, status=REJECTED, validation=validation, replace=True)
    return _apply(hub, school, validation, names, upload=upload, actor=who, claim=True)


def cancel_upload(hub: Hub, *, upload_id: str, actor: Actor | str | None) -> None:
    """Drop a pending upload (the chat's Cancel button): its file is deleted, nothing applied.
    Only its uploader may (dropping needs no school: it only deletes their own file)."""
    upload = _own_upload(hub, upload_id, as_actor(actor), school_too=False)
    _finish_pending(hub, upload.id, status=CANCELLED)


def _own_upload(hub: Hub, upload_id: str, actor: Actor, *, school_too: bool) -> Upload:
    """The upload ``actor`` made (and, with ``school_too``, may still touch the school of);
    anyone else's reads exactly like an id that does not exist."""
    with hub.session() as session:
        upload = session.get(Upload, upload_id)
    if (
        upload is None
        or upload.actor != actor.name
        or (school_too and not actor.may_touch(upload.school_id))
    ):
        msg = f"unknown upload '{upload_id}'"
        raise UsageError(msg)
    return upload


def _receive(
    hub: Hub, school_id: str, filename: str, content: bytes, actor: Actor
) -> tuple[School, dict[str, str], Validation, Upload]:
    """The school, the ids by name of the schools the actor may name, the file's validation
    and its (unsaved) record."""
    if not actor.may_touch(school_id):
        msg = f"unknown school '{school_id}'"  # exactly what get_school says for no such id
        raise UsageError(msg)
    school = get_school(hub, school_id)
    names = _school_ids(hub, actor)
    validation = _validate(content, filename, names, actor)
    label = source_name(content, filename)[:255]
    upload = Upload(school_id=school.id, filename=label, status=PENDING, actor=actor.name)
    return school, names, validation, upload


def _validate(content: bytes, filename: str, names: dict[str, str], actor: Actor) -> Validation:
    return validate_file(content, filename=filename, schools=names, only_these=actor.restricted)


def result_json(upload: Upload) -> dict[str, Any]:
    """The INTERFACE upload result for a stored upload (a pending preview reads as a dry run)."""
    status = upload.status if upload.status in (APPLIED, REJECTED, DRY_RUN) else DRY_RUN
    return {
        "status": status,
        "counts": {key: int(upload.counts.get(key, 0)) for key in COUNT_KEYS},
        "errors": list(upload.errors),
        "warnings": list(upload.warnings),
        "credentials_file": None,
    }


def credentials_csv(rows: Iterable[tuple[str, str, str, str, str]]) -> bytes:
    """The generated passwords as CSV, every cell safe to open in a spreadsheet program."""
    return csv_bytes(CREDENTIALS_HEADER, rows)


# -- what exists ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Existing:
    id: int
    first_name: str
    last_name: str
    password_hash: str | None


@dataclass(frozen=True, slots=True)
class _Member:
    id: int
    roles: str
    status: str
    integration_id: str | None
    source: str


@dataclass
class _Snapshot:
    accounts: dict[str, _Existing] = field(default_factory=dict)
    memberships: dict[tuple[int, str], _Member] = field(default_factory=dict)
    # Accounts with a membership at a school the uploader may not touch (restricted actors).
    elsewhere: set[int] = field(default_factory=set)


def _load(session: Session, people: list[Person], school_ids: set[str], actor: Actor) -> _Snapshot:
    snapshot = _Snapshot()
    emails = [person.email for person in people]
    for chunk in _chunks(emails):
        query = select(
            _account.c.id,
            _account.c.email,
            _account.c.first_name,
            _account.c.last_name,
            _account.c.password_hash,
        ).where(_account.c.email.in_(chunk))
        for row in session.execute(query):
            snapshot.accounts[row.email] = _Existing(
                row.id, row.first_name, row.last_name, row.password_hash
            )
    ids = [account.id for account in snapshot.accounts.values()]
    for chunk_ids in _chunks(ids):
        query = select(
            _membership.c.id,
            _membership.c.account_id,
            _membership.c.school_id,
            _membership.c.roles,
            _membership.c.status,
            _membership.c.integration_id,
            _membership.c.source,
        ).where(_membership.c.account_id.in_(chunk_ids), _membership.c.school_id.in_(school_ids))
        for row in session.execute(query):
            snapshot.memberships[(row.account_id, row.school_id)] = _Member(
                row.id, row.roles, row.status, row.integration_id, row.source
            )
    if actor.schools is not None:
        for chunk_ids in _chunks(ids):
            query = (
                select(_membership.c.account_id)
                .where(
                    _membership.c.account_id.in_(chunk_ids),
                    _membership.c.school_id.not_in(actor.schools),
                )
                .distinct()
            )
            snapshot.elsewhere.update(session.scalars(query))
    return snapshot


# -- password work -------------------------------------------------------------------------------


# (email, password, hash stored now): per person, so two people given the same password never
# share one salted hash.
_Job = tuple[str, str, str | None]


class _Passwords:
    """Argon2 work for one upload, each piece done once even when the plan is made twice.

    ``hashing`` False (dry runs, previews) only checks whether a given password differs from the
    stored one; nothing is hashed and generated passwords are not kept.
    """

    def __init__(self, *, hashing: bool) -> None:
        self.hashing = hashing
        self.generated: dict[str, str] = {}
        self.settled: dict[_Job, str | None] = {}

    def generated_for(self, email: str) -> str:
        return self.generated.setdefault(email, generate_password())

    def run(self, jobs: Iterable[_Job]) -> None:
        todo = list(dict.fromkeys(job for job in jobs if job not in self.settled))
        if not todo:
            return
        if len(todo) < PARALLEL_FROM:
            results: Iterator[str | None] = map(self._settle, todo)
            self.settled.update(zip(todo, results, strict=True))
            return
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            self.settled.update(zip(todo, pool.map(self._settle, todo), strict=True))

    def _settle(self, job: _Job) -> str | None:
        """None when the stored hash already matches; otherwise the new hash ("" when not
        hashing)."""
        _, password, current = job
        if current and _matches(password, current):
            return None
        return hash_password(password) if self.hashing else ""


def _matches(password: str, current: str) -> bool:
    try:
        return verify_password(password, current)
    except Exception:  # noqa: BLE001 - an unreadable stored hash simply does not match
        return False


# -- the plan ----------------------------------------------------------------------------------


@dataclass
class _Plan:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    warnings: list[Issue] = field(default_factory=list)
    jobs: list[_Job] = field(default_factory=list)
    now: datetime = field(default_factory=utcnow)
    # (email, first name, last name, password hash)
    new_accounts: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    # (email, account id or None when the account is new too, school id, roles, origin)
    new_memberships: list[tuple[str, int | None, str, str, str]] = field(default_factory=list)
    name_updates: list[dict[str, Any]] = field(default_factory=list)
    password_updates: list[dict[str, Any]] = field(default_factory=list)
    membership_updates: list[dict[str, Any]] = field(default_factory=list)
    credentials: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    change_set: str | None = None
    """The upload's id: what the write changes is recorded under it (explain, undo)."""


def _origin(person: Person, roles: str) -> str:
    """Where an uploaded person's roles come from: the sheet and row (the upload is the
    change set that wrote it)."""
    where = f"{person.sheet} sheet, row {person.row}"
    why = {role: [where] for role in roles_list(roles)}
    if person.role_sheet == "Admin" and "teacher" in why:
        why["teacher"] = [f"{where} (the Admin sheet means admin and teacher)"]
    return origin_text(why)


def _make_plan(
    people: list[Person],
    snapshot: _Snapshot,
    school: School,
    school_ids: dict[str, str],
    passwords: _Passwords,
    now: datetime,
    actor: Actor,
) -> _Plan:
    """What applying the file does, given what exists. With unsettled password work the plan
    lists it in ``jobs`` (run them, then plan again); with all of it settled it is complete.

    An account's name and password belong to every school it is at: they change only through
    an upload at that school by someone who may touch all of its schools."""
    plan = _Plan(now=now)
    names_by_id = {sid: name for name, sid in school_ids.items()}
    for person in people:
        email = person.email
        roles = roles_text(SHEETS[person.role_sheet])
        origin = _origin(person, roles)
        targets = [
            school.id,
            *(school_ids[n] for n in person.schools if school_ids[n] != school.id),
        ]
        account = snapshot.accounts.get(email)
        here = snapshot.memberships.get((account.id, school.id)) if account else None
        if here is not None and here.integration_id is not None:
            plan.warnings.append(
                Issue(
                    person.sheet,
                    person.row,
                    EMAIL,
                    f"{email} is managed by the {here.source} integration at {school.name}; left as it is",
                )
            )
            plan.counts["unchanged"] += 1
            continue

        if account is None:
            generated = not person.password
            password = passwords.generated_for(email) if generated else person.password
            job: _Job = (email, password, None)
            if job not in passwords.settled:
                plan.jobs.append(job)
            plan.new_accounts.append(
                (email, person.first_name, person.last_name, passwords.settled.get(job) or None)
            )
            for sid in targets:
                plan.new_memberships.append((email, None, sid, roles, origin))
            plan.counts["created"] += 1
            if generated:
                plan.counts["passwords_generated"] += 1
                plan.credentials.append(
                    (
                        email,
                        person.first_name,
                        person.last_name,
                        person.role_sheet.lower(),
                        password,
                    )
                )
            continue

        changed = False
        renamed = (person.first_name, person.last_name) != (account.first_name, account.last_name)
        if here is None or account.id in snapshot.elsewhere:
            if renamed or person.password:
                plan.warnings.append(
                    Issue(
                        person.sheet,
                        person.row,
                        PASSWORD if person.password else EMAIL,
                        _kept_message(email, actor),
                    )
                )
        else:
            if renamed:
                plan.name_updates.append(
                    {
                        "b_id": account.id,
                        "b_first": person.first_name,
                        "b_last": person.last_name,
                        "b_at": now,
                    }
                )
                changed = True
            if person.password:
                job = (email, person.password, account.password_hash)
                if job not in passwords.settled:
                    plan.jobs.append(job)
                elif passwords.settled[job] is not None:
                    plan.password_updates.append(
                        {"b_id": account.id, "b_hash": passwords.settled[job], "b_at": now}
                    )
                    changed = True

        for sid in targets:
            member = snapshot.memberships.get((account.id, sid))
            if member is None:
                plan.new_memberships.append((email, account.id, sid, roles, origin))
                changed = changed or sid != school.id
            elif member.integration_id is not None:
                plan.warnings.append(
                    Issue(
                        person.sheet,
                        person.row,
                        ADDITIONAL_SCHOOLS,
                        f"{email} is managed by the {member.source} integration at {names_by_id[sid]}; that membership was left as it is",
                    )
                )
            elif member.roles != roles or member.status != ACTIVE:
                plan.membership_updates.append(
                    {
                        "b_id": member.id,
                        "b_roles": roles,
                        "b_status": ACTIVE,
                        "b_origin": origin,
                        "b_at": now,
                    }
                )
                changed = True
        if here is None:
            plan.counts["created"] += 1
        else:
            plan.counts["updated" if changed else "unchanged"] += 1
    return plan


def _kept_message(email: str, actor: Actor) -> str:
    if actor.restricted:  # says nothing about where else the account is, or whether it is
        return f"{email} already has an account of their own, so its name and password were left as they are (they keep signing in with their current password)"
    return f"{email} already has an account through another school, so its name and password were left as they are"


def _involved(school: School, people: list[Person], school_ids: dict[str, str]) -> set[str]:
    ids = {school.id}
    for person in people:
        ids.update(school_ids[name] for name in person.schools)
    return ids


def _plan_in(
    session: Session,
    people: list[Person],
    school: School,
    school_ids: dict[str, str],
    passwords: _Passwords,
    actor: Actor,
) -> _Plan:
    """Read what exists, do the password work the plan needs, and return the complete plan."""
    snapshot = _load(session, people, _involved(school, people, school_ids), actor)
    now = utcnow()
    plan = _make_plan(people, snapshot, school, school_ids, passwords, now, actor)
    if plan.jobs:
        passwords.run(plan.jobs)
        plan = _make_plan(people, snapshot, school, school_ids, passwords, now, actor)
    return plan


def _count_only(
    hub: Hub, school: School, validation: Validation, school_ids: dict[str, str], actor: Actor
) -> _Plan:
    """The plan of a dry run or preview: counts and warnings, nothing hashed."""
    with hub.session() as session:
        return _plan_in(
            session, validation.persons(), school, school_ids, _Passwords(hashing=False), actor
        )


# -- applying ----------------------------------------------------------------------------------


class _AlreadyClaimed(Exception):
    """Another confirm of the same upload got there first."""


def _apply(
    hub: Hub,
    school: School,
    validation: Validation,
    school_ids: dict[str, str],
    *,
    upload: Upload,
    actor: Actor,
    claim: bool,
) -> UploadOutcome:
    people = validation.persons()
    passwords = _Passwords(hashing=True)
    # The slow part (argon2) first, from a plain read, outside the write transaction ...
    with hub.session() as session:
        _plan_in(session, people, school, school_ids, passwords, actor)
    try:
        with hub.transaction() as session:
            if claim:
                claimed = session.execute(
                    update(_upload)
                    .where(_upload.c.id == upload.id, _upload.c.status == PENDING)
                    .values(status=APPLIED)
                )
                if claimed.rowcount != 1:
                    raise _AlreadyClaimed
            # ... then the plan again from a fresh read, reusing that work (only accounts
            # added meanwhile by someone else need any more).
            plan = _plan_in(session, people, school, school_ids, passwords, actor)
            plan.change_set = upload.id
            _write(session, plan)
            upload.status = APPLIED
            upload.counts = dict(plan.counts)
            upload.errors = []
            upload.warnings = _issue_dicts([*validation.warnings, *plan.warnings])
            upload.content = None
            if claim:
                session.merge(upload)
            else:
                session.add(upload)
            audit.record(
                session,
                actor=actor.name,
                action="upload.apply",
                target=upload.id,
                school_id=school.id,
                other_schools=sorted(_involved(school, people, school_ids) - {school.id}),
                filename=upload.filename,
                counts=dict(plan.counts),
            )
    except _AlreadyClaimed:
        with hub.session() as session:
            stored = session.get(Upload, upload.id)
        assert stored is not None
        return UploadOutcome(stored.id, result_json(stored))
    except IntegrityError:
        msg = "some of these accounts were changed by someone else at the same moment; nothing was applied, send the file again"
        raise HubError(msg) from None
    credentials = credentials_csv(plan.credentials) if plan.credentials else None
    return UploadOutcome(upload.id, result_json(upload), credentials)


def _write(session: Session, plan: _Plan) -> None:
    """The plan as bulk statements, with what they change recorded for explain and undo."""
    changed = [u["b_id"] for u in plan.membership_updates]
    accounts = [u["b_id"] for u in (*plan.name_updates, *plan.password_updates)]
    with recorded(
        session.connection(), plan.change_set, now=plan.now, memberships=changed, accounts=accounts
    ):
        _statements(session, plan)


def _statements(session: Session, plan: _Plan) -> None:
    """The plan as bulk statements (one executemany each), inside the caller's transaction."""
    conn = session.connection()
    stamp = timestamp(conn, plan.now)
    ids: dict[str, int] = {}
    if plan.new_accounts:
        rows = [(*account, stamp, stamp) for account in plan.new_accounts]
        inserted = insert_returning(conn, _account, ACCOUNT_COLUMNS, rows, ("id", "email"))
        ids = {email: account_id for account_id, email in inserted}
    if plan.name_updates:
        session.execute(
            update(_account)
            .where(_account.c.id == bindparam("b_id"))
            .values(
                first_name=bindparam("b_first"),
                last_name=bindparam("b_last"),
                updated_at=bindparam("b_at"),
            ),
            plan.name_updates,
        )
    if plan.password_updates:
        session.execute(
            update(_account)
            .where(_account.c.id == bindparam("b_id"))
            .values(password_hash=bindparam("b_hash"), updated_at=bindparam("b_at")),
            plan.password_updates,
        )
    if plan.new_memberships:
        # Existing accounts' ids come from the plan's own read; new ones from the insert above.
        insert_many(
            conn,
            _membership,
            MEMBERSHIP_COLUMNS,
            [
                (
                    ids[email] if aid is None else aid,
                    sid,
                    roles,
                    ACTIVE,
                    None,  # integration_id
                    CSV,
                    None,  # external_id
                    None,  # record_hash
                    origin,
                    plan.change_set,
                    stamp,
                    stamp,
                )
                for email, aid, sid, roles, origin in plan.new_memberships
            ],
        )
    if plan.membership_updates:
        session.execute(
            update(_membership)
            .where(_membership.c.id == bindparam("b_id"))
            .values(
                roles=bindparam("b_roles"),
                status=bindparam("b_status"),
                origin=bindparam("b_origin"),
                changed_by=plan.change_set,
                updated_at=bindparam("b_at"),
            ),
            plan.membership_updates,
        )


# -- records -----------------------------------------------------------------------------------


def _store(
    hub: Hub,
    upload: Upload,
    *,
    status: str,
    validation: Validation,
    plan: _Plan | None = None,
    replace: bool = False,
) -> UploadOutcome:
    """Write the Upload record (the only thing a rejected file or a dry run writes)."""
    upload.status = status
    upload.counts = dict(plan.counts) if plan else dict.fromkeys(COUNT_KEYS, 0)
    upload.errors = _issue_dicts(validation.errors)
    upload.warnings = _issue_dicts([*validation.warnings, *(plan.warnings if plan else [])])
    with hub.transaction() as session:
        if replace:
            session.merge(upload)
        else:
            session.add(upload)
    return UploadOutcome(upload.id, result_json(upload))


def _finish_pending(hub: Hub, upload_id: str, *, status: str) -> bool:
    with hub.transaction() as session:
        done = session.execute(
            update(_upload)
            .where(_upload.c.id == upload_id, _upload.c.status == PENDING)
            .values(status=status, content=None)
        )
    return bool(done.rowcount)


def _issue_dicts(issues: Iterable[Issue]) -> list[dict[str, Any]]:
    return [issue.as_dict() for issue in issues]


def _school_ids(hub: Hub, actor: Actor) -> dict[str, str]:
    """The id by name (Additional Schools are given by name) of every school the actor may
    touch; the others are not even read, so nothing downstream can mention them."""
    query = select(_school_table.c.id, _school_table.c.name)
    if actor.schools is not None:
        query = query.where(_school_table.c.id.in_(actor.schools))
    with hub.session() as session:
        return {row.name: row.id for row in session.execute(query)}


def _age(created_at: datetime) -> timedelta:
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    return datetime.now(UTC) - created_at


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    return chunks(values, _CHUNK)
