"""Every rule an uploaded accounts file must meet before anything is written.

:func:`validate_file` is pure: no database, no network. The caller passes the names of the
schools that exist (to check ``Additional Schools``); the benchmark passes none. Rules run a
column at a time with pandas, and per-value Python work (the full email grammar, password
rules, school lists) only touches the values that need it, once per distinct value, so
validating a file costs about as much again as reading it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import compress

import pandas as pd
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from hub.issues import FileIssue
from hub.passwords import password_problems
from hub.text import CONTROL, control_problem, has_control
from plugins.csv import mangled
from plugins.csv.layout import (
    ADDITIONAL_SCHOOLS,
    COLUMNS,
    EMAIL,
    FIRST_NAME,
    LAST_NAME,
    PASSWORD,
    REQUIRED,
    ROLE,
    SCHOOL_SEPARATOR,
    SHEETS,
    sheet_for_role,
)
from plugins.csv.reader import Workbook, check_rows, parse
from plugins.csv.sniff import Bounds
from plugins.csv.validation import MAX_LISTED, People, Scope, Validation, validate_file

NAME_MAX = 200  # Account.first_name / last_name

# A conservative subset of what email-validator accepts (plain ASCII dot-atom local part of at
# most 64 characters, LDH domain labels with an alphabetic top-level one, at most 254 in all,
# no IDNA "--" and no special-use domain): values that match are valid without a closer look;
# anything else gets the full grammar and its exact reason. One pass of one regex.
_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_EMAIL = (
    r"(?=.{1,254}$)(?=[^@]{1,64}@)(?!.*--)"
    rf"(?!.*\.(?:{'|'.join(sorted(SPECIAL_USE_DOMAIN_NAMES))})$)"
    rf"{_ATOM}(?:\.{_ATOM})*@(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+[a-z]{{2,63}}"
)
_PLAIN_EMAIL_RE = re.compile(_PLAIN_EMAIL, re.DOTALL)
_COLUMN_ORDER = {name: i for i, name in enumerate((*COLUMNS, ROLE))}

# Row errors with their sort key (sheet order, row, column order), sorted once at the end.
_Found = list[tuple[tuple[int, int, int], FileIssue]]


__all__ = ["Validation", "plain_emails", "read_and_validate", "validate_file", "validate_workbook"]


def read_and_validate(
    content: bytes,
    kind: str,
    filename: str,
    bounds: Bounds,
    *,
    scope: Callable[[], Scope],
    max_rows: int,
    max_listed: int = MAX_LISTED,
) -> Validation:
    """Read the file and check every rule: what the parse child runs for
    :func:`plugins.csv.validation.validate_file`. ``scope``: asked for the school names only
    when a row names Additional Schools (they may still be on their way from the parent).
    ``max_rows`` and ``max_listed``: the parent's limits (the child's own module state may
    differ)."""
    book = parse(content, kind, filename, bounds)
    rows = check_rows(book, max_rows)
    checked = validate_workbook(book, filename=filename, scope=scope, max_listed=max_listed)
    checked.rows = rows
    return checked


def validate_workbook(
    book: Workbook,
    *,
    filename: str,
    scope: Callable[[], Scope],
    max_listed: int = MAX_LISTED,
) -> Validation:
    """Every rule on every row. ``scope`` returns the school names and ``only_these`` (see
    :func:`plugins.csv.validation.validate_file`); it is called only if a row names Additional
    Schools (that rule runs last)."""
    errors: _Found = []
    frames: list[pd.DataFrame] = []
    usable = 0
    for order, sheet in enumerate(book.sheets):
        data = sheet.data
        needed = (*REQUIRED, *(() if sheet.role_sheet else (ROLE,)))
        if any(column not in data.columns for column in needed):
            continue  # the missing column is already an error on the header row
        usable += 1
        if data.empty:
            continue
        frame = pd.DataFrame(
            {
                "order": order,
                "sheet": sheet.name,
                "row": data.index.astype(int),
                "email_text": data[EMAIL],
                "first_name": data[FIRST_NAME],
                "last_name": data[LAST_NAME],
                "password": data[PASSWORD] if PASSWORD in data else "",
                "schools_text": data[ADDITIONAL_SCHOOLS] if ADDITIONAL_SCHOOLS in data else "",
                "role_text": data[ROLE] if ROLE in data else "",
                "role_sheet": sheet.role_sheet or "",
            }
        )
        frames.append(frame)

    if not frames:
        if usable and not book.errors:
            sheets = ", ".join(s.name for s in book.sheets)
            message = f"no accounts to import: there are no rows under the header ({sheets})"
            return Validation(
                errors=[FileIssue(filename, 0, None, message)],
                warnings=book.warnings,
                kind=book.kind,
            )
        return Validation(
            errors=list(book.errors),
            warnings=list(book.warnings),
            kind=book.kind,
        )

    rows = pd.concat(frames, ignore_index=True)
    unusable = _check_control(rows, errors)
    email = _check_emails(rows, errors, unusable)
    for column, key in ((FIRST_NAME, "first_name"), (LAST_NAME, "last_name")):
        _flag(errors, rows, rows[key] == "", column, f"{column} is empty")
        too_long = rows[key].str.len() > NAME_MAX
        _flag(errors, rows, too_long, column, f"{column} is longer than {NAME_MAX} characters")
    _check_roles(rows, errors, unusable)
    _check_passwords(rows, email, errors)
    _check_duplicates(rows, email, errors)
    school_lists = _check_schools(rows, scope, errors, unusable)

    people = People(
        [
            rows["sheet"].tolist(),
            rows["row"].tolist(),
            email.tolist(),
            rows["first_name"].tolist(),
            rows["last_name"].tolist(),
            rows["password"].tolist(),
            [SHEETS.get(sheet, "") for sheet in rows["role_sheet"].tolist()],
            school_lists.tolist(),
        ]
    )
    errors.sort(key=lambda item: item[0])
    return Validation(
        people=people,
        errors=_capped(
            [*book.errors, *(issue for _, issue in errors)], "errors", filename, max_listed
        ),
        warnings=_capped(list(book.warnings), "warnings", filename, max_listed),
        kind=book.kind,
    )


# -- the rules ---------------------------------------------------------------------------------

_TEXT_CELLS = (
    ("email_text", EMAIL),
    ("first_name", FIRST_NAME),
    ("last_name", LAST_NAME),
    ("password", PASSWORD),
    ("role_text", ROLE),
    ("schools_text", ADDITIONAL_SCHOOLS),
)


def _check_control(rows: pd.DataFrame, errors: _Found) -> dict[str, pd.Series]:
    """Cells holding a control character (hub.text), such as the NUL that Excel's
    ``_x0000_`` escape decodes to: an error naming the cell, and the later rules leave such a
    cell alone (they would quote it). Returns, per cell key, the rows found."""
    found: dict[str, pd.Series] = {}
    for key, column in _TEXT_CELLS:
        text: pd.Series = rows[key]
        if not has_control(" ".join(text.tolist())):
            continue  # one search of the whole column: the usual case
        mask = text.str.contains(CONTROL, regex=True)
        found[key] = mask
        for index, value in zip(rows.index[mask], text[mask].tolist(), strict=True):
            problem = control_problem(value) or "contains a control character"
            if column == PASSWORD:
                problem = problem.split(" (at", 1)[0]  # where in a password says too much
            _add(errors, rows, index, column, f"{column} {problem}; remove it from the cell")
    return found


def _clear(mask: pd.Series, unusable: dict[str, pd.Series], key: str) -> pd.Series:
    """``mask`` without the rows whose ``key`` cell has a control character."""
    bad = unusable.get(key)
    return mask if bad is None else mask & ~bad


def _check_emails(rows: pd.DataFrame, errors: _Found, unusable: dict[str, pd.Series]) -> pd.Series:
    """The lower-cased email of each row ("" where it is missing or invalid)."""
    text: pd.Series = rows["email_text"]
    lowered = list(map(str.lower, text.tolist()))
    plain = pd.Series(plain_emails(lowered), index=rows.index)
    email = pd.Series(lowered, index=rows.index, dtype=object).where(plain, "")
    blank = text == ""
    _flag(errors, rows, blank, EMAIL, "Email is empty")
    closer = _clear(~plain & ~blank, unusable, "email_text")
    if closer.any():
        verdicts: dict[str, tuple[str, str | None]] = {}
        for value in text[closer].unique().tolist():
            try:
                info = validate_email(value, check_deliverability=False)
                verdicts[value] = (info.normalized.lower(), None)
            except EmailNotValidError as exc:
                verdicts[value] = ("", f"'{value}' is not a valid email address: {exc}")
        mask = closer.to_numpy()
        for index, value in zip(rows.index[mask], text[mask].tolist(), strict=True):
            normalized, problem = verdicts[value]
            email[index] = normalized
            if problem:
                _add(errors, rows, index, EMAIL, problem)
    return email


def plain_emails(lowered: list[str]) -> list[bool]:
    """Which lower-cased values are certainly valid addresses without the full grammar."""
    match = _PLAIN_EMAIL_RE.fullmatch
    return [match(value) is not None for value in lowered]


def _check_roles(rows: pd.DataFrame, errors: _Found, unusable: dict[str, pd.Series]) -> None:
    """Rows of a .csv (or a sheet with a Role column) take their role sheet from ``Role``."""
    by_column = rows["role_sheet"] == ""
    if not by_column.any():
        return
    values = rows.loc[by_column, "role_text"]
    mapped = {value: sheet_for_role(value) or "" for value in values.unique()}
    rows.loc[by_column, "role_sheet"] = values.map(mapped)
    empty = by_column & (rows["role_text"] == "")
    _flag(errors, rows, empty, ROLE, "Role is empty (student, teacher or admin)")
    bad = _clear(
        by_column & (rows["role_text"] != "") & (rows["role_sheet"] == ""), unusable, "role_text"
    )
    for index in rows.index[bad.to_numpy()]:
        role = str(rows.at[index, "role_text"])
        _add(errors, rows, index, ROLE, f"Role '{role}' is not student, teacher or admin")


def _check_passwords(rows: pd.DataFrame, email: pd.Series, errors: _Found) -> None:
    given = (rows["password"] != "").to_numpy()
    if not given.any():
        return
    passwords = rows["password"][given].tolist()
    indexes = rows.index[given]
    rewritten = mangled.scientific(passwords)
    for position in compress(range(len(passwords)), rewritten):
        _add(errors, rows, indexes[position], PASSWORD, mangled.SCIENTIFIC_MESSAGE)
    for position, problem in password_problems(passwords, email[given].tolist()).items():
        if not rewritten[position]:  # the rules would judge the spreadsheet's rewrite
            _add(errors, rows, indexes[position], PASSWORD, problem[0].upper() + problem[1:])


def _check_schools(
    rows: pd.DataFrame,
    scope: Callable[[], Scope],
    errors: _Found,
    unusable: dict[str, pd.Series],
) -> pd.Series:
    """Each row's further schools as a tuple of school names (as the hub spells them)."""
    text: pd.Series = rows["schools_text"]
    result = pd.Series([()] * len(rows), index=rows.index, dtype=object)
    given = _clear(text != "", unusable, "schools_text")
    if not given.any():
        return result
    schools, only_these = scope()
    exact = set(schools) if schools is not None else None
    folded = {name.casefold(): name for name in exact} if exact is not None else {}
    problem = _not_yours(sorted(exact or ())) if only_these else _unknown_school
    parsed: dict[str, tuple[tuple[str, ...], list[str]]] = {}
    for value in text[given].unique().tolist():
        names: list[str] = []
        unknown: list[str] = []
        for part in value.split(SCHOOL_SEPARATOR):
            name = " ".join(part.split())
            if not name:
                continue
            if exact is not None:
                resolved = name if name in exact else folded.get(name.casefold())
                if resolved is None:
                    unknown.append(name)
                    continue
                name = resolved
            if name not in names:
                names.append(name)
        parsed[value] = (tuple(names), unknown)
    for index, value in zip(rows.index[given.to_numpy()], text[given].tolist(), strict=True):
        names_found, unknown = parsed[value]
        result[index] = names_found
        for name in unknown:
            _add(errors, rows, index, ADDITIONAL_SCHOOLS, problem(name))
    return result


