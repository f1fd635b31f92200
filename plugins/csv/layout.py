"""The accounts spreadsheet's layout, shared by the template, the reader and validation: which
sheets mean which role, which columns exist and how a header cell is recognised (making a value
safe to write back into a spreadsheet is :mod:`hub.cells`)."""

from __future__ import annotations

import re
from pathlib import PurePath

from hub.roster import ADMIN, STUDENT, TEACHER

EMAIL = "Email"
FIRST_NAME = "First Name"
LAST_NAME = "Last Name"
PASSWORD = "Password"
ADDITIONAL_SCHOOLS = "Additional Schools"
ROLE = "Role"

#: The template's columns, in order (a .csv adds ``Role``).
COLUMNS: tuple[str, ...] = (EMAIL, FIRST_NAME, LAST_NAME, PASSWORD, ADDITIONAL_SCHOOLS)
REQUIRED: tuple[str, ...] = (EMAIL, FIRST_NAME, LAST_NAME)

#: The template's role sheets, in order, and the role a row on each one names (what a role
#: implies, an admin being a teacher too, is the hub's rule: :mod:`hub.roles`).
SHEETS: dict[str, str] = {"Student": STUDENT, "Teacher": TEACHER, "Admin": ADMIN}
INSTRUCTIONS = "Instructions"

SCHOOL_SEPARATOR = ";"

# Invisible characters that ride along with copy-and-paste from web pages and mail clients.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
INVISIBLE_RE = f"[{INVISIBLE}]"

_HEADER_ALIASES: dict[str, str] = {
    "email": EMAIL,
    "emailaddress": EMAIL,
    "firstname": FIRST_NAME,
    "givenname": FIRST_NAME,
    "lastname": LAST_NAME,
    "surname": LAST_NAME,
    "familyname": LAST_NAME,
    "password": PASSWORD,
    "additionalschools": ADDITIONAL_SCHOOLS,
    "additionalschool": ADDITIONAL_SCHOOLS,
    "role": ROLE,
}

_SHEET_ALIASES: dict[str, str] = {
    "student": "Student",
    "students": "Student",
    "teacher": "Teacher",
    "teachers": "Teacher",
    "admin": "Admin",
    "admins": "Admin",
    "administrator": "Admin",
    "administrators": "Admin",
}

_ROLE_VALUES: dict[str, str] = {
    "student": "Student",
    "students": "Student",
    "teacher": "Teacher",
    "teachers": "Teacher",
    "admin": "Admin",
    "admins": "Admin",
    "administrator": "Admin",
}

_KEY_DROP = re.compile(rf"[\s_\-{INVISIBLE}]+")


def _key(text: str) -> str:
    return _KEY_DROP.sub("", text).lower()


def column_for_header(header: str) -> str | None:
    """The column a header cell names, ignoring case, spacing, ``_``/``-`` and a BOM, or None."""
    return _HEADER_ALIASES.get(_key(header))


def sheet_for_name(name: str) -> str | None:
    """The role sheet (``Student``/``Teacher``/``Admin``) a workbook sheet's name means, or None."""
    return _SHEET_ALIASES.get(_key(name))


def sheet_for_role(value: str) -> str | None:
    """The role sheet a ``Role`` cell (``student``, ``Teacher``, ``ADMIN`` …) means, or None."""
    return _ROLE_VALUES.get(_key(value))


# A file name's words: split at anything but a letter or digit, where a capital follows a small
# letter ("accountsStudent"), and between letters and digits ("students2024").
_NAME_WORDS = re.compile(r"[\W_]+|(?<=[a-z])(?=[A-Z])|(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def sheets_in_filename(filename: str) -> list[str]:
    """The role sheets a file name's words name, each once, in order: ``Lincoln - Students.csv``
    -> ``["Student"]``, ``student-teachers.csv`` -> ``["Student", "Teacher"]``; the words are
    those of :func:`sheet_for_name`, matched whole and ignoring case."""
    found: list[str] = []
    for word in _NAME_WORDS.split(PurePath(filename).stem):
        sheet = _SHEET_ALIASES.get(word.lower()) if word else None
        if sheet is not None and sheet not in found:
            found.append(sheet)
    return found
