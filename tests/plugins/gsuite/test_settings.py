"""Validation of the gsuite settings: each mistake names the setting, never a secret."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hub.errors import ConfigError
from hub.plugins import Registry, make_plugin_manager
from plugins import gsuite
from plugins.gsuite.provider import GoogleProvider
from plugins.gsuite.settings import GoogleSettings

SA = {
    "type": "service_account",
    "client_email": "sync@project.iam.gserviceaccount.com",
    "private_key": "-----BEGIN PRIVATE KEY-----\nsecret-key-material\n-----END PRIVATE KEY-----\n",
    "client_id": "1234567890",
}
USER = {
    "type": "authorized_user",
    "client_id": "abc.apps.googleusercontent.com",
    "client_secret": "GOCSPX-very-secret",
    "refresh_token": "1//refresh-secret",
}


def parse(**values: Any) -> GoogleSettings:
    settings = GoogleProvider.parse_settings(values)
    assert isinstance(settings, GoogleSettings)
    return settings


def refused(**values: Any) -> str:
    with pytest.raises(ConfigError) as info:
        GoogleProvider.parse_settings(values)
    return str(info.value)


def test_registered_through_the_hook() -> None:
    registry = Registry(make_plugin_manager(extra=[gsuite], entry_points=False))
    cls = registry.get("gsuite")
    assert cls is GoogleProvider
    assert cls.title == "Google Workspace"
    assert set(cls.secret_keys()) == {"credentials", "token"}
    assert {"api_endpoint", "customer", "subject", "student_ous", "admin_groups"} <= set(
        cls.config_keys()
    )


def test_defaults() -> None:
    settings = parse(token="ya29.x", student_ous="/Students")
    assert settings.api_endpoint == "https://admin.googleapis.com/"
    assert settings.customer == "my_customer"
    assert settings.page_size == 500
    assert settings.credential_kind == "token"


def test_lists_are_normalised() -> None:
    settings = parse(
        token="t",
        student_ous="/Students/, Students/2026 ,,/Students",
        admin_ous="/",
        teacher_groups="Teachers@District.ORG, teachers@district.org",
    )
    assert settings.student_ous == ["/Students", "/Students/2026"]
    assert settings.admin_ous == ["/"]
    assert settings.teacher_groups == ["teachers@district.org"]
    assert settings.ous() == {"student_ous": ["/Students", "/Students/2026"], "admin_ous": ["/"]}


def test_endpoint_gets_a_trailing_slash() -> None:
    assert (
        parse(token="t", api_endpoint="http://127.0.0.1:9/").api_endpoint == "http://127.0.0.1:9/"
    )
    assert parse(token="t", api_endpoint="http://127.0.0.1:9").api_endpoint == "http://127.0.0.1:9/"
    assert "api_endpoint" in refused(token="t", api_endpoint="admin.googleapis.com")


def test_exactly_one_credential() -> None:
    assert "exactly one of the secrets 'credentials'" in refused()
    assert "exactly one" in refused(token="   ")
    message = refused(token="ya29.secret-token", credentials=json.dumps(USER))
    assert "exactly one" in message
    assert "ya29.secret-token" not in message


def test_service_account_needs_subject() -> None:
    message = refused(credentials=json.dumps(SA))
    assert "setting 'credentials'" in message
    assert "needs subject" in message
    assert "secret-key-material" not in message
    settings = parse(credentials=json.dumps(SA), subject="Admin@District.org")
    assert settings.subject == "admin@district.org"
    assert settings.credential_kind == "service_account"


def test_authorized_user_needs_no_subject() -> None:
    assert parse(credentials=json.dumps(USER)).credential_kind == "authorized_user"


@pytest.mark.parametrize(
    ("credentials", "phrase"),
    [
        ("not json {secret-ish", "is not JSON"),
        ("[1, 2]", "must be a JSON object"),
        (json.dumps({**SA, "type": "external_account"}), "found external_account"),
        (json.dumps({k: v for k, v in SA.items() if k != "type"}), "found missing"),
        (json.dumps({k: v for k, v in SA.items() if k != "private_key"}), "lacks private_key"),
        (json.dumps({**USER, "refresh_token": ""}), "lacks refresh_token"),
    ],
)
def test_bad_credentials_json(credentials: str, phrase: str) -> None:
    message = refused(credentials=credentials, subject="admin@district.org")
    assert "setting 'credentials'" in message
    assert phrase in message
    for secret in ("secret-ish", "secret-key-material", "GOCSPX-very-secret"):
        assert secret not in message


@pytest.mark.parametrize(
    ("values", "setting"),
    [
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "501"}, "page_size"),
        ({"subject": "not an email"}, "subject"),
        ({"customer": "my customer"}, "customer"),
        ({"student_ou": "/Students"}, "student_ou"),
    ],
)
def test_bad_settings_name_the_setting(values: dict[str, str], setting: str) -> None:
    assert f"'{setting}'" in refused(token="t", **values)