def _unknown_school(name: str) -> str:
    return f"unknown school '{name}' in Additional Schools (use the school's exact name; separate schools with ';')"


def _not_yours(own: list[str]) -> Callable[[str], str]:
    """The refusal for a school outside the uploader's own: it repeats only what they typed and
    names only their schools, so it cannot tell whether the other school exists."""
    if not own:
        listing = "your own school"
    elif len(own) == 1:
        listing = own[0]
    else:
        listing = f"{', '.join(own[:-1])} or {own[-1]}"

    def message(name: str) -> str:
        return f"you can add accounts only to {listing}, not to '{name}' (use the school's exact name; separate schools with ';')"

    return message


def _check_duplicates(rows: pd.DataFrame, email: pd.Series, errors: _Found) -> None:
    known = email != ""
    repeated = known & email.duplicated(keep=False)
    if not repeated.any():
        return
    first_seen: dict[str, int] = {}
    mask = repeated.to_numpy()
    for index, address in zip(rows.index[mask], email[mask].tolist(), strict=True):
        first = first_seen.setdefault(address, index)
        if first == index:
            continue
        where_first = f"{rows.at[first, 'sheet']!s} row {rows.at[first, 'row']!s}"
        where_now = f"{rows.at[index, 'sheet']!s} row {rows.at[index, 'row']!s}"
        _add(
            errors,
            rows,
            index,
            EMAIL,
            f"{address} appears more than once: {where_first} and {where_now}; keep one row per person",
        )


# -- helpers -----------------------------------------------------------------------------------


def _flag(errors: _Found, rows: pd.DataFrame, mask: pd.Series, column: str, message: str) -> None:
    for index in rows.index[mask.to_numpy()]:
        _add(errors, rows, index, column, message)


def _add(
    errors: _Found,
    rows: pd.DataFrame,
    index: int,
    column: str,
    message: str,
) -> None:
    order = int(rows.at[index, "order"])  # type: ignore[arg-type]
    row = int(rows.at[index, "row"])  # type: ignore[arg-type]
    key = (order, row, _COLUMN_ORDER.get(column, len(_COLUMN_ORDER)))
    errors.append((key, FileIssue(str(rows.at[index, "sheet"]), row, column, message)))


def _capped(issues: list[FileIssue], what: str, filename: str, most: int) -> list[FileIssue]:
    if len(issues) <= most:
        return issues
    more = len(issues) - most
    return [
        *issues[:most],
        FileIssue(filename, 0, None, f"… and {more:,} more {what} like the ones above"),
    ]
