"""Where rostering meets rooms: a sync that deactivates a teacher (or takes away their staff
role) leaves their rooms with one approver fewer, and possibly none.

:func:`room_warnings` is called once by the run executor on every plan before it ends
(:mod:`hub.runs.execution`): for each teacher the plan deactivates or turns into a student who
is in rooms, one warning issue naming those rooms, and saying which are left with no teacher
while their restrictions send passes to the room's teachers. Uploads never deactivate anyone,
so only runs can. Read-only: one query for the plan's people, one per school for the rooms.
"""

from __future__ import annotations

from sqlalchemy import select

from hub.context import Hub
from hub.engine.plan import Plan
from hub.issues import Issue
from hub.models import Account, Membership, RoomTeacher
from hub.rooms.queries import load_layout, needs_teacher
from hub.roster import STAFF_ROLES, roles_list

_account = Account.__table__  # type: ignore[attr-defined]
_membership = Membership.__table__  # type: ignore[attr-defined]
_teacher = RoomTeacher.__table__  # type: ignore[attr-defined]


def _leaving(plan: Plan) -> dict[int, str]:
    """Membership ids the plan deactivates or strips of staff roles -> why."""
    leaving = {d.membership_id: "deactivated" for d in plan.deactivations}
    for change in plan.membership_updates:
        if change.status != "active":
            leaving[change.membership_id] = "deactivated"
        elif not set(roles_list(change.roles)) & STAFF_ROLES:
            leaving[change.membership_id] = "no longer a teacher or admin"
    return leaving


def room_warnings(hub: Hub, plan: Plan) -> list[Issue]:
    """One warning per leaving teacher who is in rooms, naming the rooms."""
    leaving = _leaving(plan)
    if not leaving:
        return []
    with hub.engine.connect() as conn:
        staff = conn.execute(
            select(
                _membership.c.id, _membership.c.account_id, _membership.c.roles, _account.c.email
            )
            .join(_account, _account.c.id == _membership.c.account_id)
            .where(_membership.c.id.in_(sorted(leaving)), _membership.c.school_id == plan.school_id)
        ).all()
        people = {
            row.account_id: (row.email, leaving[row.id])
            for row in staff
            if set(roles_list(row.roles)) & STAFF_ROLES
        }
        if not people:
            return []
        placed = conn.execute(
            select(_teacher.c.room_id, _teacher.c.account_id).where(
                _teacher.c.account_id.in_(sorted(people))
            )
        ).all()
        if not placed:
            return []
        layout = load_layout(conn, plan.school_id)
    rooms = {room.id: room for room in layout.rooms}
    gone = {people[a][0] for a in people}
    issues: list[Issue] = []
    by_person: dict[int, list[str]] = {}
    for room_id, account_id in placed:
        if room_id in rooms:
            by_person.setdefault(account_id, []).append(room_id)
    for account_id, room_ids in sorted(by_person.items(), key=lambda item: people[item[0]][0]):
        email, why = people[account_id]
        names = sorted(rooms[r].name for r in room_ids)
        stranded = sorted(
            rooms[r].name
            for r in room_ids
            if needs_teacher(rooms[r], [e for e in layout.teachers.get(r, []) if e not in gone])
        )
        message = f"{email} is {why} and is a teacher in the room(s) {', '.join(names)}"
        if stranded:
            message += (
                f"; {', '.join(stranded)} will have no teacher to approve passes, while "
                "their restrictions send passes to the room's teachers"
            )
        issues.append(Issue("warning", message, email=email))
    return issues
