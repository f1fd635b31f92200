"""OneRoster 1.1 and 1.2 rostering answers, restated from the IMS (1EdTech) specifications.

Sources, restated here in our own words:

- OneRoster v1.1 Final, Information Model section 4 (4.1 Base: ``sourcedId``, ``status``,
  ``dateLastModified``, ``metadata``; 4.5 Orgs; 4.9 Users; 4.12 GUIDRef; 4.13 enumerated
  vocabularies: StatusType ``active|tobedeleted``, RoleType, OrgType, GUIDType) and the
  OneRoster v1.1 REST/JSON binding (collections as ``{"users": [...]}``, single objects as
  ``{"user": {...}}``; booleans such as ``enabledUser`` travel as the strings
  ``"true"``/``"false"``; errors as the imsx_StatusInfo structure with its codeMajor,
  severity and codeMinor vocabularies and the HTTP status each codeMinor goes with);
- OneRoster v1.2 Rostering Service REST/JSON binding (UserDType with ``roles[]`` of
  RoleDType ``{roleType, role, org}``, ``primaryOrg``, ``userMasterIdentifier``; the 1.2
  RoleType and imsx codeMinor vocabularies).

Required fields are required; optional ones may be absent but never null. Every object is
closed, so a 1.2 field in a 1.1 answer (or the reverse) is a violation.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from pydantic import AfterValidator, Field, TypeAdapter
from typing_extensions import TypedDict

from tests.plugins.spec import IsoDate, closed, instant_check

Instant = Annotated[
    str,
    AfterValidator(
        instant_check(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z", "a UTC ISO 8601 date-time")
    ),
]
Date = IsoDate
Status = Literal["active", "tobedeleted"]
TrueFalse = Literal["true", "false"]
OrgType = Literal["department", "school", "district", "local", "state", "national"]


def _ref(name: str, kind: str) -> Any:
    """A GUIDRef to an object of ``kind`` (``org``, ``user``)."""
    return closed(
        TypedDict(  # type: ignore[operator]
            name,
            {"href": str, "sourcedId": str, "type": Literal[kind]},  # type: ignore[valid-type]
        )
    )


OrgRef = _ref("OrgRef", "org")
UserRef = _ref("UserRef", "user")


@closed
class UserId(TypedDict):
    type: str
    identifier: str


@closed
class Org(TypedDict):
    """The same in 1.1 and 1.2."""

    sourcedId: str
    status: Status
    dateLastModified: Instant
    metadata: NotRequired[dict[str, Any]]
    name: str
    type: OrgType
    identifier: NotRequired[str]
    parent: NotRequired[OrgRef]
    children: NotRequired[list[OrgRef]]


@closed
class User11(TypedDict):
    sourcedId: str
    status: Status
    dateLastModified: Instant
    metadata: NotRequired[dict[str, Any]]
    username: str
    userIds: NotRequired[list[UserId]]
    enabledUser: TrueFalse
    givenName: str
    familyName: str
    middleName: NotRequired[str]
    role: Literal[
        "administrator", "aide", "guardian", "parent", "proctor", "relative", "student", "teacher"
    ]
    identifier: NotRequired[str]
    email: NotRequired[str]
    sms: NotRequired[str]
    phone: NotRequired[str]
    agents: NotRequired[list[UserRef]]
    orgs: Annotated[list[OrgRef], Field(min_length=1)]
    grades: NotRequired[list[str]]
    password: NotRequired[str]


@closed
class Role12(TypedDict):
    roleType: Literal["primary", "secondary"]
    role: Literal[
        "aide", "counselor", "districtAdministrator", "guardian", "parent", "principal",
        "proctor", "relative", "siteAdministrator", "student", "systemAdministrator", "teacher",
    ]  # fmt: skip
    org: OrgRef
    userProfile: NotRequired[str]
    beginDate: NotRequired[Date]
    endDate: NotRequired[Date]


def _one_primary(roles: list[Role12]) -> list[Role12]:
    if sum(1 for role in roles if role["roleType"] == "primary") != 1:
        msg = "not exactly one primary role"
        raise ValueError(msg)
    return roles


@closed
class User12(TypedDict):
    sourcedId: str
    status: Status
    dateLastModified: Instant
    metadata: NotRequired[dict[str, Any]]
    userMasterIdentifier: NotRequired[str]
    username: NotRequired[str]
    userIds: NotRequired[list[UserId]]
    enabledUser: TrueFalse
    givenName: str
    familyName: str
    middleName: NotRequired[str]
    preferredFirstName: NotRequired[str]
    preferredMiddleName: NotRequired[str]
    preferredLastName: NotRequired[str]
    pronouns: NotRequired[str]
    roles: Annotated[list[Role12], Field(min_length=1), AfterValidator(_one_primary)]
    userProfiles: NotRequired[list[dict[str, Any]]]
    primaryOrg: NotRequired[OrgRef]
    identifier: NotRequired[str]
    email: NotRequired[str]
    sms: NotRequired[str]
    phone: NotRequired[str]
    agents: NotRequired[list[UserRef]]
    grades: NotRequired[list[str]]
    password: NotRequired[str]
    resources: NotRequired[list[dict[str, Any]]]


# -- errors: imsx_StatusInfo -----------------------------------------------------------------
MINOR_11 = Literal[
    "fullsuccess", "invalid_filter_field", "invalid_selection_field", "invalid_sort_field",
    "invaliduuid", "forbidden", "unauthorisedrequest", "unknownobject", "server_busy",
    "internal_server_error",
]  # fmt: skip
MINOR_12 = Literal[
    "fullsuccess", "invalid_filter_field", "invalid_selection_field", "invalid_sort_field",
    "invaliddata", "forbidden", "unauthorisedrequest", "unknownobject", "server_busy",
    "internal_server_error", "deletefailure", "unsupported",
]  # fmt: skip
STATUS_OF_MINOR = {
    "invalid_filter_field": 400,
    "invalid_selection_field": 400,
    "invalid_sort_field": 400,
    "invaliduuid": 400,
    "invaliddata": 422,
    "unauthorisedrequest": 401,
    "forbidden": 403,
    "unknownobject": 404,
    "server_busy": 429,
    "internal_server_error": 500,
}
"""The HTTP status each codeMinor goes with in the bindings' status-code tables; a server
under load may also say ``server_busy`` with a 503."""


def _status_info(name: str, minor: Any) -> TypeAdapter[Any]:
    field = closed(
        TypedDict(  # type: ignore[operator]
            f"{name}CodeMinorField",
            {"imsx_codeMinorFieldName": str, "imsx_codeMinorFieldValue": minor},
        )
    )
    code_minor = closed(
        TypedDict(  # type: ignore[operator]
            f"{name}CodeMinor",
            {"imsx_codeMinorField": Annotated[list[field], Field(min_length=1)]},  # type: ignore[valid-type]
        )
    )
    info = closed(
        TypedDict(  # type: ignore[operator]
            f"{name}StatusInfo",
            {
                "imsx_codeMajor": Literal["success", "processing", "failure", "unsupported"],
                "imsx_severity": Literal["status", "warning", "error"],
                "imsx_description": NotRequired[str],
                "imsx_CodeMinor": NotRequired[code_minor],
            },
        )
    )
    return TypeAdapter(info)


def _wrapped(key: str, item: Any) -> TypeAdapter[Any]:
    return TypeAdapter(closed(TypedDict(f"{key}Answer", {key: item})))  # type: ignore[operator]


class Version:
    """The adapters for one binding's answers."""

    def __init__(self, name: str, user: Any, minor: Any) -> None:
        self.name = name
        self.users = _wrapped("users", list[user])
        self.user = _wrapped("user", user)
        self.orgs = _wrapped("orgs", list[Org])
        self.org = _wrapped("org", Org)
        self.error = _status_info(name, minor)


V11 = Version("V11", User11, MINOR_11)
V12 = Version("V12", User12, MINOR_12)
