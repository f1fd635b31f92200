"""The connect and settings forms of each provider, shaped like that provider's own set-up
steps, and what "Edit accounts syncing" picks for it.

Values travel to :mod:`hub.integrations` exactly as ``--set``/``--secret`` would, so the
provider's own settings model validates them; its error names the setting, which puts the
message against that field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fastapi import HTTPException

from hub.errors import UsageError


@dataclass(frozen=True, slots=True)
class Input:
    key: str
    label: str
    help: str | None = None
    secret: bool = False
    required: bool = False
    default: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    checkbox: bool = False


@dataclass(frozen=True, slots=True)
class Pick:
    """One "Edit accounts syncing" list: the setting it fills and the kinds it offers."""

    setting: str
    legend: str
    kinds: tuple[str, ...]
    help: str = ""


@dataclass(frozen=True, slots=True)
class ProviderForm:
    name: str
    title: str
    steps: tuple[str, ...]
    inputs: tuple[Input, ...]
    picks: tuple[Pick, ...] = field(default=())
    picks_help: str = ""


CLEVER = ProviderForm(
    name="clever",
    title="Clever",
    steps=(
        "In Clever, sign in with a district admin account and accept the rosterhub app's integration request.",
        "Share all records for the schools that use it: students, teachers, staff and district admins.",
        "Copy the district token from the app's page in the Clever dashboard and paste it below.",
    ),
    inputs=(
        Input(
            "token",
            "District token",
            help="The district-app bearer token from the Clever dashboard.",
            secret=True,
            required=True,
        ),
        Input(
            "base_url",
            "Clever API address",
            help="Leave as it is unless support gave you another address.",
            default="https://api.clever.com",
        ),
        Input(
            "staff_role",
            "Clever staff are",
            choices=(("teacher", "Teachers"), ("admin", "Admins")),
            default="teacher",
        ),
    ),
    picks=(Pick("schools", "Clever schools to sync", ("school",)),),
    picks_help="Choose the Clever schools whose people belong to this school. None chosen means every school the district shares.",
)

CLASSLINK = ProviderForm(
    name="classlink",
    title="ClassLink",
    steps=(
        "Sign in to the ClassLink LaunchPad with an administrator account and open Roster Server.",
        "Under Apps, choose Add a new App, find the rosterhub Roster Server connection and add it.",
        "Set its data-sharing rules (which students and teachers it may read).",
        "Copy the tenant name and id, the OneRoster base URL, and the app's client id and secret below.",
    ),
    inputs=(
        Input("tenant_name", "Tenant name", help="Your district's name in ClassLink."),
        Input(
            "tenant_id",
            "Tenant ID",
            help="The number or id Roster Server shows for your tenant.",
            required=True,
        ),
        Input(
            "base_url",
            "OneRoster base URL",
            help="For example https://yourdistrict-ca-v2.oneroster.com/ims/oneroster/v1p1",
            required=True,
        ),
        Input("client_id", "Client ID", help="The app's key in Roster Server.", required=True),
        Input("client_secret", "Client secret", secret=True, required=True),
    ),
    picks=(Pick("orgs", "ClassLink orgs to sync", ("org",)),),
    picks_help="Choose the orgs (schools) whose people belong to this school. None chosen means every user the app can see.",
)

GOOGLE = ProviderForm(
    name="gsuite",
    title="Google Workspace",
    steps=(),
    inputs=(
        Input(
            "customer",
            "Google customer",
            help="my_customer (the signed-in admin's own account) or your customer id.",
            default="my_customer",
        ),
    ),
    picks=(
        Pick("student_ous", "Students", ("ou",), "Organizational units (sub-units included)"),
        Pick("student_groups", "Students", ("group",), "Groups (nested members included)"),
        Pick("teacher_ous", "Teachers", ("ou",), "Organizational units (sub-units included)"),
        Pick("teacher_groups", "Teachers", ("group",), "Groups (nested members included)"),
        Pick("admin_ous", "Admins", ("ou",), "Organizational units (sub-units included)"),
        Pick("admin_groups", "Admins", ("group",), "Groups (nested members included)"),
    ),
    picks_help="Choose any number of organizational units (and groups) for each account type. Admins are also teachers. Suspended Google accounts are never synced.",
)

FORMS = {form.name: form for form in (CLEVER, CLASSLINK, GOOGLE)}
SETTING = re.compile(r"setting '([a-z_]+)'")


def field_of(error: UsageError, form: ProviderForm | None) -> str:
    """The form field a settings error is about ("_" for the form as a whole)."""
    match = SETTING.search(str(error))
    keys = {i.key for i in form.inputs} if form else set()
    keys |= {"schedule", "max_deactivate_percent", "admin_implies_teacher"}
    if match and match.group(1) in keys:
        return match.group(1)
    for key in keys:
        if f"'{key}'" in str(error):
            return key
    return "_"


def friendly(error: UsageError) -> str:
    """A settings error without the provider-name prefix the CLI shows."""
    text = str(error)
    text = re.sub(r"^[a-z_]+: setting '[a-z_]+': ", "", text)
    text = re.sub(r"^setting '[a-z_]+': ", "", text)
    return text[0].upper() + text[1:] if text else text


def form_of(provider: str) -> ProviderForm:
    form = FORMS.get(provider)
    if form is None:
        raise HTTPException(
            404, detail=f"The console has no form for '{provider}'; use the command line."
        )
    return form


def split_values(form: ProviderForm, raw: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """(settings, secrets) from a submitted form; empty secrets are left out (keep stored)."""
    settings: dict[str, str] = {}
    secrets: dict[str, str] = {}
    for item in form.inputs:
        value = str(raw.get(item.key) or "").strip()
        if item.checkbox:
            value = "true" if raw.get(item.key) else "false"
        if item.secret:
            if value:
                secrets[item.key] = value
        else:
            settings[item.key] = value
    return settings, secrets


def required_missing(
    form: ProviderForm, settings: dict[str, str], secrets: dict[str, str], stored: set[str]
) -> dict[str, str]:
    errors = {}
    for item in form.inputs:
        if not item.required:
            continue
        given = secrets.get(item.key) if item.secret else settings.get(item.key)
        if not given and item.key not in stored:
            errors[item.key] = f"Enter the {item.label[0].lower() + item.label[1:]}"
    return errors
