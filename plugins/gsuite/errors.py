"""Google's failures turned into hub errors whose message says what to do.

Google reports a refused delegation, a missing admin privilege and a spent quota all as 403;
only the ``reason`` in the error body tells them apart, and only the first and last are worth
telling apart from "try again later". Messages name settings and Admin console pages, never a
secret.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError

from hub.errors import ProviderError, RetriableProviderError
from hub.http import retry_hint
from hub.scrub import Scrubber
from plugins.gsuite.auth import SCOPES, client_id
from plugins.gsuite.settings import AUTHORIZED_USER, PROVIDER, SERVICE_ACCOUNT, GoogleSettings

QUOTA_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"})
SCOPE_REASONS = frozenset({"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"})
DISABLED_REASONS = frozenset({"accessNotConfigured", "SERVICE_DISABLED"})
DELEGATION_PAGE = (
    "Admin console (Security > Access and data control > API controls > Domain-wide delegation)"
)
SCOPE_LIST = ",".join(SCOPES)
CUSTOMER_CALLS = frozenset({"users.list", "orgunits.list", "groups.list"})
"""Calls whose 400/404 means the customer setting is wrong."""


class GoogleAnswer:
    """The parts of a Google JSON error body that decide what to do; ``message`` is
    scrubbed of the integration's secrets (Google's errors may quote the request)."""

    def __init__(
        self,
        status: int,
        content: bytes,
        headers: Mapping[str, Any],
        scrub: Scrubber | None = None,
    ) -> None:
        self.status = status
        self.headers = {str(k).lower(): str(v) for k, v in headers.items()}
        self.message = ""
        self.reasons: set[str] = set()
        try:
            body = json.loads(content.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            self.message = (scrub or Scrubber()).excerpt(str(error.get("message") or ""))
            for item in error.get("errors") or []:
                if isinstance(item, dict) and item.get("reason"):
                    self.reasons.add(str(item["reason"]))
            if error.get("status"):
                self.reasons.add(str(error["status"]))
            for detail in error.get("details") or []:
                if isinstance(detail, dict) and detail.get("reason"):
                    self.reasons.add(str(detail["reason"]))

    @property
    def short(self) -> str:
        return f"{self.status} {self.message}".strip()

    @property
    def quota(self) -> bool:
        return self.status == 429 or bool(self.reasons & QUOTA_REASONS)

    def retry_after(self, *, now: float | None = None) -> float | None:
        """Honoured in full for quota answers, briefly for server errors (hub.http rules)."""
        return retry_hint(self.status, self.headers, rate_limited=self.quota, now=now)


def from_http_error(
    exc: HttpError,
    *,
    call: str,
    settings: GoogleSettings,
    not_found: str | None = None,
    scrub: Scrubber | None = None,
) -> ProviderError:
    """Classify a Directory API error answer (``call`` is e.g. ``users.list``)."""
    scrub = scrub or Scrubber.for_settings(settings)
    answer = GoogleAnswer(exc.resp.status, exc.content or b"", dict(exc.resp), scrub)
    status = answer.status
    if status == 429 or status >= 500 or (status == 403 and answer.reasons & QUOTA_REASONS):
        if answer.quota:
            msg = (
                f"{PROVIDER} quota exceeded for {call} ({answer.short}) and retries did not help; "
                "sync later, or raise the Admin SDK API quota in the Google Cloud project"
            )
        else:
            msg = f"{PROVIDER} answered {answer.short} for {call}; try again later"
        return RetriableProviderError(msg, retry_after=answer.retry_after())
    if status == 401:
        return ProviderError(_refused(answer.short, settings))
    if status == 403:
        return ProviderError(_forbidden(answer, call, settings))
    if status == 404 and not_found:
        return ProviderError(f"{not_found} ({answer.short})")
    if status in (400, 404) and call in CUSTOMER_CALLS:
        msg = (
            f"{PROVIDER} does not know customer '{settings.customer}' ({answer.short} for {call}): "
            "set customer to my_customer, or to the customer id shown in Admin console > "
            "Account > Account settings (setting: customer)"
        )
        return ProviderError(msg)
    return ProviderError(f"{PROVIDER} answered {answer.short} for {call}")


def _refused(detail: str, settings: GoogleSettings) -> str:
    kind = settings.credential_kind
    if kind == SERVICE_ACCOUNT:
        advice = (
            "check that the service-account key in the credentials secret is still active "
            "(secret: credentials)"
        )
    elif kind == AUTHORIZED_USER:
        advice = "authorise again and store the new authorized-user JSON (secret: credentials)"
    else:
        advice = (
            "the access token has expired or was revoked; store a fresh one (secret: token), or "
            "use a service-account key (secret: credentials) so tokens renew themselves"
        )
    return f"{PROVIDER} refused the credentials ({detail}): {advice}"


def _forbidden(answer: GoogleAnswer, call: str, settings: GoogleSettings) -> str:
    if answer.reasons & DISABLED_REASONS:
        return (
            f"{PROVIDER} refused {call} ({answer.short}): the Admin SDK API is not enabled in the "
            "Google Cloud project of these credentials; enable it (APIs & Services > Library > "
            "Admin SDK API) and sync again"
        )
    if answer.reasons & SCOPE_REASONS:
        return (
            f"{PROVIDER} refused {call} ({answer.short}): the credentials lack the read-only "
            f"Directory scopes; grant {SCOPE_LIST}"
        )
    return f"Google refused access to {call} ({answer.short}): {access_advice(settings)}"


def access_advice(settings: GoogleSettings) -> str:
    """What fixes a refused Directory call, for the kind of credentials in use."""
    if settings.credential_kind == SERVICE_ACCOUNT:
        who = client_id(settings) or "(client_id in the key file)"
        return (
            f"authorise the read-only Directory scopes ({SCOPE_LIST}) for the service account's "
            f"client id {who} in the {DELEGATION_PAGE}, and set subject to a super admin or an "
            "admin with read-only Users, Groups and Organizational Units privileges "
            f"(setting: subject, now {settings.subject})"
        )
    return (
        "the admin whose token or authorized-user file this is must hold read-only Users, Groups "
        "and Organizational Units privileges (Admin console > Account > Admin roles), and the "
        "token must carry the read-only Directory scopes (secret: "
        f"{'credentials' if settings.credential_kind == AUTHORIZED_USER else 'token'})"
    )


def from_refresh_error(
    exc: RefreshError, *, settings: GoogleSettings, scrub: Scrubber | None = None
) -> ProviderError:
    """A refused token exchange (service account or refresh token). The token endpoint's
    words are scrubbed: some repeat the form they were sent (client secret, refresh token)."""
    code, description = _oauth_error(exc, scrub or Scrubber.for_settings(settings))
    detail = f"{code}: {description}" if description else code
    kind = settings.credential_kind
    if exc.retryable:
        return RetriableProviderError(f"Google's token endpoint failed ({detail}); try again later")
    if code in ("unauthorized_client", "access_denied") and kind == SERVICE_ACCOUNT:
        msg = f"Google refused to issue a token to the service account ({detail}): {access_advice(settings)}"
        return ProviderError(msg)
    if code == "invalid_grant" and kind == SERVICE_ACCOUNT:
        msg = (
            f"Google refused the service account's sign-in ({detail}): check that subject "
            f"({settings.subject}) is an existing admin of the domain (setting: subject) and that "
            "the key in the credentials secret has not been deleted (secret: credentials)"
        )
        return ProviderError(msg)
    if code == "invalid_client":
        msg = (
            f"Google does not know the OAuth client in the credentials ({detail}): it was deleted "
            "or its secret changed; download the JSON again (secret: credentials)"
        )
        return ProviderError(msg)
    return ProviderError(_refused(detail, settings))


def _oauth_error(exc: RefreshError, scrub: Scrubber) -> tuple[str, str]:
    """(error, error_description) from the token endpoint's answer, as google-auth kept it."""
    for arg in exc.args[1:]:
        if isinstance(arg, dict) and arg.get("error"):
            code = scrub.excerpt(str(arg["error"]), 80)
            return code, scrub.excerpt(str(arg.get("error_description") or ""))
    text = str(exc.args[0]) if exc.args else "refused"
    code, _, description = text.partition(":")
    return scrub.excerpt(code.strip(), 80) or "refused", scrub.excerpt(description.strip())


def unreachable(endpoint: str, exc: BaseException) -> RetriableProviderError:
    return RetriableProviderError(
        f"cannot reach {PROVIDER} at {endpoint}: {exc.__class__.__name__}"
    )
