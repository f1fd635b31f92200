"""Integrations: settings validation, secrets encrypted and never returned, key rotation."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlmodel import select

from hub import hookimpl, integrations, schools
from hub.config import Settings
from hub.context import Hub, open_hub
from hub.errors import ConfigError, UsageError
from hub.models import AuditEvent, Integration
from hub.plugins import make_plugin_manager
from hub.provider import CheckResult, Provider, ProviderSettings, Source
from hub.roster import Item


class EchoSettings(ProviderSettings):
    base_url: str
    region: str = "east"
    token: SecretStr


class EchoProvider(Provider):
    name = "echo"
    title = "Echo"
    Settings = EchoSettings

    def check(self) -> CheckResult:
        ok = self.settings.token.get_secret_value() == "good"  # type: ignore[attr-defined]
        return CheckResult(ok, "connected" if ok else "token refused", [Source("s1", "School 1")])

    def sources(self) -> list[Source]:
        return [Source("s1", "School 1")]

    def fetch(self) -> Iterator[Item]:
        return iter(())


plugin = SimpleNamespace(rosterhub_register_providers=hookimpl(lambda: [EchoProvider]))


@pytest.fixture
def echo_hub(hub: Hub) -> Hub:
    return Hub(settings=hub.settings, engine=hub.engine, pm=make_plugin_manager(extra=[plugin]))


def _add(h: Hub, **settings: str) -> Integration:
    school = schools.create_school(h, name="Lincoln High", actor="test")
    return integrations.create_integration(
        h,
        school_id=school.id,
        provider="echo",
        settings={"base_url": "http://x", **settings},
        secrets={"token": "good"},
        actor="test",
    )


def test_secrets_are_encrypted_and_never_returned(echo_hub: Hub) -> None:
    integration = _add(echo_hub)
    with echo_hub.session() as session:
        stored = session.get(Integration, integration.id)
        assert stored is not None
        assert stored.secrets and "good" not in stored.secrets
        assert "token" not in stored.settings
        events = session.exec(select(AuditEvent)).all()
    assert all("good" not in str(event.detail) for event in events)
    view = integrations.integration_json(echo_hub, integration)
    assert "good" not in str(view)
    assert view["secrets_set"] == ["token"]
    assert view["schedule"] == "23:00 America/New_York"
    assert view["enabled"] is True and view["last_run"] is None
    provider = integrations.build_provider(echo_hub, integration)
    assert provider.settings.token.get_secret_value() == "good"  # type: ignore[attr-defined]


def test_common_settings_are_parsed(echo_hub: Hub) -> None:
    integration = _add(
        echo_hub,
        schedule="6:30 America/Chicago",
        max_deactivate_percent="25",
        admin_implies_teacher="false",
    )
    assert integration.schedule == "06:30 America/Chicago"
    assert integration.max_deactivate_percent == 25.0
    assert integration.admin_implies_teacher is False


@pytest.mark.parametrize(
    ("settings", "secrets", "match"),
    [
        ({"base_url": "http://x", "nope": "1"}, {"token": "t"}, "unknown setting 'nope'"),
        ({}, {"token": "t"}, "setting 'base_url'"),
        ({"base_url": "http://x", "token": "t"}, {}, "'token' is a secret"),
        ({"base_url": "http://x"}, {"token": "t", "region": "west"}, "not a secret setting"),
        ({"base_url": "http://x", "max_deactivate_percent": "150"}, {"token": "t"}, "0 to 100"),
        ({"base_url": "http://x", "schedule": "whenever"}, {"token": "t"}, "schedule"),
    ],
)
def test_bad_settings_name_the_setting(
    echo_hub: Hub, settings: dict[str, str], secrets: dict[str, str], match: str
) -> None:
    school = schools.create_school(echo_hub, name="Lincoln High", actor="test")
    with pytest.raises(ConfigError, match=match) as info:
        integrations.create_integration(
            echo_hub,
            school_id=school.id,
            provider="echo",
            settings=settings,
            secrets=secrets,
            actor="t",
        )
    assert "t" not in str(info.value).split("'")  # the value itself is not echoed
    assert integrations.list_integrations(echo_hub) == []


def test_unknown_provider_and_school(echo_hub: Hub) -> None:
    school = schools.create_school(echo_hub, name="Lincoln High", actor="test")
    with pytest.raises(UsageError, match="unknown provider 'nope'"):
        integrations.create_integration(
            echo_hub, school_id=school.id, provider="nope", settings={}, secrets={}, actor="t"
        )
    with pytest.raises(UsageError, match="unknown school"):
        integrations.create_integration(
            echo_hub, school_id="sch_missing", provider="echo", settings={}, secrets={}, actor="t"
        )
    with pytest.raises(UsageError, match="unknown integration"):
        integrations.get_integration(echo_hub, "int_missing")


def test_update_merges_and_removes(echo_hub: Hub) -> None:
    integration = _add(echo_hub)
    updated = integrations.update_integration(
        echo_hub,
        integration.id,
        settings={"region": "west", "schedule": "off"},
        enabled=False,
        actor="t",
    )
    assert updated.settings == {"base_url": "http://x", "region": "west"}
    assert updated.schedule == "off" and updated.enabled is False
    updated = integrations.update_integration(
        echo_hub, integration.id, settings={"region": ""}, secrets={"token": "bad"}, actor="t"
    )
    assert updated.settings == {"base_url": "http://x"}
    assert integrations.check_integration(echo_hub, integration.id)["ok"] is False


def test_check_reports_sources(echo_hub: Hub) -> None:
    integration = _add(echo_hub)
    result = integrations.check_integration(echo_hub, integration.id)
    assert result == {
        "ok": True,
        "message": "connected",
        "sources": [{"id": "s1", "name": "School 1", "kind": "school"}],
    }


def test_delete(echo_hub: Hub) -> None:
    integration = _add(echo_hub)
    integrations.delete_integration(echo_hub, integration.id, actor="t")
    assert integrations.list_integrations(echo_hub) == []


def test_rotate_keys(sqlite_url: str) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    first = open_hub(
        Settings(database_url=sqlite_url, secret_key=old), pm=make_plugin_manager(extra=[plugin])
    )
    integration = _add(first)
    second = open_hub(
        Settings(database_url=sqlite_url, secret_key=f"{new},{old}"),
        pm=make_plugin_manager(extra=[plugin]),
    )
    assert integrations.rotate_keys(second) == 1
    only_new = open_hub(
        Settings(database_url=sqlite_url, secret_key=new), pm=make_plugin_manager(extra=[plugin])
    )
    provider = integrations.build_provider(
        only_new, integrations.get_integration(only_new, integration.id)
    )
    assert provider.settings.token.get_secret_value() == "good"  # type: ignore[attr-defined]
