"""The ClassLink provider: a OneRoster 1.1 REST roster behind ClassLink Roster Server.

People come from ``/users`` (one stream for every role, so administrators and aides are
included: the school-scoped ``/schools/{id}/students|teachers`` endpoints have no
administrators). With ``orgs`` set, users are kept when one of their orgs is a selected org or
one of its sub-orgs; a user in several selected orgs is still one record.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from hub.errors import ConfigError, CursorExpired, ProviderError
from hub.provider import CheckResult, Provider, ProviderSettings, Sandbox, Source
from hub.roster import Cursor, Item, LinkedItem, RosterRecord, Routed, Skip, normalize_email
from plugins.classlink.mapping import external_id, map_user, user_orgs
from plugins.classlink.settings import ClassLinkSettings

if TYPE_CHECKING:
    from plugins.classlink.client import OneRosterClient

CURSOR_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
CLOCK_MARGIN = timedelta(minutes=2)
"""The cursor is set this far before the run started, so a change saved while the run read the
roster, or a little clock difference with the server, is read again rather than missed."""
MAX_CURSOR_AGE = timedelta(days=7)
"""Older cursors trigger a full run: servers do not keep ``tobedeleted`` users for ever."""


def format_cursor(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(CURSOR_FORMAT)


def parse_cursor(value: str) -> datetime:
    try:
        return datetime.strptime(value, CURSOR_FORMAT).replace(tzinfo=UTC)
    except (TypeError, ValueError):
        msg = f"the stored ClassLink cursor {value!r} is not a UTC time; a full sync is needed"
        raise CursorExpired(msg) from None


class OneRosterProvider(Provider):
    name = "classlink"
    title = "ClassLink (OneRoster)"
    Settings = ClassLinkSettings
    link_keys = ("orgs",)
    exclusive_link_keys = ("orgs",)

    def __init__(self, settings: ProviderSettings) -> None:
        super().__init__(settings)
        self.config = cast(ClassLinkSettings, settings)
        self._client: OneRosterClient | None = None

    @property
    def client(self) -> OneRosterClient:
        if self._client is None:
            # deferred for start-up: registering the plugin need not load httpx
            from plugins.classlink.client import OneRosterClient

            self._client = OneRosterClient(self.config)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)

    # -- what the district sees ----------------------------------------------------------
    @property
    def tenant_label(self) -> str:
        if self.config.tenant_name:
            return f"'{self.config.tenant_name}' ({self.config.tenant_id})"
        return self.config.tenant_id

    def _orgs(self) -> list[dict[str, Any]]:
        return list(self.client.collection("orgs", key="orgs"))

    def sources(self) -> list[Source]:
        return [_source(org) for org in self._orgs() if org.get("sourcedId")]

    def check(self) -> CheckResult:
        try:
            orgs = self._orgs()
            self.client.first("users", key="users")
            scope = _scope(self.config.orgs, orgs)
        except ProviderError as exc:
            return CheckResult(ok=False, message=str(exc))
        sources = [_source(org) for org in orgs if org.get("sourcedId")]
        schools = sum(1 for org in orgs if str(org.get("type", "")).lower() == "school")
        message = (
            f"Connected to ClassLink tenant {self.tenant_label}: {len(orgs)} orgs visible "
            f"({schools} schools)"
        )
        if scope is not None:
            message += (
                f"; syncing {len(self.config.orgs)} selected org(s), {len(scope)} with sub-orgs"
            )
        return CheckResult(ok=True, message=message, sources=sources)

    # -- the roster -----------------------------------------------------------------------
    @property
    def incremental(self) -> bool:
        return self.config.incremental

    def _selected(self) -> frozenset[str] | None:
        if not self.config.orgs:
            return None
        return _scope(self.config.orgs, self._orgs())

    def fetch(self) -> Iterator[Item]:
        started = self.now()
        scope = self._selected()
        yield from self._users(scope, params={}, delta=False)
        yield Cursor(format_cursor(started - CLOCK_MARGIN))

    def fetch_changes(self, cursor: str) -> Iterator[Item]:
        since = parse_cursor(cursor)
        started = self.now()
        if started - since > MAX_CURSOR_AGE:
            msg = f"the ClassLink cursor {cursor} is older than {MAX_CURSOR_AGE.days} days; a full sync is needed"
            raise CursorExpired(msg)
        scope = self._selected()
        params = {"filter": f"dateLastModified>'{format_cursor(since)}'"}
        self.client.refused_status = None
        try:
            yield from self._users(scope, params=params, delta=True)
        except ProviderError as exc:
            if self.client.refused_status in (400, 422):
                msg = f"ClassLink did not accept the dateLastModified filter ({exc}); a full sync is needed"
                raise CursorExpired(msg) from exc
            raise
        yield Cursor(format_cursor(started - CLOCK_MARGIN))

    def fetch_linked(self, links: Mapping[str, ProviderSettings]) -> Iterator[LinkedItem]:
        """One walk of ``/users`` for every linked school: a user belongs to each school
        whose linked orgs (or their sub-orgs) hold one of the user's orgs, with the roles
        held there."""
        orgs = self._orgs()
        scopes: dict[str, frozenset[str]] = {}
        index: dict[str, list[str]] = {}
        for hub_school, settings in links.items():
            selected = cast(ClassLinkSettings, settings).orgs
            if not selected:
                msg = f"classlink: the link to school '{hub_school}' selects no org (setting: orgs)"
                raise ConfigError(msg)
            scope = _scope(selected, orgs)
            assert scope is not None
            scopes[hub_school] = scope
            for org in scope:
                index.setdefault(org, []).append(hub_school)
        tenant = self.config.tenant_id
        seen: set[str] = set()
        query = {"sort": "sourcedId", "orderBy": "asc"}
        for user in self.client.collection("users", key="users", params=query):
            sourced_id = str(user.get("sourcedId") or "")
            if sourced_id and sourced_id in seen:
                continue
            seen.add(sourced_id)
            targets: list[str] = []
            for org in user_orgs(user):
                targets.extend(s for s in index.get(org, ()) if s not in targets)
            if not sourced_id:
                unusable = map_user(user, tenant_id=tenant) if targets else None
                if isinstance(unusable, Skip):
                    yield unusable
                continue
            placed: dict[str, RosterRecord | Skip] = {}
            for hub_school in targets:
                item = map_user(user, tenant_id=tenant, scope=scopes[hub_school])
                if item is not None:
                    placed[hub_school] = item
            if placed:
                yield Routed(placed)

    def _users(
        self, scope: frozenset[str] | None, *, params: dict[str, str], delta: bool
    ) -> Iterator[Item]:
        seen: set[str] = set()
        query = {**params, "sort": "sourcedId", "orderBy": "asc"}
        tenant = self.config.tenant_id
        for user in self.client.collection("users", key="users", params=query):
            sourced_id = str(user.get("sourcedId") or "")
            if sourced_id and sourced_id in seen:
                continue  # rows shift under offset paging when data changes mid-read
            seen.add(sourced_id)
            item = map_user(user, tenant_id=tenant, scope=scope)
            if item is None and delta and sourced_id and scope is not None:
                # Changed, but no longer in the selected orgs: it left them. If the hub holds
                # this person for the school the membership is deactivated.
                email = user.get("email") if isinstance(user.get("email"), str) else None
                item = _left_scope(tenant, sourced_id, email, scope, user)
            if item is not None:
                yield item

    @classmethod
    def sandbox(cls, *, seed: int = 0) -> Sandbox:
        from plugins.classlink.sandbox import OneRosterSandbox

        server = OneRosterSandbox(seed=seed)
        return Sandbox(app=server, settings=server.settings_for, secrets=server.secrets())


def _left_scope(
    tenant: str, sourced_id: str, email: str | None, scope: frozenset[str], user: dict[str, Any]
) -> RosterRecord | None:
    if any(org in scope for org in user_orgs(user)):
        return None  # in scope but not a hub person (guardian, …)
    return RosterRecord(
        external_id=external_id(tenant, sourced_id), email=normalize_email(email), active=False
    )


def _source(org: dict[str, Any]) -> Source:
    kind = str(org.get("type") or "org")
    detail = kind
    if org.get("identifier"):
        detail += f", identifier {org['identifier']}"
    return Source(
        id=str(org["sourcedId"]),
        name=str(org.get("name") or org["sourcedId"]),
        kind="org",
        detail=detail,
        identifier=str(org["identifier"]) if org.get("identifier") else None,
    )


def _scope(selected: list[str], orgs: list[dict[str, Any]]) -> frozenset[str] | None:
    """The selected org sourcedIds and every org below them (a district selects its schools).

    An id the credentials cannot see is an error: syncing it would return nobody and
    deactivate everyone.
    """
    if not selected:
        return None
    known = {str(org.get("sourcedId")) for org in orgs if org.get("sourcedId")}
    missing = [org for org in selected if org not in known]
    if missing:
        listed = ", ".join(missing)
        msg = (
            f"ClassLink org(s) {listed} in the orgs setting are not visible to these credentials "
            f"({len(known)} orgs are); check the org sourcedIds in Roster Server"
        )
        raise ProviderError(msg)
    children: dict[str, set[str]] = {}
    for org in orgs:
        sid = str(org.get("sourcedId") or "")
        parent = org.get("parent")
        if isinstance(parent, dict) and parent.get("sourcedId"):
            children.setdefault(str(parent["sourcedId"]), set()).add(sid)
        for child in org.get("children") or []:
            if isinstance(child, dict) and child.get("sourcedId"):
                children.setdefault(sid, set()).add(str(child["sourcedId"]))
    scope: set[str] = set()
    pending = list(selected)
    while pending:
        current = pending.pop()
        if current in scope:
            continue
        scope.add(current)
        pending.extend(children.get(current, ()))
    return frozenset(scope)
