"""Districts: schools that one district integration feeds from one read of the provider.

A district integration holds the credentials and the provider-wide settings; each of its
links (:class:`hub.models.IntegrationLink`) holds one hub school's selection, in the
provider's own terms (:attr:`hub.provider.Provider.link_keys`: Clever ``schools``, ClassLink
``orgs``, Google OUs and groups). A school can be linked only to an integration of its own
district. Unlinking stops feeding the school without silently removing anyone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from hub import audit
from hub.context import Hub
from hub.errors import ConfigError, UsageError
from hub.models import (
    DEACTIVATED,
    MANUAL,
    District,
    Integration,
    IntegrationLink,
    Membership,
    School,
    utcnow,
)
from hub.provider import Provider, ProviderSettings
from hub.run_history import refuse_while_active


def create_district(hub: Hub, *, name: str, actor: str) -> District:
    name = " ".join(name.split())
    if not name:
        msg = "a district needs a name"
        raise UsageError(msg)
    district = District(name=name)
    try:
        with hub.transaction() as session:
            session.add(district)
            audit.record(
                session, actor=actor, action="district.create", target=district.id, name=name
            )
    except IntegrityError:
        msg = f"a district named '{name}' already exists"
        raise UsageError(msg) from None
    return district


def resolve_district(hub: Hub, ref: str) -> District:
    """A district by id or by its exact name."""
    ref = ref.strip()
    with hub.session() as session:
        district = (
            session.get(District, ref)
            or session.exec(select(District).where(District.name == ref)).first()
        )
    if district is None:
        msg = f"unknown district '{ref}' (give its id or exact name; see 'rosterhub district list')"
        raise UsageError(msg)
    return district


def list_districts(hub: Hub, *, only_district_id: str | None = None) -> list[District]:
    with hub.session() as session:
        query = select(District).order_by(District.name)
        if only_district_id is not None:
            query = query.where(District.id == only_district_id)
        return list(session.exec(query))


def district_schools(hub: Hub, district_id: str) -> list[str]:
    with hub.session() as session:
        rows = session.exec(
            select(School.id).where(School.district_id == district_id).order_by(School.name)
        )
        return list(rows)


def district_json(hub: Hub, district: District) -> dict[str, Any]:
    return {
        "id": district.id,
        "name": district.name,
        "schools": district_schools(hub, district.id),
    }


def links_of(hub: Hub, integration_id: str) -> dict[str, dict[str, Any]]:
    """A district integration's links: hub school id -> that school's selection."""
    with hub.session() as session:
        rows = session.exec(
            select(IntegrationLink)
            .where(IntegrationLink.integration_id == integration_id)
            .order_by(col(IntegrationLink.id))
        )
        return {row.school_id: dict(row.settings) for row in rows}


def integrations_feeding(hub: Hub, school_id: str) -> list[Integration]:
    """The integrations that feed a school: its own, and the district ones linked to it."""
    with hub.session() as session:
        linked = select(IntegrationLink.integration_id).where(
            IntegrationLink.school_id == school_id
        )
        query = (
            select(Integration)
            .where((col(Integration.school_id) == school_id) | col(Integration.id).in_(linked))
            .order_by(col(Integration.created_at), col(Integration.id))
        )
        return list(session.exec(query))


def refuse_link_keys(cls: type[Provider], settings: dict[str, Any]) -> None:
    """A district integration's own settings hold no per-school selection."""
    chosen = [
        key for key, value in settings.items() if key in cls.link_keys and value not in (None, "")
    ]
    if chosen:
        keys = ", ".join(f"'{key}'" for key in chosen)
        msg = (
            f"{cls.name}: {keys} is chosen per school in a district integration; give it with "
            "'rosterhub integration link INTEGRATION --school SCHOOL --set KEY=VALUE'"
        )
        raise ConfigError(msg)


def parse_links(
    hub: Hub, integration: Integration, links: dict[str, dict[str, Any]]
) -> dict[str, ProviderSettings]:
    """Each link's selection laid over the integration's settings and secrets, validated."""
    cls = hub.registry.get(integration.provider)
    base = {**integration.settings, **hub.vault.decrypt_json(integration.secrets)}
    return {school: cls.parse_settings({**base, **chosen}) for school, chosen in links.items()}


