"""A stored secret cannot be sent somewhere new: changing a setting that decides where the
secrets go (clever/classlink ``base_url``, gsuite ``api_endpoint``) needs the secrets given
again in the same change, in the core, the HTTP API and for third-party providers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from hub import integrations, schools, tokens
from hub.api import create_app
from hub.context import Hub
from hub.errors import ConfigError
from hub.provider import CheckResult, Provider, ProviderSettings
from hub.roster import Item
from tests.fakes import with_providers

# provider -> (settings, secrets, destination setting, a new destination)
CASES: dict[str, tuple[dict[str, str], dict[str, str], str, str]] = {
    "clever": (
        {"base_url": "https://api.clever.com"},
        {"token": "district-token-0123"},
        "base_url",
        "https://collector.example.net",
    ),
    "classlink": (
        {
            "base_url": "https://x-ca-v2.oneroster.com/ims/oneroster/v1p1",
            "client_id": "key-1",
            "tenant_id": "t1",
        },
        {"client_secret": "roster-secret-0123"},
        "base_url",
        "https://collector.example.net/ims/oneroster/v1p1",
    ),
    "gsuite": (
        {"student_ous": "/Students"},
        {"token": "ya29.access-token-0123"},
        "api_endpoint",
        "https://collector.example.net/",
    ),
}


def _add(hub: Hub, provider: str, **extra: str) -> str:
    settings, secrets, _key, _new = CASES[provider]
    school = schools.create_school(hub, name=f"{provider} school", actor="test")
    integration = integrations.create_integration(
        hub,
        school_id=school.id,
        provider=provider,
        settings={**settings, **extra},
        secrets=secrets,
        actor="test",
    )
    return integration.id


def _stored(hub: Hub, integration_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    integration = integrations.get_integration(hub, integration_id)
    return dict(integration.settings), hub.vault.decrypt_json(integration.secrets)


@pytest.mark.parametrize("provider", sorted(CASES))
def test_a_new_destination_needs_the_secrets_again(hub: Hub, provider: str) -> None:
    settings, secrets, key, new = CASES[provider]
    integration_id = _add(hub, provider)
    before = _stored(hub, integration_id)
    with pytest.raises(ConfigError) as info:
        integrations.update_integration(hub, integration_id, settings={key: new}, actor="test")
    message = str(info.value)
    assert f"'{key}'" in message and "again in the same request" in message
    for secret_key, value in secrets.items():
        assert f"'{secret_key}'" in message and value not in message
    assert _stored(hub, integration_id) == before  # nothing half-written

    fresh = {k: f"{v}-new" for k, v in secrets.items()}
    integrations.update_integration(
        hub, integration_id, settings={key: new}, secrets=fresh, actor="test"
    )
    after_settings, after_secrets = _stored(hub, integration_id)
    assert after_settings[key] == new and after_secrets == fresh


@pytest.mark.parametrize("provider", sorted(CASES))
def test_other_changes_and_the_same_destination_need_no_secret(hub: Hub, provider: str) -> None:
    _settings, _secrets, key, new = CASES[provider]
    integration_id = _add(hub, provider, **{key: new})
    same = new.rstrip("/") + "/"  # the provider normalises the slash
    integrations.update_integration(hub, integration_id, settings={key: same}, actor="test")
    integrations.update_integration(
        hub, integration_id, settings={"schedule": "off", "max_deactivate_percent": "5"}, actor="t"
    )
    integrations.update_integration(hub, integration_id, enabled=False, actor="test")


def test_falling_back_to_the_default_destination_is_a_change(hub: Hub) -> None:
    integration_id = _add(hub, "clever", base_url="https://clever.proxy.example.org")
    with pytest.raises(ConfigError, match="'base_url'.*'token'"):
        integrations.update_integration(hub, integration_id, settings={"base_url": ""}, actor="t")


def test_secrets_that_are_replaced_or_removed_count_as_given(hub: Hub) -> None:
    """gsuite takes credentials or a token: swapping one for the other with a new endpoint
    leaves no old secret behind, so it is allowed."""
    school = schools.create_school(hub, name="Lincoln High", actor="test")
    creds = {
        "type": "authorized_user",
        "client_id": "client-1",
        "client_secret": "client-secret-0123",
        "refresh_token": "1//refresh-token-0123",
    }
    integration = integrations.create_integration(
        hub,
        school_id=school.id,
        provider="gsuite",
        settings={"student_ous": "/Students"},
        secrets={"credentials": json.dumps(creds)},
        actor="test",
    )
    with pytest.raises(ConfigError, match="'credentials'"):
        integrations.update_integration(
            hub,
            integration.id,
            settings={"api_endpoint": "https://proxy.example.org/"},
            secrets={"token": "ya29.new-token"},  # credentials would stay
            actor="test",
        )
    integrations.update_integration(
        hub,
        integration.id,
        settings={"api_endpoint": "https://proxy.example.org/"},
        secrets={"token": "ya29.new-token", "credentials": ""},
        actor="test",
    )
    assert _stored(hub, integration.id)[1] == {"token": "ya29.new-token"}


class RelaySettings(ProviderSettings):
    """A third-party provider that marks nothing: its ``*_url`` settings count."""

    service_url: str = "https://relay.example.org"
    region: str = "east"
    api_key: SecretStr


class RelayProvider(Provider):
    name = "relay"
    title = "Relay"
    Settings = RelaySettings

    def check(self) -> CheckResult:
        return CheckResult(True, "ok")

    def fetch(self) -> Iterator[Item]:
        return iter(())


def test_a_provider_that_declares_nothing_is_guarded_by_its_setting_names(hub: Hub) -> None:
    relay_hub = with_providers(hub, RelayProvider)
    assert RelayProvider.destination_keys() == ["service_url"]
    school = schools.create_school(relay_hub, name="Relay School", actor="test")
    integration = integrations.create_integration(
        relay_hub,
        school_id=school.id,
        provider="relay",
        settings={},
        secrets={"api_key": "relay-key-0123"},
        actor="test",
    )
    integrations.update_integration(relay_hub, integration.id, settings={"region": "w"}, actor="t")
    with pytest.raises(ConfigError, match="'service_url'.*'api_key'"):
        integrations.update_integration(
            relay_hub, integration.id, settings={"service_url": "https://x.example"}, actor="t"
        )


def test_the_api_refuses_a_new_base_url_without_the_token(hub: Hub) -> None:
    school = schools.create_school(hub, name="Maplewood", actor="test")
    token = tokens.create_token(hub, role="district_it", actor="test")[1]
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(hub, worker=False, scheduler=False)) as client:
        created = client.post(
            "/api/v1/integrations",
            headers=headers,
            json={
                "school_id": school.id,
                "provider": "clever",
                "settings": {"base_url": "https://api.clever.com"},
                "secrets": {"token": "district-token-0123"},
            },
        )
        assert created.status_code == 201, created.text
        url = f"/api/v1/integrations/{created.json()['id']}"
        moved = client.patch(
            url, headers=headers, json={"settings": {"base_url": "https://collector.example.net"}}
        )
        assert moved.status_code == 422
        detail = moved.json()["detail"]
        assert "'base_url'" in detail and "'token'" in detail and "district-token" not in detail
        assert client.get(url, headers=headers).json()["settings"]["base_url"] == (
            "https://api.clever.com"
        )
        again = client.patch(
            url,
            headers=headers,
            json={
                "settings": {"base_url": "https://collector.example.net"},
                "secrets": {"token": "district-token-4567"},
            },
        )
        assert again.status_code == 200, again.text
        assert again.json()["settings"]["base_url"] == "https://collector.example.net"
