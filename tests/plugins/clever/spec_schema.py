"""The Clever Data API v3.0 and v3.1 answers, restated from Clever's published specification.

Sources, restated here in our own words:

- the Swagger 2.0 documents ``v3.0.yml`` and ``v3.1.yml`` (section ``definitions``: District,
  DistrictContact, School, Principal, Location, User, Name, Roles, Student, SchoolEnrollment,
  Teacher, Staff, DistrictAdmin, Contact, StudentRelationship, Section, Link and the
  ``*Response`` envelopes; section ``responses``: BadRequest, NotFound, InternalError) and
  ``v3.0-events.yml`` / ``v3.1-events.yml`` (Event and the ``<resource>.<change>`` event
  types) in github.com/Clever/swagger-api;
- dev.clever.com: "Responses and errors" (a 429 answers with an empty body; rate-limit
  headers), "Events API" (an event's ``data`` holds the ``object`` and, for updates,
  ``previous_attributes``), the field guides (ids are ObjectIDs: 24 hex digits; times are UTC
  ``YYYY-MM-DDTHH:MM:SS.SSSZ``; ``dob`` is M/D/YYYY).

The Swagger marks no field required; an answer's object without its id is unusable, so ids
and the envelopes' ``data`` are required here. Everything else may be absent, but a present
field must have its type, its enumeration or pattern, and may be null only where the spec says
``x-nullable``. Every object is closed: a field the version does not define is a violation (so
v3.1-only student fields in a v3.0 answer are caught).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, NotRequired, Union

from pydantic import AfterValidator, Field, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from tests.plugins.spec import IsoDate, closed, instant_check, one_of, pattern_check

ObjectId = Annotated[str, AfterValidator(pattern_check(r"[0-9a-f]{24}", "a 24-hex ObjectID"))]


def _dob(value: str) -> str:
    pattern_check(r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}", "a M/D/YYYY date")(value)
    month, day, year = (int(part) for part in value.split("/"))
    datetime(year, month, day)  # a real calendar date
    return value


Instant = Annotated[
    str,
    AfterValidator(
        instant_check(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z", "a UTC YYYY-MM-DDTHH:MM:SS.SSSZ"
        )
    ),
]
Dob = Annotated[str, AfterValidator(_dob)]
Date = IsoDate

# Student.grade, Section.grade, School.low_grade / high_grade (both versions).
Grade = Literal[
    "InfantToddler", "Preschool", "PreKindergarten", "TransitionalKindergarten", "Kindergarten",
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13",
    "PostGraduate", "Ungraded", "Other", "",
]  # fmt: skip
YesNo = Literal["Y", "N", ""]
Race = Literal[
    "Caucasian", "Asian", "Black or African American", "American Indian",
    "Hawaiian or Other Pacific Islander", "Two or More Races", "Unknown", "",
]  # fmt: skip
Gender = Literal["M", "F", "X", ""]
# v3.1 Student.home_language: the spec enumerates these names (no empty string).
HOME_LANGUAGES = frozenset(
    """Afrikaans|Albanian|Amharic|Arabic|Armenian|Assamese|Aymara|Azerbaijani|Bambara|Bashkir|
    Basque|Belarusian|Bengali|Bhojpuri|Bosnian|Bulgarian|Burmese|Cabo Verdean|Cantonese|Catalan|
    Cebuano|Chichewa|Chinese|Chuukese|Corsican|Croatian|Czech|Danish|Dari|Divehi|Dogri|Dutch|
    English|Estonian|Ewe|Faroese|Farsi|Fijian|Filipino|Finnish|French|Frisian|Galician|Georgian|
    German|Greek|Guarani|Gujarati|Haitian Creole|Hausa|Hawaiian|Hebrew|Hindi|Hmong|Hungarian|
    Icelandic|Igbo|Ilocano|Indonesian|Inuinnaqtun|Inuktitut|Irish|Italian|Japanese|Javanese|
    Kannada|Karen|Kazakh|Khmer|Kinyarwanda|Kirundi|Konkani|Korean|Krio|Kurdish (Kurmanji)|
    Kurdish (Sorani)|Kyrgyz|Laotian|Latvian|Lingala|Lithuanian|Lower Sorbian|Luganda|
    Luxembourgish|Macedonian|Maithili|Malagasy|Malay|Malayalam|Maltese|Mandarin|Manipuri|Maori|
    Marathi|Marshallese|Mizo|Mongolian|Nepali|Northern Sotho|Norwegian|Odia|Oromo|Other|Pashto|
    Polish|Portuguese|Punjabi|Quechua|Queretaro Otomi|Romanian|Russian|Samoan|Scots Gaelic|
    Serbian|Sesotho|Setswana|Shona|Sindhi|Sinhala|Slovak|Slovenian|Somali|Spanish|Sundanese|
    Swahili|Swedish|Tagalog|Tahitian|Tajik|Tamil|Tatar|Telugu|Thai|Tibetan|Tigrinya|Tongan|
    Tsonga|Turkish|Turkmen|Twi|Ukrainian|Upper Sorbian|Urdu|Uyghur|Uzbek|Vietnamese|Welsh|
    Xhosa|Yiddish|Yoruba|Yucatec Maya|Zulu""".replace("\n", "")
    .replace("    ", "")
    .split("|")
)
HomeLanguage = Annotated[str, AfterValidator(one_of(HOME_LANGUAGES, "home languages"))]
# v3.1 Student.home_language_code: the spec enumerates ISO 639-3 codes (and "other").
LanguageCode = Annotated[
    str, AfterValidator(pattern_check(r"[a-z]{3}|other", "an ISO 639-3 code or 'other'"))
]


# -- shared parts ---------------------------------------------------------------------------
@closed
class Name(TypedDict):
    first: NotRequired[str | None]
    middle: NotRequired[str | None]
    last: NotRequired[str | None]


@closed
class Location(TypedDict):
    address: NotRequired[str | None]
    city: NotRequired[str | None]
    state: NotRequired[str | None]
    zip: NotRequired[str | None]
    lat: NotRequired[str | None]
    lon: NotRequired[str | None]


@closed
class Credentials(TypedDict):
    district_username: NotRequired[str]


@closed
class Link(TypedDict):
    rel: Literal["next", "prev", "self"]
    uri: str


@closed
class ErrorBody(TypedDict):
    """BadRequest, NotFound and InternalError are all ``{"message": ...}``."""

    message: str


# -- districts and schools ------------------------------------------------------------------
@closed
class DistrictContact(TypedDict):
    district: NotRequired[ObjectId]
    email: NotRequired[str | None]
    id: NotRequired[ObjectId]
    name: NotRequired[Name]
    title: NotRequired[str]


@closed
class District30(TypedDict):
    id: ObjectId
    district_contact: NotRequired[DistrictContact]
    error: NotRequired[str]
    last_sync: NotRequired[Instant | None]
    launch_date: NotRequired[Date]
    login_methods: NotRequired[list[str]]
    mdr_number: NotRequired[str | None]
    name: NotRequired[str]
    nces_id: NotRequired[str | None]
    pause_end: NotRequired[Instant | None]
    pause_start: NotRequired[Instant | None]
    portal_url: NotRequired[str]
    sis_type: NotRequired[str]
    state: NotRequired[Literal["running", "pending", "error", "paused", "", "success"] | None]


@closed
class District31(District30):
    last_attendance_sync: NotRequired[Instant | None]
    lms_state: NotRequired[
        Literal[
            "initial_sync_processing", "pending_authorization", "matching_in_progress",
            "error", "disconnected", "", "success",
        ] | None
    ]  # fmt: skip
    lms_type: NotRequired[Literal["canvas", "schoology", "google_classroom", ""] | None]


@closed
class Principal(TypedDict):
    email: NotRequired[str | None]
    name: NotRequired[str | None]


@closed
class School(TypedDict):
    id: ObjectId
    created: NotRequired[Instant]
    district: NotRequired[ObjectId]
    ext: NotRequired[dict[str, Any]]
    high_grade: NotRequired[Grade | None]
    last_modified: NotRequired[Instant]
    location: NotRequired[Location | None]
    low_grade: NotRequired[Grade | None]
    mdr_number: NotRequired[str | None]
    name: NotRequired[str]
    nces_id: NotRequired[str | None]
    phone: NotRequired[str | None]
    principal: NotRequired[Principal]
    school_number: NotRequired[str]
    sis_id: NotRequired[str]
    state_id: NotRequired[str | None]


# -- users ----------------------------------------------------------------------------------
@closed
class SchoolEnrollment(TypedDict):
    """Dates are datetime strings and not x-nullable: an open enrollment leaves end_date out."""

    school: NotRequired[ObjectId]
    start_date: NotRequired[Instant]
    end_date: NotRequired[Instant]


@closed
class Student30(TypedDict):
    created: NotRequired[Instant]
    credentials: NotRequired[Credentials]
    dob: NotRequired[Dob | None]
    ell_status: NotRequired[YesNo | None]
    enrollments: NotRequired[list[SchoolEnrollment]]
    ext: NotRequired[dict[str, Any]]
    gender: NotRequired[Gender | None]
    grade: NotRequired[Grade | None]
    graduation_year: NotRequired[str | None]
    hispanic_ethnicity: NotRequired[YesNo | None]
    last_modified: NotRequired[Instant]
    legacy_id: NotRequired[str]
    location: NotRequired[Location | None]
    race: NotRequired[Race | None]
    school: NotRequired[ObjectId]
    schools: NotRequired[list[ObjectId]]
    sis_id: NotRequired[str]
    state_id: NotRequired[str | None]
    student_number: NotRequired[str | None]


@closed
class Disability(TypedDict):
    disability_code: NotRequired[
        Literal[
            "aut", "db", "dd", "emn", "hi", "id", "md", "oi", "other", "ohi", "sld", "sli",
            "tbi", "vi",
        ] | None
    ]  # fmt: skip
    disability_status: NotRequired[YesNo | None]
    disability_type: NotRequired[
        Literal[
            "Autism", "Deaf-blindness", "Developmental delay", "Emotional disturbance",
            "Hearing impairment", "Intellectual Disability", "Multiple disabilities",
            "Orthopedic impairment", "Other", "Other health impairment",
            "Specific learning disability", "Speech or language impairment",
            "Traumatic brain injury", "Visual impairment",
        ] | None
    ]  # fmt: skip


@closed
class Student31(Student30):
    disability: NotRequired[Disability]
    frl_status: NotRequired[Literal["Free", "Reduced", "Paid", "Other", ""] | None]
    gifted_status: NotRequired[YesNo | None]
    home_language: NotRequired[HomeLanguage | None]
    home_language_code: NotRequired[LanguageCode | None]
    iep_status: NotRequired[str | None]
    preferred_name: NotRequired[Name]
    section_504_status: NotRequired[YesNo | None]


@closed
class Teacher(TypedDict):
    created: NotRequired[Instant]
    credentials: NotRequired[Credentials | None]
    district: NotRequired[ObjectId]
    ext: NotRequired[dict[str, Any]]
    last_modified: NotRequired[Instant]
    legacy_id: NotRequired[str]
    name: NotRequired[Name]
    school: NotRequired[ObjectId]
    schools: NotRequired[list[ObjectId]]
    sis_id: NotRequired[str]
    state_id: NotRequired[str | None]
    teacher_number: NotRequired[str | None]
    title: NotRequired[str | None]


@closed
class Staff(TypedDict):
    credentials: NotRequired[Credentials]
    department: NotRequired[str | None]
    ext: NotRequired[dict[str, Any]]
    legacy_id: NotRequired[str]
    roles: NotRequired[list[str]]
    schools: NotRequired[list[ObjectId]]
    staff_id: NotRequired[str]
    title: NotRequired[str | None]


@closed
class DistrictAdmin(TypedDict):
    legacy_id: NotRequired[str]
    title: NotRequired[str | None]


@closed
class StudentRelationship(TypedDict):
    relationship: NotRequired[
        Literal["Parent", "Grandparent", "Self", "Aunt/Uncle", "Sibling", "Other", ""] | None
    ]
    student: NotRequired[ObjectId]
    type: NotRequired[
        Literal["Parent/Guardian", "Emergency", "Primary", "Secondary", "Family", "Other", ""]
        | None
    ]


@closed
class Contact(TypedDict):
    legacy_id: NotRequired[str]
    phone: NotRequired[str | None]
    phone_type: NotRequired[Literal["Cell", "Home", "Work", "Other", ""] | None]
    sis_id: NotRequired[str | None]
    student_relationships: NotRequired[list[StudentRelationship]]


@closed
class Roles30(TypedDict):
    contact: NotRequired[Contact | None]
    district_admin: NotRequired[DistrictAdmin | None]
    staff: NotRequired[Staff | None]
    student: NotRequired[Student30 | None]
    teacher: NotRequired[Teacher | None]


@closed
class Roles31(TypedDict):
    contact: NotRequired[Contact | None]
    district_admin: NotRequired[DistrictAdmin | None]
    staff: NotRequired[Staff | None]
    student: NotRequired[Student31 | None]
    teacher: NotRequired[Teacher | None]


@closed
class LmsStatus(TypedDict):
    synced_in_lms: NotRequired[bool]


@closed
class User30(TypedDict):
    id: ObjectId
    created: NotRequired[Instant]
    district: NotRequired[ObjectId]
    email: NotRequired[str | None]
    last_modified: NotRequired[Instant]
    name: NotRequired[Name]
    roles: NotRequired[Roles30]


@closed
class User31(TypedDict):
    id: ObjectId
    created: NotRequired[Instant]
    district: NotRequired[ObjectId]
    email: NotRequired[str | None]
    last_modified: NotRequired[Instant]
    lms_status: NotRequired[LmsStatus | None]
    name: NotRequired[Name]
    roles: NotRequired[Roles31]


# -- sections (seen in events) --------------------------------------------------------------
@closed
class Section30(TypedDict):
    id: ObjectId
    course: NotRequired[ObjectId | None]
    created: NotRequired[Instant]
    district: NotRequired[ObjectId]
    ext: NotRequired[dict[str, Any]]
    grade: NotRequired[Grade | None]
    last_modified: NotRequired[Instant]
    name: NotRequired[str]
    period: NotRequired[str | None]
    school: NotRequired[ObjectId]
    section_number: NotRequired[str | None]
    sis_id: NotRequired[str]
    students: NotRequired[list[ObjectId]]
    subject: NotRequired[
        Literal[
            "english/language arts", "math", "science", "social studies", "language",
            "homeroom/advisory", "interventions/online learning", "technology and engineering",
            "PE and health", "arts and music", "other", "",
        ] | None
    ]  # fmt: skip
    teacher: NotRequired[ObjectId | None]
    teachers: NotRequired[list[ObjectId]]
    term_id: NotRequired[ObjectId | None]


@closed
class Section31(Section30):
    lms_status: NotRequired[LmsStatus | None]


# -- the envelopes and pages ----------------------------------------------------------------
def _envelope(name: str, obj: Any) -> Any:
    """``{"data": <obj>, "uri": "/v3.x/<resource>/<id>"}``; the Swagger names only ``data``,
    the docs' examples carry ``uri`` too."""
    return closed(TypedDict(name, {"data": obj, "uri": NotRequired[str]}))  # type: ignore[operator]


