"""Every way Google says no, and the message a district IT person gets for it."""

from __future__ import annotations

import pytest

from hub import http as hub_http
from hub.errors import ConfigError, ProviderError, RetriableProviderError
from hub.testing import drain, free_port
from plugins.gsuite.provider import GoogleProvider
from plugins.gsuite.sandbox import GoogleSandbox
from tests.plugins.gsuite.conftest import MakeProvider


def fails(provider: GoogleProvider) -> str:
    """The fetch error message, checked to match what check() reports."""
    with pytest.raises(ProviderError) as info:
        drain(provider)
    message = str(info.value)
    result = provider.check()
    assert result.ok is False
    assert result.message == message
    return message


def api_calls(sandbox: GoogleSandbox) -> int:
    return len(sandbox.requests)


def test_not_authorized_with_a_service_account_says_delegation_and_subject(
    sandbox: GoogleSandbox, base_url: str, make_provider: MakeProvider
) -> None:
    sandbox.forbid()
    provider = make_provider(
        credentials=sandbox.service_account_info(base_url), subject=sandbox.domain.admin.email
    )
    message = fails(provider)
    assert "403 Not Authorized to access this resource/api" in message
    assert "Domain-wide delegation" in message
    assert f"client id {sandbox.client_id}" in message
    assert "admin.directory.user.readonly" in message
    assert "setting: subject" in message


def test_subject_who_is_not_an_admin_is_refused(
    sandbox: GoogleSandbox, base_url: str, make_provider: MakeProvider
) -> None:
    teacher = sandbox.domain.by_label("teacher")[0]
    provider = make_provider(
        credentials=sandbox.service_account_info(base_url), subject=teacher.email
    )
    message = fails(provider)
    assert "Not Authorized" in message
    assert f"now {teacher.email}" in message


def test_not_authorized_with_a_token_says_which_privileges(
    sandbox: GoogleSandbox, make_provider: MakeProvider
) -> None:
    sandbox.forbid()
    message = fails(make_provider())
    assert "403 Not Authorized" in message
    assert "read-only Users, Groups and Organizational Units privileges" in message
    assert "secret: token" in message


def test_delegation_not_granted(
    sandbox: GoogleSandbox, base_url: str, make_provider: MakeProvider
) -> None:
    sandbox.deny_delegation()
    provider = make_provider(
        credentials=sandbox.service_account_info(base_url), subject=sandbox.domain.admin.email
    )
    message = fails(provider)
    assert "unauthorized_client" in message
    assert "Domain-wide delegation" in message
    assert sandbox.client_id in message
    assert api_calls(sandbox) == 0


def test_unknown_subject(
    sandbox: GoogleSandbox, base_url: str, make_provider: MakeProvider
) -> None:
    provider = make_provider(
        credentials=sandbox.service_account_info(base_url),
        subject=f"nobody@{sandbox.domain.name}",
    )
    message = fails(provider)
    assert "invalid_grant: Invalid email or User ID" in message
    assert f"subject (nobody@{sandbox.domain.name})" in message


def test_revoked_service_account_key(
    sandbox: GoogleSandbox, base_url: str, make_provider: MakeProvider
) -> None:
    provider = make_provider(
        credentials=sandbox.service_account_info(base_url), subject=sandbox.domain.admin.email
    )
    assert drain(provider)[0]
    sandbox.revoke()
    message = fails(provider)
    assert "Invalid JWT Signature" in message
    assert "secret: credentials" in message


def test_revoked_refresh_token(
    sandbox: GoogleSandbox, base_url: str, make_provider: MakeProvider
) -> None:
    sandbox.revoke()
    message = fails(make_provider(credentials=sandbox.authorized_user_info(base_url)))
    assert "invalid_grant" in message
    assert "authorise again" in message


def test_missing_scopes(sandbox: GoogleSandbox, base_url: str, make_provider: MakeProvider) -> None:
    info = {
        **sandbox.authorized_user_info(base_url),
        "scopes": ["https://www.googleapis.com/auth/admin.directory.user.readonly"],
    }
    message = fails(make_provider(credentials=info))
    assert "insufficient authentication scopes" in message
    assert "admin.directory.orgunit.readonly" in message


def test_invalid_customer(make_provider: MakeProvider) -> None:
    message = fails(make_provider(customer="C0nosuch"))
    assert "customer 'C0nosuch'" in message
    assert "400 Bad Request" in message
    assert "setting: customer" in message


