"""The Google Workspace provider: people chosen by organisational unit and group, read from
the Admin SDK Directory API v1.

Roles: an admin OU or group gives ``admin`` (the hub adds ``teacher`` unless the integration
says otherwise), teacher OUs and groups ``teacher``, student ones ``student``. A person in
both a student and a staff set is yielded with both roles; the engine reports the conflict.
Suspended and archived users are yielded inactive, so the engine deactivates them if it had
them and skips them otherwise. Users no setting selects are not yielded at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from hub.errors import ConfigError, HubError
from hub.provider import CheckResult, Provider, ProviderSettings, Sandbox, Source
from hub.roster import (
    STAFF_ROLES,
    STUDENT,
    Item,
    LinkedItem,
    RosterRecord,
    Routed,
    Skip,
    normalize_email,
)
from plugins.gsuite.selection import Selection, load_district_selection, load_selection
from plugins.gsuite.settings import (
    GROUP_SETTINGS,
    OU_SETTINGS,
    PROVIDER,
    SERVICE_ACCOUNT,
    GoogleSettings,
)

if TYPE_CHECKING:
    from plugins.gsuite.client import DirectoryClient

NOTHING_CHOSEN = (
    "gsuite: choose who to sync: set student_ous, teacher_ous or admin_ous (OU paths such as "
    "/Students) and/or student_groups, teacher_groups or admin_groups (group emails); "
    "'rosterhub integration check' lists the OUs and groups"
)


class GoogleProvider(Provider):
    name = "gsuite"
    title = "Google Workspace"
    Settings: ClassVar[type[ProviderSettings]] = GoogleSettings
    link_keys = (*OU_SETTINGS, *GROUP_SETTINGS)

    def __init__(self, settings: ProviderSettings, *, http: Any | None = None) -> None:
        if not isinstance(settings, GoogleSettings):
            settings = GoogleSettings.model_validate(settings.model_dump())
        super().__init__(settings)
        self.config: GoogleSettings = settings
        self._http = http
        self._client: DirectoryClient | None = None

    @property
    def client(self) -> DirectoryClient:
        """Built on first use, so a bad key surfaces as a ConfigError where it is used."""
        if self._client is None:
            # The Google client libraries load on first use: every CLI command pays for
            # importing this plugin, few of them talk to Google.
            from plugins.gsuite.client import DirectoryClient

            self._client = DirectoryClient(self.config, http=self._http)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- the roster ------------------------------------------------------------------------
    def fetch(self) -> Iterator[Item]:
        selection = self._selection()
        for user in self.client.users():
            item = self._item(user, selection)
            if item is not None:
                yield item

    def fetch_linked(self, links: Mapping[str, ProviderSettings]) -> Iterator[LinkedItem]:
        """One walk of users.list for every linked school: a user belongs to each school one
        of whose OUs (sub-OUs included) or groups holds them, in the roles that school's
        settings give."""
        chosen: dict[str, GoogleSettings] = {}
        for school, settings in links.items():
            assert isinstance(settings, GoogleSettings)
            if not settings.ous() and not settings.groups():
                msg = f"gsuite: the link to school '{school}' selects no OU or group"
                raise ConfigError(msg)
            chosen[school] = settings
        selection = load_district_selection(self.client, chosen)
        for user in self.client.users():
            user_id = str(user.get("id") or "")
            placed = selection.placements(user_id, str(user.get("orgUnitPath") or "/"))
            if not placed:
                continue
            first = next(iter(placed.values()))
            item = self._record(user, frozenset(role for role, _ in first), first)
            if isinstance(item, Skip):
                yield Routed(dict.fromkeys(placed, item))
                continue
            yield Routed(
                {
                    school: item if why == first else _with_roles(item, why)
                    for school, why in placed.items()
                }
            )

    def _selection(self) -> Selection:
        selection = load_selection(self.client, self.config)
        if selection.empty:
            raise ConfigError(NOTHING_CHOSEN)
        return selection

    @staticmethod
    def _item(user: dict[str, Any], selection: Selection) -> Item | None:
        user_id = str(user.get("id") or "")
        ou = str(user.get("orgUnitPath") or "/")
        roles, why = selection.explained(user_id, ou)
        if not roles:
            return None
        return GoogleProvider._record(user, roles, why)

    @staticmethod
    def _record(
        user: dict[str, Any], roles: frozenset[str], why: tuple[tuple[str, str], ...]
    ) -> RosterRecord | Skip:
        user_id = str(user.get("id") or "")
        ou = str(user.get("orgUnitPath") or "/")
        email = normalize_email(user.get("primaryEmail"))
        if not user_id or not email:
            return Skip(
                "Google Workspace user without an id or primary email",
                external_id=user_id or None,
                email=email,
            )
        name = user.get("name")
        if not isinstance(name, dict):
            name = {}
        return RosterRecord(
            external_id=user_id,
            email=email,
            first_name=str(name.get("givenName") or "").strip(),
            last_name=str(name.get("familyName") or "").strip(),
            roles=roles,
            schools=(ou,),
            active=not (user.get("suspended") or user.get("archived")),
            why=why,
        )

    # -- what a district IT person sees ---------------------------------------------------
    def sources(self) -> list[Source]:
        units = sorted(self.client.orgunits(), key=lambda u: str(u.get("orgUnitPath", "")))
        found = [
            Source(
                id=str(unit.get("orgUnitPath")),
                name=str(unit.get("name") or unit.get("orgUnitPath")),
                kind="ou",
                detail=str(unit.get("description")) if unit.get("description") else None,
            )
            for unit in units
            if unit.get("orgUnitPath")
        ]
        for group in self.client.groups():
            if not group.get("email"):
                continue
            count = group.get("directMembersCount")
            found.append(
                Source(
                    id=str(group["email"]).lower(),
                    name=str(group.get("name") or group["email"]),
                    kind="group",
                    detail=f"{count} direct members" if count is not None else None,
                )
            )
        return found

    def check(self) -> CheckResult:
        try:
            message = self._survey()
            sources = self.sources()
        except HubError as exc:
            return CheckResult(ok=False, message=str(exc))
        return CheckResult(ok=True, message=message, sources=sources)

    def _survey(self) -> str:
        """Read the whole domain once and say what the settings select."""
        selection = load_selection(self.client, self.config)
        total = 0
        domains: Counter[str] = Counter()
        customers: Counter[str] = Counter()
        per_rule: Counter[tuple[str, str]] = Counter()
        selected = inactive = conflicts = 0
        for user in self.client.users():
            total += 1
            email = normalize_email(user.get("primaryEmail")) or ""
            domains[email.partition("@")[2]] += 1
            customers[str(user.get("customerId") or "")] += 1
            rules = selection.matching(
                str(user.get("id") or ""), str(user.get("orgUnitPath") or "/")
            )
            if not rules:
                continue
            selected += 1
            for rule in rules:
                per_rule[(rule.setting, rule.value)] += 1
            if user.get("suspended") or user.get("archived"):
                inactive += 1
            roles = {rule.role for rule in rules}
            if STUDENT in roles and roles & STAFF_ROLES:
                conflicts += 1
        domain = domains.most_common(1)[0][0] if domains else "no users"
        customer = (customers.most_common(1)[0][0] if customers else "") or self.config.customer
        how = (
            f"a service account acting as {self.config.subject}"
            if self.config.credential_kind == SERVICE_ACCOUNT
            else "an admin's authorized-user credentials"
            if self.config.credential_kind == "authorized_user"
            else "an access token"
        )
        head = f"{PROVIDER} customer {customer} ({domain}), read with {how}: {total} users."
        if selection.empty:
            return f"{head} {NOTHING_CHOSEN.removeprefix('gsuite: ')}."
        parts = []
        for setting in (*OU_SETTINGS, *GROUP_SETTINGS):
            for value in getattr(self.config, setting):
                count = per_rule[(setting, value)]
                parts.append(f"{setting} {value}: {count} user{'s' if count != 1 else ''}")
        tail = f"A sync would read {selected} people"
        notes = []
        if inactive:
            notes.append(f"{inactive} suspended or archived")
        if conflicts:
            notes.append(f"{conflicts} both student and staff, which the sync reports as errors")
        if notes:
            tail += f" ({'; '.join(notes)})"
        return f"{head} {'; '.join(parts)}. {tail}."

    # -- demo and tests --------------------------------------------------------------------
    @classmethod
    def sandbox(cls, *, seed: int = 0) -> Sandbox:
        from plugins.gsuite.sandbox import GoogleSandbox

        sandbox = GoogleSandbox(seed=seed)
        return Sandbox(app=sandbox.app, settings=sandbox.settings, secrets={"token": sandbox.token})


def _with_roles(record: RosterRecord, why: tuple[tuple[str, str], ...]) -> RosterRecord:
    """The record as another linked school sees it: the roles (and why) its settings give."""
    return RosterRecord(
        external_id=record.external_id,
        email=record.email,
        first_name=record.first_name,
        last_name=record.last_name,
        roles=frozenset(role for role, _ in why),
        schools=record.schools,
        active=record.active,
        why=why,
    )
