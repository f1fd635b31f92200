"""The Admin SDK Directory API v1 answers the sandbox serves, and its OAuth token endpoint's,
restated from Google's published specifications.

Sources, restated here in our own words:

- the Directory API v1 discovery document (``admin.directory_v1.json``, section ``schemas``:
  Users, User, UserName, UserEmail, OrgUnits, OrgUnit, Groups, Group, Members, Member,
  Customer, CustomerPostalAddress) and the REST reference at developers.google.com/admin-sdk
  (``kind`` values; Member ``role`` MANAGER/MEMBER/OWNER and ``type``
  CUSTOMER/EXTERNAL/GROUP/USER; a CUSTOMER member has no email and the customer id as its id;
  lists leave the item list out when it is empty and carry ``nextPageToken`` while more pages
  follow);
- Google's JSON error format (cloud.google.com/apis/design/errors: ``error.code`` is the HTTP
  status, ``error.status`` the google.rpc.Code name that goes with it, ``error.errors[]`` the
  legacy ``{message, domain, reason}`` entries);
- RFC 6749 sections 5.1 and 5.2 for the token endpoint's answers (Google's token endpoint
  follows them).

Every object is closed; :func:`test_restated_fields_are_in_the_discovery_document` (in the
fidelity test) checks that every field named here is one the discovery document defines.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, NotRequired

from pydantic import AfterValidator, TypeAdapter
from typing_extensions import TypedDict

from tests.plugins.spec import closed, pattern_check

Email = Annotated[str, AfterValidator(pattern_check(r"[^@\s]+@[^@\s]+\.[^@\s]+", "an email"))]
Digits = Annotated[str, AfterValidator(pattern_check(r"[0-9]+", "a decimal number"))]
OuPath = Annotated[str, AfterValidator(pattern_check(r"/|(/[^/]+)+", "an org unit path"))]


def _instant(value: str) -> str:
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


Instant = Annotated[str, AfterValidator(_instant)]


@closed
class UserName(TypedDict):
    givenName: NotRequired[str]
    familyName: NotRequired[str]
    fullName: NotRequired[str]
    displayName: NotRequired[str]


@closed
class UserEmail(TypedDict):
    address: Email
    primary: NotRequired[bool]
    type: NotRequired[Literal["custom", "home", "other", "work"]]
    customType: NotRequired[str]


@closed
class User(TypedDict):
    kind: Literal["admin#directory#user"]
    id: Digits
    etag: NotRequired[str]
    primaryEmail: Email
    name: NotRequired[UserName]
    isAdmin: NotRequired[bool]
    isDelegatedAdmin: NotRequired[bool]
    agreedToTerms: NotRequired[bool]
    suspended: NotRequired[bool]
    suspensionReason: NotRequired[str]
    archived: NotRequired[bool]
    changePasswordAtNextLogin: NotRequired[bool]
    ipWhitelisted: NotRequired[bool]
    emails: NotRequired[list[UserEmail]]
    aliases: NotRequired[list[Email]]
    nonEditableAliases: NotRequired[list[Email]]
    customerId: NotRequired[str]
    orgUnitPath: NotRequired[OuPath]
    isMailboxSetup: NotRequired[bool]
    isEnrolledIn2Sv: NotRequired[bool]
    isEnforcedIn2Sv: NotRequired[bool]
    includeInGlobalAddressList: NotRequired[bool]
    creationTime: NotRequired[Instant]
    lastLoginTime: NotRequired[Instant]
    thumbnailPhotoUrl: NotRequired[str]
    thumbnailPhotoEtag: NotRequired[str]


@closed
class Users(TypedDict):
    kind: Literal["admin#directory#users"]
    etag: NotRequired[str]
    users: NotRequired[Annotated[list[User], AfterValidator(lambda v: _nonempty(v, "users"))]]
    nextPageToken: NotRequired[str]
    trigger_event: NotRequired[str]


def _nonempty(items: list[Any], key: str) -> list[Any]:
    if not items:
        msg = f"an empty '{key}' list (Google leaves it out)"
        raise ValueError(msg)
    return items


def _ou_consistent(unit: dict[str, Any]) -> dict[str, Any]:
    """``name`` is the last part of ``orgUnitPath``; ``parentOrgUnitPath`` the rest."""
    path = unit["orgUnitPath"]
    parent, _, name = path.rpartition("/")
    if unit.get("name") not in (None, name):
        msg = f"name {unit['name']!r} is not the last part of {path}"
        raise ValueError(msg)
    if unit.get("parentOrgUnitPath") not in (None, parent or "/"):
        msg = f"parentOrgUnitPath {unit['parentOrgUnitPath']!r} is not the parent of {path}"
        raise ValueError(msg)
    return unit


@closed
class OrgUnitShape(TypedDict):
    kind: Literal["admin#directory#orgUnit"]
    etag: NotRequired[str]
    name: str
    description: NotRequired[str]
    orgUnitPath: OuPath
    orgUnitId: Annotated[
        str, AfterValidator(pattern_check(r"id:[0-9a-z]+", "an 'id:' org unit id"))
    ]
    parentOrgUnitPath: NotRequired[OuPath]
    parentOrgUnitId: NotRequired[str]
    blockInheritance: NotRequired[bool]


OrgUnit = Annotated[OrgUnitShape, AfterValidator(_ou_consistent)]


@closed
class OrgUnits(TypedDict):
    kind: Literal["admin#directory#orgUnits"]
    etag: NotRequired[str]
    organizationUnits: NotRequired[
        Annotated[list[OrgUnit], AfterValidator(lambda v: _nonempty(v, "organizationUnits"))]
    ]


@closed
class Group(TypedDict):
    kind: Literal["admin#directory#group"]
    id: str
    etag: NotRequired[str]
    email: Email
    name: NotRequired[str]
    directMembersCount: NotRequired[Digits]  # an int64, sent as a string
    description: NotRequired[str]
    adminCreated: NotRequired[bool]
    aliases: NotRequired[list[Email]]
    nonEditableAliases: NotRequired[list[Email]]


@closed
class Groups(TypedDict):
    kind: Literal["admin#directory#groups"]
    etag: NotRequired[str]
    groups: NotRequired[Annotated[list[Group], AfterValidator(lambda v: _nonempty(v, "groups"))]]
    nextPageToken: NotRequired[str]


def _customer_has_no_email(member: dict[str, Any]) -> dict[str, Any]:
    if member["type"] == "CUSTOMER" and "email" in member:
        msg = "a CUSTOMER member with an email"
        raise ValueError(msg)
    if member["type"] != "CUSTOMER" and "email" not in member:
        msg = f"a {member['type']} member without an email"
        raise ValueError(msg)
    return member


@closed
class MemberShape(TypedDict):
    kind: Literal["admin#directory#member"]
    etag: NotRequired[str]
    id: str
    email: NotRequired[Email]
    role: Literal["MANAGER", "MEMBER", "OWNER"]
    type: Literal["CUSTOMER", "EXTERNAL", "GROUP", "USER"]
    status: NotRequired[Literal["ACTIVE", "ARCHIVED", "SUSPENDED", "UNKNOWN"]]
    delivery_settings: NotRequired[Literal["ALL_MAIL", "DAILY", "DIGEST", "DISABLED", "NONE"]]


Member = Annotated[MemberShape, AfterValidator(_customer_has_no_email)]


@closed
class Members(TypedDict):
    kind: Literal["admin#directory#members"]
    etag: NotRequired[str]
    members: NotRequired[Annotated[list[Member], AfterValidator(lambda v: _nonempty(v, "members"))]]
    nextPageToken: NotRequired[str]


@closed
class CustomerPostalAddress(TypedDict):
    addressLine1: NotRequired[str]
    addressLine2: NotRequired[str]
    addressLine3: NotRequired[str]
    contactName: NotRequired[str]
    countryCode: str
    locality: NotRequired[str]
    organizationName: NotRequired[str]
    postalCode: NotRequired[str]
    region: NotRequired[str]


@closed
class Customer(TypedDict):
    kind: Literal["admin#directory#customer"]
    id: str
    etag: NotRequired[str]
    customerDomain: NotRequired[str]
    alternateEmail: NotRequired[Email]
    language: NotRequired[str]
    phoneNumber: NotRequired[str]
    postalAddress: NotRequired[CustomerPostalAddress]
    customerCreationTime: NotRequired[Instant]


# -- errors ---------------------------------------------------------------------------------
RPC_STATUS = {
    400: {"INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE"},
    401: {"UNAUTHENTICATED"},
    403: {"PERMISSION_DENIED"},
    404: {"NOT_FOUND"},
    409: {"ABORTED", "ALREADY_EXISTS"},
    429: {"RESOURCE_EXHAUSTED"},
    499: {"CANCELLED"},
    500: {"INTERNAL", "UNKNOWN", "DATA_LOSS"},
    501: {"UNIMPLEMENTED"},
    503: {"UNAVAILABLE"},
    504: {"DEADLINE_EXCEEDED"},
}
"""google.rpc.Code names by the HTTP status each maps to."""


@closed
class LegacyError(TypedDict):
    message: str
    domain: str
    reason: str
    location: NotRequired[str]
    locationType: NotRequired[str]
    extendedHelp: NotRequired[str]
    sendReport: NotRequired[str]


def _status_matches(error: dict[str, Any]) -> dict[str, Any]:
    if error["status"] not in RPC_STATUS.get(error["code"], set()):
        msg = f"status {error['status']} does not go with code {error['code']}"
        raise ValueError(msg)
    return error


@closed
class ErrorShape(TypedDict):
    code: int
    message: str
    status: Literal[
        "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
        "ALREADY_EXISTS", "PERMISSION_DENIED", "UNAUTHENTICATED", "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL",
        "UNAVAILABLE", "DATA_LOSS",
    ]  # fmt: skip
    errors: NotRequired[list[LegacyError]]
    details: NotRequired[list[dict[str, Any]]]


@closed
class ErrorBody(TypedDict):
    error: Annotated[ErrorShape, AfterValidator(_status_matches)]


# -- the OAuth token endpoint (RFC 6749) ----------------------------------------------------
@closed
class TokenAnswer(TypedDict):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    scope: NotRequired[str]
    refresh_token: NotRequired[str]
    id_token: NotRequired[str]


@closed
class TokenError(TypedDict):
    error: Literal[
        "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
        "unsupported_grant_type", "invalid_scope",
    ]  # fmt: skip
    error_description: NotRequired[str]
    error_uri: NotRequired[str]


USERS = TypeAdapter(Users)
ORGUNITS = TypeAdapter(OrgUnits)
GROUPS = TypeAdapter(Groups)
MEMBERS = TypeAdapter(Members)
CUSTOMER = TypeAdapter(Customer)
ERROR = TypeAdapter(ErrorBody)
TOKEN = TypeAdapter(TokenAnswer)
TOKEN_ERROR = TypeAdapter(TokenError)

RESTATED = {
    "Users": Users,
    "User": User,
    "UserName": UserName,
    "UserEmail": UserEmail,
    "OrgUnits": OrgUnits,
    "OrgUnit": OrgUnitShape,
    "Groups": Groups,
    "Group": Group,
    "Members": Members,
    "Member": MemberShape,
    "Customer": Customer,
    "CustomerPostalAddress": CustomerPostalAddress,
}
"""Discovery schema name -> its restatement here."""
