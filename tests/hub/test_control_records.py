"""A provider record with a control character in what the hub would store is a skipped
record with a warning naming the external id and the field; provider text holding one (a skip
message, an error) is recorded escaped. The same on SQLite and PostgreSQL (which cannot store
NUL at all), and never a failed run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub import integrations, runs, schools
from hub.context import Hub
from hub.engine.mapping import Mapped, Rejected, map_record
from hub.errors import ProviderError
from hub.provider import CheckResult, Provider, ProviderSettings
from hub.roster import STUDENT, Item, RosterRecord, Skip
from tests.fakes import accounts, with_providers


class FeedSettings(ProviderSettings):
    fail: bool = False


class FeedProvider(Provider):
    """Yields one good person and one of each kind of unstorable value."""

    name = "feed"
    title = "Feed"
    Settings = FeedSettings

    def check(self) -> CheckResult:
        return CheckResult(True, "ok")

    def fetch(self) -> Iterator[Item]:
        if self.settings.fail:  # type: ignore[attr-defined]
            msg = "the provider answered 500: upstream said \x00\x1b[31m"
            raise ProviderError(msg)
        student = frozenset({STUDENT})
        yield RosterRecord("good-1", "good@example.org", "Good", "Person", student)
        yield RosterRecord("nul\x00id", "a@example.org", "A", "A", student)
        yield RosterRecord("e-2", "b\x00@example.org", "B", "B", student)
        yield RosterRecord("e-3", "c@example.org", "C", "Bell\x07", student)
        yield Skip("provider note \x00 here", external_id="skip\x00id", email="d\x00@example.org")


@pytest.fixture
def feed_hub(hub: Hub) -> Hub:
    return with_providers(hub, FeedProvider)


def _connect(hub: Hub, **settings: str) -> tuple[str, str]:
    school = schools.create_school(hub, name="Feed School", actor="test")
    integration = integrations.create_integration(
        hub, school_id=school.id, provider="feed", settings=settings, secrets={}, actor="test"
    )
    return school.id, integration.id


def test_unstorable_records_are_skipped_with_a_warning(feed_hub: Hub) -> None:
    school_id, integration_id = _connect(feed_hub)
    run = runs.submit(
        feed_hub, runs.RunRequest(integration_id=integration_id, actor="test"), here=True
    ).run
    assert run.status == "succeeded", run.error
    assert run.counts["created"] == 1 and run.counts["skipped"] == 4
    assert list(accounts(feed_hub, school_id)) == ["good@example.org"]
    issues = runs.run_json(feed_hub, run)["issues"]
    by_id = {i["external_id"]: i for i in issues}
    assert set(by_id) == {"nul\\x00id", "e-2", "e-3", "skip\\x00id"}
    assert all(i["severity"] == "warning" for i in issues)
    assert "the external id from the provider contains" in by_id["nul\\x00id"]["message"]
    assert (
        "the email from the provider contains the control character \\x00"
        in (by_id["e-2"]["message"])
    )
    assert (
        "the last name from the provider contains the control character \\x07"
        in (by_id["e-3"]["message"])
    )
    assert by_id["skip\\x00id"]["message"] == "provider note \\x00 here"
    assert by_id["skip\\x00id"]["email"] == "d\\x00@example.org"


def test_a_provider_error_holding_control_characters_is_recorded(feed_hub: Hub) -> None:
    _school_id, integration_id = _connect(feed_hub, fail="true")
    run = runs.submit(
        feed_hub, runs.RunRequest(integration_id=integration_id, actor="test"), here=True
    ).run
    assert run.status == "failed"
    assert run.error == "the provider answered 500: upstream said \\x00\\x1b[31m"
    assert runs.get_run(feed_hub, run.id).active_slot is None  # the integration is free again


@pytest.mark.parametrize("field", ["external_id", "email", "first_name", "last_name"])
def test_every_stored_field_is_checked_active_or_not(field: str) -> None:
    values = {"external_id": "x-1", "email": "x@example.org", "first_name": "X", "last_name": "Y"}
    values[field] = values[field] + "\x00"
    for active in (True, False):
        mapped = map_record(RosterRecord(**values, roles=frozenset({STUDENT}), active=active))  # type: ignore[arg-type]
        assert isinstance(mapped, Rejected) and mapped.severity == "warning"
        assert field.replace("_", " ") in mapped.message
    fine = map_record(
        RosterRecord("x", "x@example.org", "Tab\there", "New\nline", frozenset({STUDENT}))
    )
    assert isinstance(fine, Mapped)
