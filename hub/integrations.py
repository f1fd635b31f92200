"""Integrations: a school (or a district) connected to one provider, with its settings and encrypted secrets.

Settings arrive as text (``--set KEY=VALUE``, JSON bodies). The keys every integration takes
(``schedule``, ``max_deactivate_percent``, ``admin_implies_teacher``) are the hub's; the rest
are validated by the provider's settings model. Secret keys travel only through ``secrets``,
are stored encrypted, and are never returned. A change to a setting that decides where the
secrets are sent (:data:`hub.provider.DESTINATION`) needs the secrets given again with it, and
what a provider answers is scrubbed of the secrets (:mod:`hub.scrub`) before it is shown.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, update
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, col, select

from hub import audit
from hub.context import Hub
from hub.districts import integrations_feeding, links_of, refuse_link_keys
from hub.errors import ConfigError, HubError, UsageError
from hub.models import (
    District,
    Integration,
    IntegrationLink,
    Membership,
    Run,
    RunIssue,
    School,
    utcnow,
)
from hub.provider import Provider
from hub.run_history import refuse_while_active
from hub.schedule import DEFAULT_SCHEDULE, normalize_schedule
from hub.schema import IntegrationOut
from hub.schools import get_school
from hub.scrub import Scrubber
from hub.vault import ENCRYPTED

COMMON_KEYS = ("schedule", "max_deactivate_percent", "admin_implies_teacher")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def _as_bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    msg = f"setting '{key}': expected true or false"
    raise ConfigError(msg)


def _as_percent(key: str, value: Any) -> float:
    try:
        number = float(str(value).strip().rstrip("%"))
    except ValueError:
        msg = f"setting '{key}': expected a number from 0 to 100"
        raise ConfigError(msg) from None
    if not 0 <= number <= 100:
        msg = f"setting '{key}': expected a number from 0 to 100"
        raise ConfigError(msg)
    return number


def _split_common(settings: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    common: dict[str, Any] = {}
    own: dict[str, Any] = {}
    for key, value in settings.items():
        (common if key in COMMON_KEYS else own)[key] = value
    if "schedule" in common:
        common["schedule"] = normalize_schedule(str(common["schedule"]))
    if "max_deactivate_percent" in common:
        common["max_deactivate_percent"] = _as_percent(
            "max_deactivate_percent", common["max_deactivate_percent"]
        )
    if "admin_implies_teacher" in common:
        common["admin_implies_teacher"] = _as_bool(
            "admin_implies_teacher", common["admin_implies_teacher"]
        )
    return common, own


def _validate(cls: type[Provider], settings: dict[str, Any], secrets: dict[str, Any]) -> None:
    secret_keys = set(cls.secret_keys())
    for key in settings:
        if key in secret_keys:
            msg = f"{cls.name}: '{key}' is a secret; pass it with --secret (it is stored encrypted)"
            raise ConfigError(msg)
    for key in secrets:
        if key not in secret_keys:
            known = ", ".join(sorted(secret_keys)) or "none"
            msg = f"{cls.name}: '{key}' is not a secret setting (secrets: {known}); pass it with --set"
            raise ConfigError(msg)
    cls.parse_settings({**settings, **secrets})


def create_integration(
    hub: Hub,
    *,
    school_id: str | None = None,
    district_id: str | None = None,
    provider: str,
    settings: dict[str, Any],
    secrets: dict[str, Any],
    actor: str,
) -> Integration:
    """A one-school integration (``school_id``) or a district one (``district_id``), whose
    schools are linked afterwards (:func:`hub.districts.link_school`)."""
    if (school_id is None) == (district_id is None):
        msg = "an integration belongs to a school or to a district: give exactly one of them"
        raise UsageError(msg)
    school = get_school(hub, school_id) if school_id is not None else None
    if district_id is not None:
        with hub.session() as session:
            if session.get(District, district_id) is None:
                msg = f"unknown district '{district_id}'"
                raise UsageError(msg)
    cls = hub.registry.get(provider)
    common, own = _split_common(settings)
    secrets = {k: v for k, v in secrets.items() if v not in (None, "")}
    if district_id is not None:
        if not cls.link_keys:
            msg = f"{cls.name}: this provider cannot feed a district"
            raise ConfigError(msg)
        refuse_link_keys(cls, own)
    _validate(cls, own, secrets)
    integration = Integration(
        school_id=school.id if school is not None else None,
        district_id=district_id,
        provider=cls.name,
        settings=own,
        secrets=hub.vault.encrypt_json(secrets) if secrets else None,
        schedule=common.get("schedule", DEFAULT_SCHEDULE),
        max_deactivate_percent=common.get("max_deactivate_percent", 10.0),
        admin_implies_teacher=common.get("admin_implies_teacher", True),
    )
    with hub.transaction() as session:
        session.add(integration)
        audit.record(
            session,
            actor=actor,
            action="integration.create",
            target=integration.id,
            school_id=integration.school_id,
            district_id=district_id,
            provider=cls.name,
            settings=sorted(settings),
            secrets=sorted(secrets),
        )
    return integration


def get_integration(hub: Hub, integration_id: str) -> Integration:
    with hub.session() as session:
        integration = session.get(Integration, integration_id.strip())
    if integration is None:
        msg = f"unknown integration '{integration_id}' (see 'rosterhub integration list')"
        raise UsageError(msg)
    return integration


def list_integrations(
    hub: Hub, *, school_id: str | None = None, district_id: str | None = None
) -> list[Integration]:
    """Every integration; or those feeding one school (its own and the district ones linked
    to it); or those of one district (its district integrations and its schools' own)."""
    if school_id is not None:
        return integrations_feeding(hub, school_id)
    with hub.session() as session:
        query = select(Integration).order_by(col(Integration.created_at), col(Integration.id))
        if district_id is not None:
            schools = select(School.id).where(School.district_id == district_id)
            query = query.where(
                (col(Integration.district_id) == district_id)
                | col(Integration.school_id).in_(schools)
            )
        return list(session.exec(query))


def update_integration(
    hub: Hub,
    integration_id: str,
    *,
    settings: dict[str, Any] | None = None,
    secrets: dict[str, Any] | None = None,
    enabled: bool | None = None,
    actor: str,
) -> Integration:
    """Merge changed settings/secrets; an empty value removes a setting or secret."""
    current = get_integration(hub, integration_id)
    cls = hub.registry.get(current.provider)
    common, own = _split_common(settings or {})
    merged = {**current.settings, **own}
    merged = {k: v for k, v in merged.items() if v not in (None, "")}
    before = hub.vault.decrypt_json(current.secrets)
    stored = {**before, **(secrets or {})}
    stored = {k: v for k, v in stored.items() if v not in (None, "")}
    if current.district_id is not None:
        refuse_link_keys(cls, own)
    _validate(cls, merged, stored)
    _check_destination(cls, (current.settings, before), (merged, stored), secrets or {})
    with hub.transaction() as session:
        integration = session.get(Integration, current.id)
        assert integration is not None
        integration.settings = merged
        integration.secrets = hub.vault.encrypt_json(stored) if stored else None
        for key, value in common.items():
            setattr(integration, key, value)
        if enabled is not None:
            integration.enabled = enabled
        integration.updated_at = utcnow()
        session.add(integration)
        audit.record(
            session,
            actor=actor,
            action="integration.update",
            target=integration.id,
            settings=sorted(settings or {}),
            secrets=sorted(secrets or {}),
            enabled=enabled,
        )
    return get_integration(hub, current.id)


def _check_destination(
    cls: type[Provider],
    before: tuple[dict[str, Any], dict[str, Any]],
    after: tuple[dict[str, Any], dict[str, Any]],
    given: dict[str, Any],
) -> None:
    """Refuse to point stored secrets at a new server: whoever can change ``base_url`` could
    otherwise collect a token they were never shown. Changing a destination setting is
    allowed only when every secret that stays stored is given again in the same change."""
    changed = [
        key
        for key in cls.destination_keys()
        if _destination(cls, before, key) != _destination(cls, after, key)
    ]
    if not changed:
        return
    fresh = {key for key, value in given.items() if value not in (None, "")}
    missing = sorted(key for key in after[1] if key not in fresh)
    if missing:
        settings = ", ".join(f"'{key}'" for key in changed)
        again = ", ".join(f"'{key}'" for key in missing)
        msg = (
            f"{cls.name}: setting {settings} decides where the secrets are sent; give the "
            f"secret(s) {again} again in the same request to change it"
        )
        raise ConfigError(msg)


def _destination(
    cls: type[Provider], values: tuple[dict[str, Any], dict[str, Any]], key: str
) -> Any:
    """The value a destination setting takes (after the provider's own normalisation, so
    ``https://x/`` and ``https://x`` are the same place)."""
    settings, secrets = values
    try:
        return getattr(cls.parse_settings({**settings, **secrets}), key)
    except ConfigError:
        return settings.get(key)


def scrubber_for(hub: Hub, integration: Integration | str) -> Scrubber:
    """What removes this integration's secrets from text its provider produced (credential
    shapes only, for an integration that is gone)."""
    if isinstance(integration, str):
        with hub.session() as session:
            found = session.get(Integration, integration)
        if found is None:
            return Scrubber()
        integration = found
    try:
        stored = hub.vault.decrypt_json(integration.secrets)
    except HubError:
        stored = {}  # undecryptable: nothing readable to leak, and the failure must be recorded
    return Scrubber.for_values(stored, integration.settings)


def delete_integration(hub: Hub, integration_id: str, *, actor: str) -> None:
    """Remove an integration and its run history. The accounts it synced stay as they are
    (their memberships keep their source but no longer have an owner that syncs them)."""
    integration = get_integration(hub, integration_id)
    with hub.transaction() as session:
        refuse_while_active(session, integration.id)
        run_ids = select(Run.id).where(Run.integration_id == integration.id)
        session.execute(delete(RunIssue).where(col(RunIssue.run_id).in_(run_ids)))
        session.execute(delete(Run).where(col(Run.integration_id) == integration.id))
        session.execute(
            delete(IntegrationLink).where(col(IntegrationLink.integration_id) == integration.id)
        )
        session.execute(
            update(Membership)
            .where(col(Membership.integration_id) == integration.id)
            .values(integration_id=None)
        )
        session.execute(delete(Integration).where(col(Integration.id) == integration.id))
        audit.record(
            session,
            actor=actor,
            action="integration.delete",
            target=integration.id,
            school_id=integration.school_id,
        )


def build_provider(hub: Hub, integration: Integration) -> Provider:
    cls = hub.registry.get(integration.provider)
    values = {**integration.settings, **hub.vault.decrypt_json(integration.secrets)}
    return cls(cls.parse_settings(values))


def check_integration(hub: Hub, integration_id: str) -> dict[str, Any]:
    """The provider's own verdict, scrubbed: a check answers whoever runs the server."""
    integration = get_integration(hub, integration_id)
    scrub = scrubber_for(hub, integration)
    try:
        provider = build_provider(hub, integration)
        try:
            result = provider.check()
        finally:
            provider.close()
    except HubError as exc:
        return {"ok": False, "message": scrub(str(exc)), "sources": []}
    return {
        "ok": result.ok,
        "message": scrub(result.message),
        "sources": [
            {k: scrub(v) if isinstance(v, str) else v for k, v in source.as_dict().items()}
            for source in result.sources
        ],
    }


def integration_out(hub: Hub, integration: Integration) -> IntegrationOut:
    """An integration with its last run (:class:`hub.schema.IntegrationOut`); which secrets
    are set, never their values."""
    with hub.session() as session:
        last = session.exec(
            select(Run)
            .where(Run.integration_id == integration.id)
            .order_by(col(Run.created_at).desc())
            .limit(1)
        ).first()
    cls = hub.registry.get(integration.provider)
    stored = hub.vault.decrypt_json(integration.secrets) if integration.secrets else {}
    links = links_of(hub, integration.id) if integration.district_id is not None else {}
    return IntegrationOut.from_row(
        integration,
        last_run=last,
        secrets_set=[k for k in cls.secret_keys() if k in stored],
        links=links,
    )


def integration_json(hub: Hub, integration: Integration) -> dict[str, Any]:
    """:func:`integration_out` as a plain document (the CLI's ``--json``)."""
    return integration_out(hub, integration).model_dump()


def rotate_keys(hub: Hub, *, actor: str = "cli") -> int:
    """Re-encrypt every stored secret with the newest key; returns how many were rewritten."""
    count = 0
    with hub.transaction() as session:
        for table_name, column_name in ENCRYPTED:
            table = SQLModel.metadata.tables[table_name]
            column = table.c[column_name]
            held = session.execute(sa_select(table.c.id, column).where(column.is_not(None)))
            for row_id, value in held.tuples().all():
                session.execute(
                    update(table)
                    .where(table.c.id == row_id)
                    .values({column_name: _rotated(hub, value)})
                )
                count += 1
        audit.record(session, actor=actor, action="keys.rotate", count=count)
    return count


def _rotated(hub: Hub, value: str | bytes) -> str | bytes:
    """``value`` re-encrypted with the newest key, as the column keeps it (text, or the ASCII
    bytes of a file's token)."""
    if isinstance(value, bytes):
        return hub.vault.rotate(value.decode("ascii")).encode("ascii")
    return hub.vault.rotate(value)
