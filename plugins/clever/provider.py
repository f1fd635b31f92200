"""The Clever provider: a district's users from the Clever Data API v3.x, in full or as the
changes recorded in Clever's events since the last run."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from hub.errors import ConfigError, CursorExpired, ProviderError
from hub.provider import CheckResult, Provider, ProviderSettings, Sandbox, Source
from hub.roster import Cursor, Item, LinkedItem, RosterRecord, Skip
from plugins.clever.mapping import DistrictMapping, UserMapping, unwrap
from plugins.clever.settings import CleverSettings

if TYPE_CHECKING:
    import httpx

    from plugins.clever.client import CleverClient

USER_EVENTS = ("users.created", "users.updated", "users.deleted")


class CleverProvider(Provider):
    name = "clever"
    title = "Clever"
    Settings = CleverSettings
    link_keys = ("schools",)
    exclusive_link_keys = ("schools",)

    def __init__(
        self, settings: ProviderSettings, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        if not isinstance(settings, CleverSettings):
            msg = "clever: settings must be parsed with CleverProvider.parse_settings"
            raise ConfigError(msg)
        super().__init__(settings)
        self.config = settings
        self.mapping = UserMapping(
            staff_role=settings.staff_role, schools=frozenset(settings.schools)
        )
        self._transport = transport
        self._client: CleverClient | None = None

    @property
    def client(self) -> CleverClient:
        if self._client is None:
            # deferred for start-up: registering the plugin need not load httpx
            from plugins.clever.client import CleverClient

            self._client = CleverClient(
                self.config.base_url,
                token=self.config.token.get_secret_value(),
                api_version=self.config.api_version,
                page_size=self.config.page_size,
                transport=self._transport,
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- what a district IT person sees ----------------------------------------------------
    def check(self) -> CheckResult:
        try:
            districts = self.client.get("districts")["data"]
            if not districts:
                return CheckResult(False, "the Clever token sees no district; " + _RECONNECT)
            district = unwrap(districts[0])
            schools = self.sources()
            newest = self._newest_event_id() if self.incremental else None
        except ProviderError as exc:
            return CheckResult(False, str(exc))
        parts = [f"Clever district {district.get('name') or district.get('id') or '?'}"]
        if district.get("state"):
            parts.append(f"Clever sync state {district['state']}")
        if district.get("last_sync"):
            parts.append(f"last synced from the SIS {district['last_sync']}")
        parts.append(f"{len(schools)} school(s) visible")
        if self.incremental:
            parts.append(f"newest event {newest}" if newest else "no events yet")
        message = "; ".join(parts)
        visible = {s.id for s in schools}
        missing = [s for s in self.config.schools if s not in visible]
        if missing:
            message += (
                f"; school id(s) not shared with this application: {', '.join(missing)} "
                "(setting: schools)"
            )
            return CheckResult(False, message, schools)
        return CheckResult(True, message, schools)

    def sources(self) -> list[Source]:
        found: list[Source] = []
        for school in self.client.iter_objects("schools"):
            school_id = school.get("id")
            if not isinstance(school_id, str):
                continue
            number = school.get("school_number")
            found.append(
                Source(
                    id=school_id,
                    name=str(school.get("name") or school_id),
                    kind="school",
                    detail=f"school number {number}" if number else None,
                )
            )
        return found

    # -- the roster -------------------------------------------------------------------------
    @property
    def incremental(self) -> bool:
        return self.config.incremental

    def fetch(self) -> Iterator[Item]:
        """Every user of the district, page by page. With ``incremental=true`` the newest
        event id is read first: changes made while the roster is being read are then
        replayed by the next run (replaying is harmless), never lost."""
        if self.incremental:
            newest = self._newest_event_id()
            if newest is not None:
                yield Cursor(newest)
        yield from self.client.iter_objects("users", convert=self.mapping.record)

    def fetch_linked(self, links: Mapping[str, ProviderSettings]) -> Iterator[LinkedItem]:
        """One walk of ``/users`` for every linked school (see :class:`DistrictMapping`)."""
        index: dict[str, list[str]] = {}
        for hub_school, settings in links.items():
            assert isinstance(settings, CleverSettings)
            if not settings.schools:
                msg = f"clever: the link to school '{hub_school}' selects no Clever school (setting: schools)"
                raise ConfigError(msg)
            for school in settings.schools:
                index.setdefault(school, []).append(hub_school)
        mapping = DistrictMapping(
            staff_role=self.config.staff_role,
            index={school: tuple(hubs) for school, hubs in index.items()},
            everywhere=tuple(links),
        )
        yield from self.client.iter_objects("users", convert=mapping.routed)

    def fetch_changes(self, cursor: str) -> Iterator[Item]:
        """The users changed by Clever events after ``cursor``, one item per user (the last
        state wins), then the new cursor."""
        if not cursor:
            msg = "no stored Clever event cursor; a full sync is needed"
            raise CursorExpired(msg)
        latest: dict[str, Item] = {}
        position = cursor
        events = self.client.iter_objects(
            "events", {"starting_after": cursor, "record_type": "users"}
        )
        for event in events:
            event_id = event.get("id")
            if isinstance(event_id, str) and event_id:
                position = event_id
            kind = event.get("type")
            if kind not in USER_EVENTS:
                continue
            data = event.get("data")
            if not isinstance(data, Mapping):
                data = {}
            user = data.get("object")
            if not isinstance(user, Mapping) or not isinstance(user.get("id"), str):
                latest[f"event:{event_id}"] = Skip(
                    f"Clever event {event_id} ({kind}) carries no user; ignored"
                )
                continue
            user_id = user["id"]
            item = self._change(str(kind), user, data)
            latest.pop(user_id, None)
            if item is not None:
                latest[user_id] = item
        yield from latest.values()
        yield Cursor(position)

    def _change(
        self, kind: str, user: Mapping[str, Any], data: Mapping[str, Any]
    ) -> RosterRecord | Skip | None:
        if kind == "users.deleted":
            roles, _ = self.mapping.roles_of(user)
            return self.mapping.gone(user) if roles else None
        item = self.mapping.record(user)
        if item is not None or kind == "users.created":
            return item
        # Updated and no longer a person of this integration (left the selected schools, or
        # only a contact now). When Clever says the roles did not change, they never were.
        previous = data.get("previous_attributes")
        if isinstance(previous, Mapping) and "roles" not in previous:
            return None
        return self.mapping.gone(user)

    def _newest_event_id(self) -> str | None:
        """Clever sorts events oldest first; ``ending_before=last&limit=1`` is the newest."""
        payload = self.client.get("events", {"ending_before": "last", "limit": 1})
        data = payload["data"]
        if not data:
            return None
        event_id = unwrap(data[-1]).get("id")
        return event_id if isinstance(event_id, str) and event_id else None

    # -- sandbox ----------------------------------------------------------------------------
    @classmethod
    def sandbox(cls, *, seed: int = 0) -> Sandbox:
        from plugins.clever.sandbox import CleverSandbox

        district = CleverSandbox(seed=seed)
        return Sandbox(
            app=district,
            settings=lambda base_url: {"base_url": base_url},
            secrets={"token": district.token},
        )


_RECONNECT = "reconnect the district in Clever (setting: token)"
