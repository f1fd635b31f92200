"""The Admin SDK Directory API v1 client: google-api-python-client built from the discovery
document that ships inside the package (no network at start-up), bounded retries of our own,
and page-token paging with loop detection.

googleapiclient's ``num_retries`` is left at 0: its retry rules do not know which 403s are
quota and which are refusals, and they sleep outside our control. Every call goes through
:meth:`DirectoryClient.call`, which retries 429, 5xx, quota 403s and network faults with
tenacity and turns everything else into a :class:`hub.errors.ProviderError` that says what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import google.auth.exceptions
import httplib2
from google.auth.transport import DEFAULT_REFRESH_STATUS_CODES
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import HttpRequest

import hub.http
from hub.errors import ProviderError
from hub.scrub import Scrubber
from plugins.gsuite.auth import build_credentials
from plugins.gsuite.errors import PROVIDER, from_http_error, from_refresh_error, unreachable
from plugins.gsuite.settings import GoogleSettings

MAX_GROUP_PAGE = 200  # groups.list and members.list refuse more per page
USER_FIELDS = (
    "nextPageToken,"
    "users(id,primaryEmail,name(givenName,familyName),suspended,archived,orgUnitPath,customerId)"
)
MEMBER_FIELDS = "nextPageToken,members(id,email,type,status)"


class DirectoryClient:
    """One integration's connection to the Directory API."""

    def __init__(
        self,
        settings: GoogleSettings,
        *,
        attempts: int = 5,
        timeout: float = 30.0,
        http: Any | None = None,
    ) -> None:
        self.settings = settings
        self.attempts = attempts
        self.scrub = Scrubber.for_settings(settings)
        if http is None:
            credentials = build_credentials(settings)
            # A bare access token cannot be renewed: a 401 is final, not a reason to refresh.
            refresh = () if settings.credential_kind == "token" else DEFAULT_REFRESH_STATUS_CODES
            http = AuthorizedHttp(
                credentials, http=httplib2.Http(timeout=timeout), refresh_status_codes=refresh
            )
        self.http = http
        self.service: Any = build(
            "admin",
            "directory_v1",
            http=http,
            cache_discovery=False,
            static_discovery=True,
            client_options={"api_endpoint": settings.api_endpoint},
        )

    def close(self) -> None:
        close = getattr(self.http, "close", None)
        if callable(close):
            close()

    # -- one request ------------------------------------------------------------------------
    def call(
        self, request: HttpRequest, *, what: str, not_found: str | None = None
    ) -> dict[str, Any]:
        """Execute with bounded retries; ``not_found`` is the message for a 404."""
        retrying = hub.http.retry_policy(self.attempts)
        result: dict[str, Any] = retrying(self._once, request, what, not_found)
        return result

    def _once(self, request: HttpRequest, what: str, not_found: str | None) -> dict[str, Any]:
        try:
            payload = request.execute(num_retries=0)
        except HttpError as exc:
            raise from_http_error(
                exc, call=what, settings=self.settings, not_found=not_found, scrub=self.scrub
            ) from None
        except google.auth.exceptions.RefreshError as exc:
            raise from_refresh_error(exc, settings=self.settings, scrub=self.scrub) from None
        except google.auth.exceptions.TransportError as exc:
            raise unreachable(self.settings.api_endpoint, exc) from None
        except (OSError, httplib2.HttpLib2Error) as exc:
            raise unreachable(self.settings.api_endpoint, exc) from None
        except ValueError:
            msg = f"{PROVIDER} answered {what} with something that is not JSON; check api_endpoint"
            raise ProviderError(msg) from None
        if not isinstance(payload, dict):
            msg = f"{PROVIDER} answered {what} with something that is not JSON; check api_endpoint"
            raise ProviderError(msg)
        return payload

    def pages(
        self,
        make: Callable[[str | None], HttpRequest],
        *,
        key: str,
        what: str,
        not_found: str | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Follow ``nextPageToken``; a token that comes back twice stops with PageLoop."""

        def fetch(token: str) -> tuple[list[dict[str, Any]], str | None]:
            payload = self.call(make(token or None), what=what, not_found=not_found)
            items = payload.get(key) or []
            if not isinstance(items, list):
                msg = f"{PROVIDER} answered {what} without a list of {key}"
                raise ProviderError(msg)
            return items, payload.get("nextPageToken") or None

        yield from hub.http.Pages(fetch, "", what=what, provider=PROVIDER)

    # -- the Directory calls ----------------------------------------------------------------
    def users(self) -> Iterator[dict[str, Any]]:
        """Every user of the customer, page by page (``maxResults`` = page_size)."""
        users = self.service.users()
        customer = self.settings.customer

        def make(token: str | None) -> HttpRequest:
            return users.list(
                customer=customer,
                maxResults=self.settings.page_size,
                pageToken=token,
                projection="basic",
                fields=USER_FIELDS,
            )

        for page in self.pages(make, key="users", what="users.list"):
            yield from page

    def orgunits(self) -> list[dict[str, Any]]:
        """Every OU below the root (``type=all``)."""
        request = self.service.orgunits().list(customerId=self.settings.customer, type="all")
        payload = self.call(request, what="orgunits.list")
        units = payload.get("organizationUnits") or []
        return [unit for unit in units if isinstance(unit, dict)]

    def groups(self) -> Iterator[dict[str, Any]]:
        groups = self.service.groups()
        size = min(self.settings.page_size, MAX_GROUP_PAGE)

        def make(token: str | None) -> HttpRequest:
            return groups.list(customer=self.settings.customer, maxResults=size, pageToken=token)

        for page in self.pages(make, key="groups", what="groups.list"):
            yield from page

    def members(self, group: str, *, setting: str) -> Iterator[dict[str, Any]]:
        """Members of ``group`` including those of nested groups (``includeDerivedMembership``)."""
        members = self.service.members()
        size = min(self.settings.page_size, MAX_GROUP_PAGE)

        def make(token: str | None) -> HttpRequest:
            return members.list(
                groupKey=group,
                includeDerivedMembership=True,
                maxResults=size,
                pageToken=token,
                fields=MEMBER_FIELDS,
            )

        not_found = (
            f"{PROVIDER} has no group '{group}' (setting: {setting}); check its email address "
            "in Admin console > Directory > Groups"
        )
        for page in self.pages(make, key="members", what="members.list", not_found=not_found):
            yield from page
