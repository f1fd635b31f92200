"""The database tables (SQLModel). The sync engine's hot path uses their Core ``__table__``
with bulk statements; the ORM classes serve the rest (CLI, API, chat)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from hub.run_status import QUEUED

ACTIVE = "active"
DEACTIVATED = "deactivated"
MANUAL = "manual"
CSV = "csv"

_ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_id(prefix: str) -> str:
    """Short, typeable ids for things people name in commands and chat: ``run_x7k2m9p4qa``."""
    return f"{prefix}_" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(10))


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(value: datetime | None) -> str | None:
    """ISO-8601 in UTC for JSON (SQLite hands datetimes back naive; they are UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _ts(**kw: Any) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), **kw))


class District(SQLModel, table=True):
    """A district: schools that one district integration (one Clever district app, one
    ClassLink tenant, one Google Workspace) can feed from one read."""

    id: str = Field(default_factory=lambda: new_id("dst"), primary_key=True)
    name: str = Field(sa_column_kwargs={"unique": True}, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class School(SQLModel, table=True):
    id: str = Field(default_factory=lambda: new_id("sch"), primary_key=True)
    name: str = Field(sa_column_kwargs={"unique": True}, max_length=200)
    timezone: str = Field(default="America/New_York", max_length=64)
    district_id: str | None = Field(default=None, foreign_key="district.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_column_kwargs={"unique": True}, max_length=320)
    first_name: str = Field(default="", max_length=200)
    last_name: str = Field(default="", max_length=200)
    password_hash: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Membership(SQLModel, table=True):
    """An account at one school: its roles there, its status, and who owns it.

    ``integration_id`` is the owning integration (null for uploads and manual entries);
    ``source`` is the provider name, ``csv`` or ``manual``. Only the owner changes it.
    ``record_hash`` is the hash of the normalized provider record last applied, so an
    unchanged resync is a comparison, not a write. ``origin`` says where each role came from
    (JSON, role -> reasons: the provider's OU, group or role and the setting that mapped it,
    or the sheet and row of an upload). What runs and uploads changed is in :class:`Change`.
    """

    __table_args__ = (
        UniqueConstraint("account_id", "school_id", name="uq_membership_account_school"),
        Index("ix_membership_owner_external", "integration_id", "external_id"),
        Index("ix_membership_school_status", "school_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    school_id: str = Field(foreign_key="school.id")
    roles: str = Field(default="", max_length=64)
    status: str = Field(default=ACTIVE, max_length=16)
    integration_id: str | None = Field(default=None, foreign_key="integration.id")
    source: str = Field(max_length=64)
    external_id: str | None = Field(default=None, max_length=255)
    record_hash: str | None = Field(default=None, max_length=64)
    origin: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Change(SQLModel, table=True):
    """What one run or upload (``change_set``) changed: one row per account or membership
    it wrote, holding that row's values from before the write (all null for a membership it
    created). Undo restores them; a later row for the same account or membership is a later
    change (a conflict for undo).

    ``kind`` is ``account`` (email, names, password hash before), ``membership`` (roles,
    status, external id, record hash, origin before) or ``created`` (a new membership).
    """

    __table_args__ = (
        Index("ix_change_set", "change_set"),
        Index("ix_change_membership", "membership_id"),
        # Only account rows are looked up by account (a later change of the same account).
        Index(
            "ix_change_account",
            "account_id",
            sqlite_where=text("kind = 'account'"),
            postgresql_where=text("kind = 'account'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    change_set: str = Field(max_length=32)
    kind: str = Field(max_length=16)
    account_id: int
    membership_id: int | None = None
    email: str | None = Field(default=None, max_length=320)
    first_name: str | None = Field(default=None, max_length=200)
    last_name: str | None = Field(default=None, max_length=200)
    password_hash: str | None = Field(default=None, max_length=300)
    roles: str | None = Field(default=None, max_length=64)
    status: str | None = Field(default=None, max_length=16)
    external_id: str | None = Field(default=None, max_length=255)
    record_hash: str | None = Field(default=None, max_length=64)
    origin: str | None = Field(default=None, sa_column=Column(Text))


class Integration(SQLModel, table=True):
    """A connection to a provider: of one school (``school_id``), or of a district
    (``district_id``), whose :class:`IntegrationLink` rows say which schools it feeds."""

    id: str = Field(default_factory=lambda: new_id("int"), primary_key=True)
    school_id: str | None = Field(default=None, foreign_key="school.id", index=True)
    district_id: str | None = Field(default=None, foreign_key="district.id", index=True)
    provider: str = Field(max_length=64)
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    secrets: str | None = Field(
        default=None, sa_column=Column(Text)
    )  # Fernet token of a JSON object
    schedule: str = Field(default="23:00 America/New_York", max_length=100)
    max_deactivate_percent: float = Field(default=10.0)
    admin_implies_teacher: bool = Field(default=True)
    enabled: bool = Field(default=True)
    cursor: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class IntegrationLink(SQLModel, table=True):
    """A district integration feeding one school: ``settings`` is the provider's per-school
    selection (Clever ``schools``, ClassLink ``orgs``, Google OUs and groups)."""

    __table_args__ = (
        UniqueConstraint("integration_id", "school_id", name="uq_link_integration_school"),
    )

    id: int | None = Field(default=None, primary_key=True)
    integration_id: str = Field(foreign_key="integration.id", index=True)
    school_id: str = Field(foreign_key="school.id", index=True)
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Run(SQLModel, table=True):
    """One sync of one integration. The database is the source of truth; queues carry ids.

    ``active_slot`` holds the integration id while the run is queued or running and is null
    otherwise; its unique constraint is what guarantees one run per integration at a time.
    ``scheduled_for`` (unique per integration) makes a scheduled run happen exactly once.
    ``plan`` keeps a held run's computed changes until it is approved. ``undoes`` is the run
    or upload an ``undo`` run puts back.
    """

    __table_args__ = (
        UniqueConstraint("integration_id", "scheduled_for", name="uq_run_schedule"),
        Index("ix_run_integration_created", "integration_id", "created_at"),
    )

    id: str = Field(default_factory=lambda: new_id("run"), primary_key=True)
    integration_id: str = Field(foreign_key="integration.id")
    status: str = Field(default=QUEUED, max_length=16)
    trigger: str = Field(default="manual", max_length=16)
    dry_run: bool = Field(default=False)
    full: bool = Field(default=False)
    force: bool = Field(default=False)
    actor: str | None = Field(default=None, max_length=200)
    active_slot: str | None = Field(default=None, sa_column_kwargs={"unique": True}, max_length=32)
    scheduled_for: datetime | None = _ts()
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    started_at: datetime | None = _ts()
    finished_at: datetime | None = _ts()
    heartbeat_at: datetime | None = _ts()
    attempts: int = Field(default=0)
    counts: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    school_counts: dict[str, dict[str, int]] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )  # a district run's counts per linked school
    error: str | None = Field(default=None, sa_column=Column(Text))
    plan: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    undoes: str | None = Field(default=None, max_length=32)


class RunIssue(SQLModel, table=True):
    __table_args__ = (Index("ix_runissue_email", "email"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="run.id", index=True)
    severity: str = Field(max_length=16)
    external_id: str | None = Field(default=None, max_length=255)
    email: str | None = Field(default=None, max_length=320)
    message: str = Field(sa_column=Column(Text, nullable=False))


class Upload(SQLModel, table=True):
    """A spreadsheet upload and its result. ``content`` holds the file while a preview awaits
    confirmation (chat); ``credentials`` is the Fernet-encrypted
    credentials CSV for a private one-time download (API/chat), cleared once fetched."""

    id: str = Field(default_factory=lambda: new_id("upl"), primary_key=True)
    school_id: str = Field(foreign_key="school.id", index=True)
    filename: str = Field(max_length=255)
    status: str = Field(max_length=16)
    actor: str | None = Field(default=None, max_length=200)
    counts: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    errors: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    warnings: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    content: bytes | None = Field(
        default=None, sa_column=Column(LargeBinary)
    )  # kept until confirmed
    credentials: str | None = Field(default=None, sa_column=Column(Text))
    credentials_token_hash: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    # While ``applying`` in the background (hub.uploads.background): who may touch which
    # schools (None: every school), the rows done of the total, and the applying process's
    # last sign of life (a stale one is resumed or failed, like a run's).
    actor_schools: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    progress_done: int = Field(default=0)
    progress_total: int = Field(default=0)
    heartbeat_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    attempts: int = Field(default=0)
    error: str | None = Field(default=None, sa_column=Column(Text))


class ApiToken(SQLModel, table=True):
    """A bearer token: only its SHA-256 is stored (the token itself is 256 random bits)."""

    id: str = Field(default_factory=lambda: new_id("tok"), primary_key=True)
    token_hash: str = Field(sa_column_kwargs={"unique": True}, max_length=64)
    role: str = Field(max_length=32)
    school_id: str | None = Field(default=None, foreign_key="school.id")
    district_id: str | None = Field(default=None, foreign_key="district.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    last_used_at: datetime | None = _ts()


class AuditEvent(SQLModel, table=True):
    """Who did what: every change made through the CLI, the API, chat or the console.
    ``school_id`` is the school it concerns (null for district-wide things such as tokens
    without a school)."""

    __table_args__ = (Index("ix_auditevent_school_at", "school_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True), index=True)
    actor: str = Field(max_length=200)
    action: str = Field(max_length=64)
    target: str | None = Field(default=None, max_length=200)
    school_id: str | None = Field(default=None, max_length=64)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Conversation(SQLModel, table=True):
    """Chat conversation state, so a restart mid-conversation loses nothing."""

    __table_args__ = (UniqueConstraint("channel", "user", name="uq_conversation_channel_user"),)

    id: str = Field(default_factory=lambda: new_id("cnv"), primary_key=True)
    channel: str = Field(max_length=64)
    user: str = Field(max_length=64)
    state: str = Field(default="start", max_length=32)
    school_id: str | None = Field(default=None, foreign_key="school.id")
    upload_id: str | None = Field(default=None, foreign_key="upload.id")
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class SeenRequest(SQLModel, table=True):
    """A chat request already handled, by its identity (Slack's ``trigger_id`` or ``event_id``,
    hashed), kept until ``expires_at`` so a replay or a retry is acknowledged without acting
    twice, by whichever process it reaches."""

    key: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=16)
    expires_at: datetime = Field(sa_type=DateTime(timezone=True), index=True)


class StaffUser(SQLModel, table=True):
    """District IT or support staff who sign in to the web console (school admins sign in
    with their own account). ``district_id`` limits them to one district when set."""

    id: str = Field(default_factory=lambda: new_id("stf"), primary_key=True)
    email: str = Field(sa_column_kwargs={"unique": True}, max_length=320)
    role: str = Field(max_length=32)
    district_id: str | None = Field(default=None, max_length=64)
    password_hash: str = Field(max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class ConsoleSession(SQLModel, table=True):
    """A signed-in browser. Only the SHA-256 of the cookie's secret is stored; ``data`` holds
    short-lived state such as a Google consent in progress."""

    id: str = Field(default_factory=lambda: new_id("ses"), primary_key=True)
    token_hash: str = Field(sa_column_kwargs={"unique": True}, max_length=64)
    staff_id: str | None = Field(default=None, foreign_key="staffuser.id", index=True)
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Invite(SQLModel, table=True):
    """A one-time link for an account without a password (synced from a provider) to set one."""

    id: str = Field(default_factory=lambda: new_id("inv"), primary_key=True)
    token_hash: str = Field(sa_column_kwargs={"unique": True}, max_length=64)
    account_id: int = Field(foreign_key="account.id", index=True)
    school_id: str = Field(foreign_key="school.id")
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    used_at: datetime | None = _ts()


class SignInAttempt(SQLModel, table=True):
    """One console sign-in attempt, kept for a while to slow and then lock repeated failures."""

    __table_args__ = (Index("ix_signinattempt_email_at", "email", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320)
    address: str = Field(default="", max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    succeeded: bool = Field(default=False)


class ResyncRequest(SQLModel, table=True):
    """A school admin asking support to sync their school now (``open`` until an agent
    approves it, which queues the runs, or dismisses it)."""

    id: str = Field(default_factory=lambda: new_id("rsq"), primary_key=True)
    school_id: str = Field(foreign_key="school.id", index=True)
    requested_by: str = Field(max_length=200)
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(default="open", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = _ts()
    run_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class RoomFolder(SQLModel, table=True):
    """A folder of rooms (Restrooms, Classrooms …): its rooms take its color and icon.
    ``position`` orders folders and rooms outside folders together (the school's arrangement)."""

    __table_args__ = (UniqueConstraint("school_id", "name_key", name="uq_roomfolder_school_name"),)

    id: str = Field(default_factory=lambda: new_id("fld"), primary_key=True)
    school_id: str = Field(foreign_key="school.id", index=True)
    name: str = Field(max_length=30)
    name_key: str = Field(max_length=30)
    color: str = Field(max_length=7)
    icon: str = Field(max_length=32)
    position: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Room(SQLModel, table=True):
    """A place a pass goes to, with the settings of the onboarding guide. ``name_key`` is the
    lower-cased name (names are unique in a school ignoring case); ``position`` orders it among
    its folder's rooms, or among the top-level items when it is in none. Restrictions are
    JSON ``{"who", "room", "teacher"}`` (teacher: an account id) or null (off);
    ``closest_rooms`` room ids; ``visibility_students`` account ids."""

    __table_args__ = (UniqueConstraint("school_id", "name_key", name="uq_room_school_name"),)

    id: str = Field(default_factory=lambda: new_id("rm"), primary_key=True)
    school_id: str = Field(foreign_key="school.id", index=True)
    folder_id: str | None = Field(default=None, foreign_key="roomfolder.id", index=True)
    name: str = Field(max_length=15)
    name_key: str = Field(max_length=15)
    number: str = Field(default="", max_length=5)
    travel_type: str = Field(default="round_trip", max_length=16)
    time_limit: int = Field(default=5)
    counts_toward_limits: bool = Field(default=True)
    show_as_origin: bool = Field(default=True)
    max_capacity: int | None = Field(default=None)
    restriction_now: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    restriction_future: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    restrict_ending: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    closest_rooms: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    visibility_mode: str = Field(default="all", max_length=16)
    visibility_students: list[int] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    open: bool = Field(default=True)
    color: str = Field(default="#3b82f6", max_length=7)
    icon: str = Field(default="door", max_length=32)
    position: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class RoomTeacher(SQLModel, table=True):
    """A teacher (or admin) account in a room: who sees the room's passes and approves them
    when its restrictions say "teachers in room"."""

    __table_args__ = (Index("ix_roomteacher_account", "account_id"),)

    room_id: str = Field(foreign_key="room.id", primary_key=True)
    account_id: int = Field(foreign_key="account.id", primary_key=True)
    position: int = Field(default=0)


class RoomSetup(SQLModel, table=True):
    """A school's rooms dashboard state: the starter pack ``added`` or ``dismissed`` (null:
    still offered)."""

    school_id: str = Field(foreign_key="school.id", primary_key=True)
    starter_pack: str | None = Field(default=None, max_length=16)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class ChatConversation(SQLModel, table=True):
    """A school admin's conversation in the console's chat window (one per admin and school),
    and its support thread when the chat app is set up."""

    __table_args__ = (
        UniqueConstraint("school_id", "account_id", name="uq_chatconversation_school_account"),
    )

    id: str = Field(default_factory=lambda: new_id("cht"), primary_key=True)
    school_id: str = Field(foreign_key="school.id", index=True)
    account_id: int = Field(foreign_key="account.id")
    email: str = Field(max_length=320)
    name: str = Field(default="", max_length=200)
    slack_channel: str | None = Field(default=None, max_length=64)
    slack_thread: str | None = Field(default=None, max_length=64, index=True)
    resync_request_id: str | None = Field(default=None, max_length=64)
    reported: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class ChatMessage(SQLModel, table=True):
    """One line of a chat conversation, stored as plain text (rendered escaped). ``author`` is
    ``assistant``, ``agent`` (with their first name) or ``admin``; ``key`` ties progress
    lines together (the newest one with a key replaces the ones before it)."""

    __table_args__ = (Index("ix_chatmessage_conversation_id_id", "conversation_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(foreign_key="chatconversation.id")
    author: str = Field(max_length=16)
    name: str = Field(default="", max_length=200)
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    buttons: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    file_id: str | None = Field(default=None, max_length=64)
    key: str | None = Field(default=None, max_length=64)
    progress: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    answered: str | None = Field(default=None, max_length=200)
    has_upload: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class ChatFile(SQLModel, table=True):
    """A file the assistant offers in the window (the template, a problems list, generated
    passwords). ``once`` files (passwords) are Fernet-encrypted and deleted when downloaded."""

    id: str = Field(default_factory=lambda: new_id("chf"), primary_key=True)
    conversation_id: str = Field(foreign_key="chatconversation.id", index=True)
    filename: str = Field(max_length=255)
    title: str = Field(default="", max_length=255)
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    secret: str | None = Field(default=None, sa_column=Column(Text))
    once: bool = Field(default=False)
    taken_at: datetime | None = _ts()
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
