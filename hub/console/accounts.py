"""Accounts: the school's accounts (searched, filtered and paged on the server), one added by
hand, and the accounts template."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response

from hub import accounts
from hub.access import OPERATORS, WRITERS
from hub.console.paging import PAGE_SIZE, page_number, paging
from hub.console.session import HereDep, check_csrf
from hub.console.web import ConsoleRoute, console_path, page
from hub.errors import UsageError
from hub.roster import ROLES
from hub.tokens import SCHOOL_ADMIN
from hub.uploads import upload_format

router = APIRouter(route_class=ConsoleRoute)

ADDERS = (*WRITERS, SCHOOL_ADMIN)
"""Who may add accounts (as for uploads): district IT and school admins; support reads."""
STATUS_CHOICES = {"active": "Active", "deactivated": "Deactivated", "all": "All"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/accounts")
def list_page(
    request: Request,
    here: HereDep,
    q: Annotated[str, Query(max_length=200)] = "",
    role: Annotated[str, Query(max_length=16)] = "",
    status: Annotated[str, Query(max_length=16)] = "active",
    page_: Annotated[int | None, Query(alias="page", ge=1, le=1_000_000)] = None,
) -> Response:
    school = here.need_school()
    role = role if role in ROLES else ""
    status = status if status in STATUS_CHOICES else "active"
    number = page_number(page_)

    def link(n: int) -> str:
        return console_path("/accounts", school=school.id, q=q, role=role, status=status, page=n)

    total, rows = accounts.search_accounts(
        here.hub,
        school_id=school.id,
        text=q,
        role=role or None,
        status=None if status == "all" else status,
        offset=(number - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    pages = paging(number, total, link)
    if pages.page != number:  # past the end: show the last page
        total, rows = accounts.search_accounts(
            here.hub,
            school_id=school.id,
            text=q,
            role=role or None,
            status=None if status == "all" else status,
            offset=pages.offset,
            limit=PAGE_SIZE,
        )
    return page(
        request,
        "accounts.html",
        {
            "nav": "accounts",
            "rows": rows,
            "paging": pages,
            "q": q,
            "role": role,
            "status": status,
            "statuses": STATUS_CHOICES,
            "roles": ROLES,
            "can_add": here.principal.may(*ADDERS),
            "filtered": bool(q or role or status != "active"),
        },
    )


def _add_form(
    request: Request, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Response:
    return page(
        request,
        "account_add.html",
        {"nav": "accounts", "values": values, "errors": errors, "roles": ROLES},
        status=status,
    )


@router.get("/accounts/new")
def add_form(request: Request, here: HereDep) -> Response:
    here.need_school()
    here.principal.require(*ADDERS)
    return _add_form(request, {"roles": []}, {})


def check_fields(email: str, first: str, last: str, roles: list[str]) -> dict[str, str]:
    """The CLI's own checks (``rosterhub accounts add``), each error against its field."""
    errors: dict[str, str] = {}
    try:
        accounts.check_email(email)
    except UsageError as exc:
        errors["email"] = str(exc) if email.strip() else "Enter the person's email address"
    if not " ".join(first.split()):
        errors["first"] = "Enter a first name"
    if not " ".join(last.split()):
        errors["last"] = "Enter a last name"
    try:
        accounts.hub_roles(roles)
    except UsageError as exc:
        errors["roles"] = "Choose at least one role" if not roles else str(exc)
    return errors


@router.post("/accounts/new")
def add(
    request: Request,
    here: HereDep,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
    first: Annotated[str, Form(max_length=200)] = "",
    last: Annotated[str, Form(max_length=200)] = "",
    roles: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    check_csrf(request, csrf_token)
    school = here.need_school()
    here.principal.require(*ADDERS)
    picked = [r for r in roles if r in ROLES]
    values = {"email": email.strip(), "first": first, "last": last, "roles": picked}
    errors = check_fields(email, first, last, picked)
    if errors:
        return _add_form(request, values, errors, status=400)
    try:
        account, password = accounts.add_manual_account(
            here.hub,
            school_id=school.id,
            email=email,
            first_name=first,
            last_name=last,
            roles=picked,
            actor=here.principal.actor,
        )
    except UsageError as exc:
        return _add_form(request, values, {"email": str(exc)}, status=400)
    return page(
        request,
        "account_added.html",
        {"nav": "accounts", "account": account, "password": password},
    )


@router.get("/template.xlsx")
def template(request: Request, here: HereDep) -> Response:
    del request
    here.principal.require(*OPERATORS, SCHOOL_ADMIN)
    return Response(
        upload_format(here.hub).template(),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="rosterhub-accounts.xlsx"'},
    )
