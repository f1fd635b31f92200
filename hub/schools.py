"""Schools: the places accounts belong to."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from hub import audit
from hub.context import Hub
from hub.errors import UsageError
from hub.models import District, School


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        msg = f"unknown time zone '{name}' (use an IANA name such as America/Chicago)"
        raise UsageError(msg) from None
    return name


def create_school(
    hub: Hub,
    *,
    name: str,
    timezone: str = "America/New_York",
    district_id: str | None = None,
    actor: str,
) -> School:
    name = " ".join(name.split())
    if not name:
        msg = "a school needs a name"
        raise UsageError(msg)
    school = School(name=name, timezone=_check_timezone(timezone.strip()), district_id=district_id)
    try:
        with hub.transaction() as session:
            if district_id is not None and session.get(District, district_id) is None:
                msg = f"unknown district '{district_id}'"
                raise UsageError(msg)
            session.add(school)
            audit.record(session, actor=actor, action="school.create", target=school.id, name=name)
    except IntegrityError:
        msg = f"a school named '{name}' already exists"
        raise UsageError(msg) from None
    return school


def get_school(hub: Hub, school_id: str) -> School:
    with hub.session() as session:
        school = session.get(School, school_id)
    if school is None:
        msg = f"unknown school '{school_id}'"
        raise UsageError(msg)
    return school


def resolve_school(hub: Hub, ref: str) -> School:
    """A school by id or by its exact name."""
    ref = ref.strip()
    with hub.session() as session:
        school = (
            session.get(School, ref)
            or session.exec(select(School).where(School.name == ref)).first()
        )
    if school is None:
        msg = f"unknown school '{ref}' (give its id or exact name; see 'rosterhub school list')"
        raise UsageError(msg)
    return school


def list_schools(
    hub: Hub, *, only_school_id: str | None = None, district_id: str | None = None
) -> list[School]:
    with hub.session() as session:
        query = select(School).order_by(School.name)
        if only_school_id is not None:
            query = query.where(School.id == only_school_id)
        if district_id is not None:
            query = query.where(School.district_id == district_id)
        return list(session.exec(query))


def school_json(school: School) -> dict[str, Any]:
    """:class:`hub.schema.SchoolOut` as a plain document."""
    from hub.schema import SchoolOut  # the shapes load when one is shown, not for every command

    return SchoolOut.from_row(school).model_dump()
