"""Who is asking, and what they may see and change: one rule for every surface that signs
people in (the HTTP API's bearer tokens, the web console's sessions).

A :class:`Principal` is built once per request by the surface (from a token, or from a console
session) and then asked the same questions everywhere: may they see this school
(:meth:`Principal.sees_school`), do they hold one of these roles (:meth:`Principal.require`),
and which :class:`~hub.actors.Actor` do they act as when a service writes.

Look-ups through :func:`visible_school`, :func:`visible_integration` and :func:`visible_run`
fail with :class:`NotVisible` both for an id that does not exist and for one in a school the
principal may not see, with the same words, so nobody can learn which ids exist elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from sqlmodel import select

from hub.actors import Actor
from hub.context import Hub
from hub.errors import UsageError
from hub.models import District, Integration, Room, RoomFolder, Run, School, Upload
from hub.tokens import DISTRICT_IT, SCHOOL_ADMIN, SUPPORT

_SchoolRow = TypeVar("_SchoolRow", Upload, Room, RoomFolder)

WRITERS = (DISTRICT_IT,)
OPERATORS = (DISTRICT_IT, SUPPORT)
EVERYONE = (DISTRICT_IT, SUPPORT, SCHOOL_ADMIN)


class NotVisible(UsageError):
    """An id that does not exist, or that the principal may not see (indistinguishable)."""


class NotAllowed(UsageError):
    """The principal sees the thing but their role may not do this to it."""


@dataclass(frozen=True, slots=True)
class Principal:
    """``schools`` None means every school; otherwise exactly the schools they may see.
    ``school_id`` is a school admin's own school (the one their token or sign-in names)."""

    name: str
    role: str
    schools: frozenset[str] | None = None
    school_id: str | None = None
    district_id: str | None = None

    @property
    def actor(self) -> str:
        """What the audit log records."""
        return self.name

    def sees_school(self, school_id: str | None) -> bool:
        return school_id is not None and (self.schools is None or school_id in self.schools)

    def sees_integration(self, integration: Integration) -> bool:
        """A school's integration with its school; a district integration (whose runs span
        every linked school) only by staff of every district or of that district."""
        if integration.district_id is None:
            return self.sees_school(integration.school_id)
        if self.role == SCHOOL_ADMIN:
            return False
        return self.schools is None or self.district_id == integration.district_id

    def sees_district(self, district_id: str) -> bool:
        if self.role == SCHOOL_ADMIN:
            return False
        return self.schools is None or self.district_id == district_id

    def may(self, *roles: str) -> bool:
        return self.role in roles

    def require(self, *roles: str) -> None:
        if self.role not in roles:
            msg = f"a {self.role} cannot do this"
            raise NotAllowed(msg)

    def as_actor(self) -> Actor:
        """This principal for the services that write."""
        if self.schools is None:
            return Actor.everywhere(self.name)
        return Actor.at(self.name, self.schools)


def scope_for(
    hub: Hub, *, role: str, school_ids: Iterable[str] = (), district_id: str | None = None
) -> frozenset[str] | None:
    """The schools a role may see: a school admin their own; district-scoped staff the
    schools of their district; other staff every school. The ONE place this rule lives."""
    if role == SCHOOL_ADMIN:
        return frozenset(school_ids)
    if district_id is not None:
        return schools_in_district(hub, district_id)
    return None


def schools_in_district(hub: Hub, district_id: str) -> frozenset[str]:
    """The schools of a district (none for an unknown district: closed, never open)."""
    with hub.session() as session:
        rows = session.exec(select(School.id).where(School.district_id == district_id))
        return frozenset(rows)


def _unknown(kind: str, ref: str) -> NotVisible:
    return NotVisible(f"unknown {kind} '{ref}'")


def _in_visible_school(
    hub: Hub, principal: Principal, model: type[_SchoolRow], row_id: str, *, kind: str
) -> _SchoolRow:
    """A row that belongs to one school, if the principal sees that school; otherwise the
    same answer as an id that does not exist."""
    with hub.session() as session:
        row = session.get(model, row_id)
    if row is None or not principal.sees_school(row.school_id):
        raise _unknown(kind=kind, ref=row_id)
    return row


def visible_school(hub: Hub, principal: Principal, school_id: str) -> School:
    with hub.session() as session:
        school = session.get(School, school_id)
    if school is None or not principal.sees_school(school.id):
        raise _unknown(kind="school", ref=school_id)
    return school


def visible_integration(hub: Hub, principal: Principal, integration_id: str) -> Integration:
    with hub.session() as session:
        integration = session.get(Integration, integration_id)
    if integration is None or not principal.sees_integration(integration):
        raise _unknown(kind="integration", ref=integration_id)
    return integration


def visible_district(hub: Hub, principal: Principal, district_id: str) -> District:
    with hub.session() as session:
        district = session.get(District, district_id)
    if district is None or not principal.sees_district(district.id):
        raise _unknown(kind="district", ref=district_id)
    return district


def visible_run(hub: Hub, principal: Principal, run_id: str) -> Run:
    with hub.session() as session:
        run = session.get(Run, run_id)
        integration = session.get(Integration, run.integration_id) if run is not None else None
    if run is None or integration is None or not principal.sees_integration(integration):
        raise _unknown(kind="run", ref=run_id)
    return run


def visible_upload(hub: Hub, principal: Principal, upload_id: str) -> Upload:
    return _in_visible_school(hub, principal, Upload, upload_id, kind="upload")


def visible_change_set(hub: Hub, principal: Principal, ref: str) -> str:
    """A run or an upload the principal sees (what undo takes), by its id."""
    if ref.startswith("upl_"):
        return visible_upload(hub, principal, ref).id
    return visible_run(hub, principal, ref).id


def visible_room(hub: Hub, principal: Principal, room_id: str) -> Room:
    return _in_visible_school(hub, principal, Room, room_id, kind="room")


def visible_folder(hub: Hub, principal: Principal, folder_id: str) -> RoomFolder:
    return _in_visible_school(hub, principal, RoomFolder, folder_id, kind="folder")