def selection_values(value: Any) -> list[str]:
    """The values of one selection setting, given as a list or as comma-separated text."""
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def _refuse_taken(
    session: Any,
    cls: type[Provider],
    integration_id: str,
    school: School,
    chosen: dict[str, Any],
) -> None:
    """One of the provider's schools (a Clever school, a ClassLink org) feeds one hub school:
    a value of an exclusive link key already linked to another school is refused."""
    wanted = {
        key: {v.lower(): v for v in selection_values(chosen.get(key))}
        for key in cls.exclusive_link_keys
        if chosen.get(key)
    }
    if not wanted:
        return
    others = session.exec(
        select(IntegrationLink, School.name)
        .join(School, col(School.id) == col(IntegrationLink.school_id))
        .where(
            IntegrationLink.integration_id == integration_id,
            IntegrationLink.school_id != school.id,
        )
    )
    for link, name in others:
        for key, values in wanted.items():
            taken = {v.lower() for v in selection_values(link.settings.get(key))} & set(values)
            if taken:
                value = values[min(taken)]
                msg = (
                    f"{cls.name}: '{value}' ({key}) already feeds school '{name}'; one of "
                    f"{cls.title}'s schools feeds one school: unlink it there first, or "
                    "choose another"
                )
                raise UsageError(msg)


def _district_integration(hub: Hub, integration_id: str) -> Integration:
    with hub.session() as session:
        integration = session.get(Integration, integration_id.strip())
    if integration is None:
        msg = f"unknown integration '{integration_id}' (see 'rosterhub integration list')"
        raise UsageError(msg)
    if integration.district_id is None:
        msg = (
            f"integration '{integration.id}' belongs to one school; only a district "
            "integration ('integration add --district') links schools"
        )
        raise UsageError(msg)
    return integration


def link_school(
    hub: Hub, integration_id: str, *, school: School, settings: dict[str, Any], actor: str
) -> dict[str, Any]:
    """Link (or re-link, replacing the selection) a school of the integration's district."""
    integration = _district_integration(hub, integration_id)
    if school.district_id != integration.district_id:
        msg = (
            f"school '{school.name}' is not in the integration's district; add it with "
            "'rosterhub school add NAME --district DISTRICT'"
        )
        raise UsageError(msg)
    cls = hub.registry.get(integration.provider)
    chosen = {k: v for k, v in settings.items() if v not in (None, "")}
    unknown = [key for key in chosen if key not in cls.link_keys]
    if unknown:
        known = ", ".join(cls.link_keys) or "none"
        msg = f"{cls.name}: '{unknown[0]}' is not a per-school setting (per-school: {known})"
        raise ConfigError(msg)
    if not chosen:
        msg = f"{cls.name}: a link needs a selection: set one of {', '.join(cls.link_keys)}"
        raise ConfigError(msg)
    parse_links(hub, integration, {school.id: chosen})
    with hub.transaction() as session:
        _refuse_taken(session, cls, integration.id, school, chosen)
        row = session.exec(
            select(IntegrationLink).where(
                IntegrationLink.integration_id == integration.id,
                IntegrationLink.school_id == school.id,
            )
        ).first()
        if row is None:
            row = IntegrationLink(integration_id=integration.id, school_id=school.id)
        row.settings = chosen
        session.add(row)
        session.get(Integration, integration.id).updated_at = utcnow()
        audit.record(
            session,
            actor=actor,
            action="integration.link",
            target=integration.id,
            school_id=school.id,
            settings=sorted(chosen),
        )
    return {"integration_id": integration.id, "school_id": school.id, "settings": chosen}


def unlink_school(
    hub: Hub, integration_id: str, *, school: School, deactivate: bool, actor: str
) -> dict[str, Any]:
    """Stop feeding a school. Without ``deactivate`` its memberships stay as they are, no
    longer owned by the integration (source ``manual``); with it they are deactivated (never
    deleted) and stay the integration's, so a later re-link reactivates whoever returns."""
    integration = _district_integration(hub, integration_id)
    with hub.transaction() as session:
        refuse_while_active(session, integration.id)
        row = session.exec(
            select(IntegrationLink).where(
                IntegrationLink.integration_id == integration.id,
                IntegrationLink.school_id == school.id,
            )
        ).first()
        if row is None:
            msg = f"integration '{integration.id}' does not feed school '{school.name}'"
            raise UsageError(msg)
        owned = (col(Membership.integration_id) == integration.id) & (
            col(Membership.school_id) == school.id
        )
        now = utcnow()
        count = 0
        if deactivate:
            count = session.execute(
                update(Membership)
                .where(owned & (col(Membership.status) != DEACTIVATED))
                .values(status=DEACTIVATED, updated_at=now)
            ).rowcount
        else:
            session.execute(
                update(Membership)
                .where(owned)
                .values(integration_id=None, source=MANUAL, record_hash=None, updated_at=now)
            )
        session.delete(row)
        audit.record(
            session,
            actor=actor,
            action="integration.unlink",
            target=integration.id,
            school_id=school.id,
            deactivated=count,
        )
    return {"integration_id": integration.id, "school_id": school.id, "deactivated": int(count)}
