"""The upload plan: what applying a file does, given what exists. Pure: no database, no hashing.

Uploads are additive: they create accounts and memberships (source ``csv``, no owning
integration) and update the names, roles and passwords of people the school's uploads or manual
entries own. They never deactivate anyone and never touch a membership an integration owns.

An account's name and password belong to every school it is at: they change only through an
upload at that school by someone who may touch all of its schools. A school admin (a
restricted :class:`~hub.actors.Actor`) is told nothing about another school.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from typing import Any

from hub.actors import Actor
from hub.formats import UploadPerson
from hub.issues import FileIssue
from hub.models import ACTIVE, School
from hub.roles import stored_roles
from hub.roster import ADMIN, TEACHER, origin_text, roles_list
from hub.uploads.password_work import Job, Passwords
from hub.uploads.records import COUNT_KEYS
from hub.uploads.snapshot import Snapshot

# The columns the plan's warnings name (the template's, as a person sees them).
EMAIL = "Email"
PASSWORD = "Password"
ADDITIONAL_SCHOOLS = "Additional Schools"


@dataclass
class Plan:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    warnings: list[FileIssue] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    """Password work still to do: run it (:class:`Passwords`), then plan again."""
    new_accounts: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    """(email, first name, last name, password hash)"""
    new_memberships: list[tuple[str, int | None, str, str, UploadPerson]] = field(
        default_factory=list
    )
    """(email, account id or None when the account is new too, school id, roles, the row);
    the row's :func:`origin` is made only when the plan is written (a dry run never needs it)"""
    name_updates: list[dict[str, Any]] = field(default_factory=list)
    password_updates: list[dict[str, Any]] = field(default_factory=list)
    membership_updates: list[dict[str, Any]] = field(default_factory=list)
    """``b_id``, ``b_roles``, ``b_status``, ``b_at`` and ``person`` (the row: its origin is made
    when the plan is written)"""
    credentials: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    change_set: str | None = None
    """The upload's id: what the write changes is recorded under it (explain, undo)."""


def origin(person: UploadPerson, roles: str) -> str:
    """Where an uploaded person's roles come from: the sheet (or file) and row; explain adds
    the upload, the change set that wrote it."""
    where = f"{person.sheet}, row {person.row}"
    if "." not in person.sheet:
        where = f"{person.sheet} sheet, row {person.row}"
    why = {role: [where] for role in roles_list(roles)}
    if person.role == ADMIN and TEACHER in why:
        means = "the Admin sheet means" if person.sheet == "Admin" else "an admin row means"
        why[TEACHER] = [f"{where} ({means} admin and teacher)"]
    return origin_text(why)


def make_plan(
    people: Sequence[UploadPerson],
    snapshot: Snapshot,
    school: School,
    school_ids: dict[str, str],
    passwords: Passwords,
    now: datetime,
    actor: Actor,
) -> Plan:
    """What applying the file does, given what exists. With unsettled password work the plan
    lists it in ``jobs``; with all of it settled it is complete. When ``passwords`` is not
    hashing (a dry run, a preview) a new account needs no password work at all."""
    plan = Plan()
    names_by_id = {sid: name for name, sid in school_ids.items()}
    here_id = school.id  # read once: an ORM attribute costs a call per row
    only_here = [here_id]
    find = snapshot.accounts.get
    for person in people:
        email = person.email
        roles = stored_roles(person.role)
        targets = (
            [here_id, *(school_ids[n] for n in person.schools if school_ids[n] != here_id)]
            if person.schools
            else only_here
        )
        account = find(email)
        here = snapshot.memberships.get((account.id, here_id)) if account else None
        if here is not None and here.integration_id is not None:
            message = f"{email} is managed by the {here.source} integration at {school.name}; left as it is"
            plan.warnings.append(FileIssue(person.sheet, person.row, EMAIL, message))
            plan.counts["unchanged"] += 1
            continue

        if account is None:
            _new_account(plan, person, targets, roles, passwords)
            continue

        changed = False
        renamed = (person.first_name, person.last_name) != (account.first_name, account.last_name)
        if here is None or account.id in snapshot.elsewhere:
            if renamed or person.password:
                column = PASSWORD if person.password else EMAIL
                message = _kept_message(email, actor)
                plan.warnings.append(FileIssue(person.sheet, person.row, column, message))
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
                job = Job(email, person.password, account.password_hash, False)
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
                plan.new_memberships.append((email, account.id, sid, roles, person))
                changed = changed or sid != school.id
            elif member.integration_id is not None:
                message = f"{email} is managed by the {member.source} integration at {names_by_id[sid]}; that membership was left as it is"
                plan.warnings.append(
                    FileIssue(person.sheet, person.row, ADDITIONAL_SCHOOLS, message)
                )
            elif member.roles != roles or member.status != ACTIVE:
                plan.membership_updates.append(
                    {
                        "b_id": member.id,
                        "b_roles": roles,
                        "b_status": ACTIVE,
                        "b_at": now,
                        "person": person,
                    }
                )
                changed = True
        if here is None:
            plan.counts["created"] += 1
        else:
            plan.counts["updated" if changed else "unchanged"] += 1
    return plan


def _new_account(
    plan: Plan,
    person: UploadPerson,
    targets: list[str],
    roles: str,
    passwords: Passwords,
) -> None:
    email = person.email
    generated = not person.password
    plan.counts["created"] += 1
    if generated:
        plan.counts["passwords_generated"] += 1
    for sid in targets:
        plan.new_memberships.append((email, None, sid, roles, person))
    if not passwords.hashing:  # counted, never generated nor hashed
        plan.new_accounts.append((email, person.first_name, person.last_name, None))
        return
    password = passwords.generated_for(email) if generated else person.password
    job = Job(email, password, None, generated)
    if job not in passwords.settled:
        plan.jobs.append(job)
    plan.new_accounts.append(
        (email, person.first_name, person.last_name, passwords.settled.get(job) or None)
    )
    if generated:
        plan.credentials.append((email, person.first_name, person.last_name, person.role, password))


def _kept_message(email: str, actor: Actor) -> str:
    if actor.restricted:  # says nothing about where else the account is, or whether it is
        return f"{email} already has an account of their own, so its name and password were left as they are (they keep signing in with their current password)"
    return f"{email} already has an account through another school, so its name and password were left as they are"


def involved(
    school: School, people: Sequence[UploadPerson], school_ids: dict[str, str]
) -> set[str]:
    """Every school the file writes to."""
    named = set(chain.from_iterable(person.schools for person in people))
    return {school.id, *(school_ids[name] for name in named)}