def _page(name: str, envelope: Any) -> TypeAdapter[Any]:
    return TypeAdapter(closed(TypedDict(name, {"data": list[envelope], "links": list[Link]})))  # type: ignore[operator]


# -- events ---------------------------------------------------------------------------------
def _event_data(obj: Any, previous_ok: TypeAdapter[Any]) -> Any:
    """An event's ``data``: the object, and for updates ``previous_attributes`` (fields of the
    object's type holding their earlier values: merged over the object they must still be a
    valid object)."""

    def previous_is_valid(data: dict[str, Any]) -> dict[str, Any]:
        previous = data.get("previous_attributes")
        if previous is not None:
            try:
                previous_ok.validate_python({**data["object"], **previous})
            except ValidationError as exc:
                wrong = "; ".join(
                    f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
                )
                msg = f"previous_attributes are not earlier values of the object ({wrong})"
                raise ValueError(msg) from None
        return data

    shape = closed(
        TypedDict(  # type: ignore[operator]
            "EventData", {"object": obj, "previous_attributes": NotRequired[dict[str, Any]]}
        )
    )
    return Annotated[shape, AfterValidator(previous_is_valid)]


def _event(name: str, resource: str, data: Any) -> Any:
    kinds = Literal[f"{resource}.created", f"{resource}.updated", f"{resource}.deleted"]  # type: ignore[valid-type]
    return closed(
        TypedDict(  # type: ignore[operator]
            name, {"id": ObjectId, "type": kinds, "created": NotRequired[Instant], "data": data}
        )
    )


class Version:
    """The adapters for one API version's answers. Only the kinds of events the sandbox
    records (users, sections, schools) are restated; any other kind fails validation."""

    def __init__(self, name: str, district: Any, user: Any, section: Any) -> None:
        self.name = name
        self.districts = _page(f"Districts{name}", _envelope("DistrictResponse", district))
        self.schools = _page(f"Schools{name}", _envelope("SchoolResponse", School))
        self.users = _page(f"Users{name}", _envelope("UserResponse", user))
        kinds = [
            _event(f"{resource.title()}Event", resource, _event_data(obj, TypeAdapter(obj)))
            for resource, obj in (("users", user), ("sections", section), ("schools", School))
        ]
        event = Annotated[Union[tuple(kinds)], Field(discriminator="type")]  # noqa: UP007
        self.events = _page(f"Events{name}", _envelope("EventResponse", event))
        self.error = TypeAdapter(ErrorBody)


V30 = Version("V30", District30, User30, Section30)
V31 = Version("V31", District31, User31, Section31)
VERSIONS = {"v3.0": V30, "v3.1": V31}
