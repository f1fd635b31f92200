"""An in-process provider for engine tests, and helpers that connect a school to it.

A test builds a :class:`FakeRoster` (the people the "provider" returns right now, plus change
feeds, failures and cursors) and syncs an integration whose ``roster`` setting names it. The
synthetic district generator lives in :mod:`bench.district` and is shared with the benchmarks.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from pydantic import SecretStr
from sqlalchemy import event

from hub import hookimpl
from hub.context import Hub
from hub.errors import CursorExpired, ProviderError
from hub.integrations import create_integration
from hub.models import Account, Integration, Membership, School
from hub.plugins import Registry, make_plugin_manager
from hub.provider import CheckResult, Provider, ProviderSettings, Source
from hub.roster import ADMIN, STUDENT, TEACHER, Cursor, Item, RosterRecord
from hub.schools import create_school

ROSTERS: dict[str, FakeRoster] = {}
_keys = itertools.count(1)


@dataclass
class FakeRoster:
    """What the fake provider returns. ``items`` is the full roster; ``changes`` maps a cursor
    to the change feed after it; ``fail_after`` makes fetching raise after that many items."""

    items: list[Item] = field(default_factory=list)
    cursor: str | None = None
    changes: dict[str, list[Item]] = field(default_factory=dict)
    fail_after: int | None = None
    fetches: list[str] = field(default_factory=list)
    key: str = field(default_factory=lambda: f"r{next(_keys)}")

    def __post_init__(self) -> None:
        ROSTERS[self.key] = self

    def people(self, *records: RosterRecord) -> FakeRoster:
        self.items = list(records)
        return self

    def _stream(self, items: list[Item]) -> Iterator[Item]:
        for n, item in enumerate(items):
            if self.fail_after is not None and n >= self.fail_after:
                msg = "fake: the roster service answered 503 three times; try again later"
                raise ProviderError(msg)
            yield item


class FakeProvider(Provider):
    name = "fake"
    title = "Fake provider (tests)"

    class Settings(ProviderSettings):
        roster: str
        incremental: bool = False
        token: SecretStr | None = None

    def _roster(self) -> FakeRoster:
        assert isinstance(self.settings, FakeProvider.Settings)
        return ROSTERS[self.settings.roster]

    def check(self) -> CheckResult:
        return CheckResult(ok=True, message="fake roster", sources=self.sources())

    def sources(self) -> list[Source]:
        return [Source(id="fake", name="Fake school")]

    @property
    def incremental(self) -> bool:
        assert isinstance(self.settings, FakeProvider.Settings)
        return self.settings.incremental

    def fetch(self) -> Iterator[Item]:
        roster = self._roster()
        roster.fetches.append("full")
        yield from roster._stream(roster.items)
        if roster.cursor is not None:
            yield Cursor(roster.cursor)

    def fetch_changes(self, cursor: str) -> Iterator[Item]:
        roster = self._roster()
        roster.fetches.append(f"changes:{cursor}")
        if cursor not in roster.changes:
            msg = f"fake: cursor {cursor} has expired"
            raise CursorExpired(msg)
        yield from roster._stream(roster.changes[cursor])


class FakePlugin:
    @hookimpl
    def rosterhub_register_providers(self) -> list[type[Provider]]:
        return [FakeProvider]


def use_fakes(hub: Hub) -> Hub:
    """Register the fake provider with ``hub`` (and the district provider of the benchmarks)."""
    from bench.district import DistrictPlugin

    for plugin in (FakePlugin(), DistrictPlugin()):
        hub.pm.register(plugin)
    hub.registry = Registry(hub.pm)
    return hub


def with_providers(hub: Hub, *providers: type[Provider]) -> Hub:
    """The same database with ``providers`` registered besides the built-in ones."""
    plugin = SimpleNamespace(rosterhub_register_providers=hookimpl(lambda: list(providers)))
    return Hub(settings=hub.settings, engine=hub.engine, pm=make_plugin_manager(extra=[plugin]))


def connect(
    hub: Hub,
    roster: FakeRoster,
    *,
    school: School | None = None,
    name: str | None = None,
    **settings: str,
) -> Integration:
    """A school (made if not given) connected to the fake provider serving ``roster``."""
    if school is None:
        school = create_school(hub, name=name or f"School {roster.key}", actor="test")
    return create_integration(
        hub,
        school_id=school.id,
        provider="fake",
        settings={"roster": roster.key, **settings},
        secrets={"token": "s3cret-token-value"},
        actor="test",
    )


def rec(
    ext: str,
    email: str | None = None,
    *,
    first: str = "First",
    last: str = "Last",
    roles: str | frozenset[str] = STUDENT,
    active: bool = True,
) -> RosterRecord:
    """A record; ``roles`` may be one role or a comma-separated list."""
    if isinstance(roles, str):
        roles = frozenset(r for r in roles.split(",") if r)
    return RosterRecord(
        external_id=ext,
        email=email if email is not None else f"{ext}@school.example",
        first_name=first,
        last_name=last,
        roles=roles,
        active=active,
    )


# -- looking at the result -------------------------------------------------------------------


def accounts(hub: Hub, school_id: str) -> dict[str, dict[str, Any]]:
    """Every account at a school (deactivated included), by email."""
    from hub.accounts import list_accounts

    return {a["email"]: a for a in list_accounts(hub, school_id=school_id, include_all=True)}


def seed_membership(
    hub: Hub,
    *,
    school_id: str,
    email: str,
    roles: str = "student",
    source: str = "csv",
    integration_id: str | None = None,
    external_id: str | None = None,
    first: str = "Sheet",
    last: str = "Person",
) -> int:
    """An account with a membership owned by someone else (an upload by default)."""
    from sqlmodel import select

    with hub.transaction() as session:
        account = session.exec(select(Account).where(Account.email == email)).first()
        if account is None:
            account = Account(email=email, first_name=first, last_name=last)
            session.add(account)
            session.flush()
        assert account.id is not None
        session.add(
            Membership(
                account_id=account.id,
                school_id=school_id,
                roles=roles,
                source=source,
                integration_id=integration_id,
                external_id=external_id,
            )
        )
        return account.id


class WriteCounter:
    """Counts INSERT/UPDATE/DELETE statements on the account and membership tables."""

    def __init__(self, hub: Hub) -> None:
        self.engine = hub.engine
        self.statements: list[str] = []

    def _listen(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        head = statement.lstrip().split(None, 3)
        verb = head[0].upper() if head else ""
        if verb in {"INSERT", "UPDATE", "DELETE"}:
            lowered = statement.lower()
            if any(
                f"{verb.lower()} {t}" in lowered or f"{verb.lower()} into {t}" in lowered
                for t in ("account", "membership")
            ):
                self.statements.append(statement)

    def __enter__(self) -> WriteCounter:
        event.listen(self.engine, "before_cursor_execute", self._listen)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._listen)


__all__ = [
    "ADMIN",
    "STUDENT",
    "TEACHER",
    "FakeRoster",
    "WriteCounter",
    "accounts",
    "connect",
    "rec",
    "seed_membership",
    "use_fakes",
]