def test_unknown_ou_names_the_ou_and_the_setting(
    sandbox: GoogleSandbox, make_provider: MakeProvider
) -> None:
    message = fails(make_provider(teacher_ous="/Staff,/Teachers"))
    assert "no organisational unit '/Teachers' (setting: teacher_ous)" in message
    assert "/Staff/Administration" in message, "the known OUs are listed"
    assert not any(path == "/admin/directory/v1/users" for path, _ in sandbox.requests)


def test_unknown_group_names_the_group_and_the_setting(
    sandbox: GoogleSandbox, make_provider: MakeProvider
) -> None:
    group = f"staff-all@{sandbox.domain.name}"
    message = fails(make_provider(admin_groups=group))
    assert f"no group '{group}' (setting: admin_groups)" in message
    assert "404 Resource Not Found: groupKey" in message


@pytest.mark.parametrize("reason", ["quotaExceeded", "rateLimitExceeded", "userRateLimitExceeded"])
def test_quota_403_is_retried(
    sandbox: GoogleSandbox, make_provider: MakeProvider, reason: str
) -> None:
    sandbox.fail_next(403, times=4, reason=reason)
    records, _, _ = drain(make_provider())
    assert len(records) == 35
    assert sandbox.requests[0][0] == sandbox.requests[4][0], "the same call was retried"


def test_quota_retries_are_bounded(sandbox: GoogleSandbox, make_provider: MakeProvider) -> None:
    sandbox.fail_next(403, times=50, reason="quotaExceeded")
    with pytest.raises(RetriableProviderError) as info:
        drain(make_provider())
    assert "quota exceeded" in str(info.value)
    assert "Admin SDK API quota" in str(info.value)
    assert api_calls(sandbox) == 5


def test_429_honours_retry_after_and_is_bounded(
    sandbox: GoogleSandbox, make_provider: MakeProvider
) -> None:
    sandbox.fail_next(429, times=50, headers={"Retry-After": "0"})
    with pytest.raises(RetriableProviderError, match="quota exceeded"):
        drain(make_provider())
    assert api_calls(sandbox) == 5


def test_retry_after_is_honoured_for_quota_and_capped_for_server_errors(
    sandbox: GoogleSandbox,
    make_provider: MakeProvider,
    monkeypatch: pytest.MonkeyPatch,
    slept: list[float],
) -> None:
    monkeypatch.setattr(hub_http, "MAX_WAIT", 60.0)
    sandbox.fail_next(503, times=2, headers={"Retry-After": "3600"})
    drain(make_provider())
    assert slept == [hub_http.MAX_SERVER_WAIT] * 2
    slept.clear()
    sandbox.fail_next(429, times=1, headers={"Retry-After": "30"})
    drain(make_provider())
    assert slept == [30.0]


def test_server_errors_are_bounded(sandbox: GoogleSandbox, make_provider: MakeProvider) -> None:
    sandbox.fail_next(500, times=50)
    with pytest.raises(RetriableProviderError, match="500 Backend Error.*try again later"):
        drain(make_provider())


def test_other_403s_are_not_retried(sandbox: GoogleSandbox, make_provider: MakeProvider) -> None:
    sandbox.fail_next(403, times=1)
    with pytest.raises(ProviderError, match="Not Authorized"):
        drain(make_provider())
    assert api_calls(sandbox) == 1


def test_unreachable_endpoint(sandbox: GoogleSandbox) -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    settings = {**sandbox.settings(url), "token": sandbox.token}
    provider = GoogleProvider(GoogleProvider.parse_settings(settings))
    with pytest.raises(RetriableProviderError, match="cannot reach Google Workspace"):
        drain(provider)
    assert provider.check().ok is False


def test_unreadable_private_key_is_a_config_error(
    sandbox: GoogleSandbox, base_url: str, make_provider: MakeProvider
) -> None:
    info = {
        **sandbox.service_account_info(base_url),
        "private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n",
    }
    provider = make_provider(credentials=info, subject=sandbox.domain.admin.email)
    with pytest.raises(ConfigError, match="private_key cannot be read") as err:
        drain(provider)
    assert "AAAA" not in str(err.value)
    assert provider.check().ok is False


def test_messages_never_contain_secrets(
    sandbox: GoogleSandbox, base_url: str, make_provider: MakeProvider
) -> None:
    info = sandbox.service_account_info(base_url)
    provider = make_provider(credentials=info, subject=sandbox.domain.admin.email)
    messages = []
    for breakage in (sandbox.forbid, sandbox.deny_delegation, sandbox.revoke):
        breakage()
        messages.append(provider.check().message)
    token_provider = make_provider()
    messages.append(token_provider.check().message)
    for message in messages:
        assert sandbox.token not in message
        assert "PRIVATE KEY" not in message
        assert info["private_key_id"] not in message
