"""The upload lifecycle: receive and validate a file, then reject it, count it (dry run),
keep it for confirmation (preview), or apply it.

Every entry point takes the :class:`~hub.actors.Actor` who uploads. A school admin may write
only to their own school(s): naming another school in ``Additional Schools`` is a row error
that reads the same whether or not that school exists, an account that is also used at a
school they do not administer keeps its name and password, and no warning tells them anything
about another school. The file itself is read by the registered upload format
(:mod:`hub.formats`), never by name.
"""

from __future__ import annotations

from hub import limits
from hub.actors import Actor, as_actor
from hub.context import Hub
from hub.errors import UsageError
from hub.formats import FileCheck, UploadFormat
from hub.models import Upload
from hub.schools import get_school
from hub.uploads.apply import Target, apply, count_only
from hub.uploads.progress import Report
from hub.uploads.records import (
    APPLIED,
    CANCELLED,
    DRY_RUN,
    EXPIRED,
    PENDING,
    PREVIEW_TTL,
    REJECTED,
    UNREADABLE,
    UploadOutcome,
    age,
    finish_pending,
    own_upload,
    result_json,
    school_ids,
    seal,
    store,
    unsealed,
)


def upload_format(hub: Hub) -> UploadFormat:
    """The registered reader of accounts files."""
    return hub.registry.upload_format()


def process_upload(
    hub: Hub,
    *,
    school_id: str,
    filename: str,
    content: bytes,
    dry_run: bool,
    actor: Actor | str | None,
    report: Report | None = None,
) -> UploadOutcome:
    """Validate an accounts file for ``school_id`` and apply it (or, with ``dry_run``, count
    what applying would do). Any error rejects the whole file; only the Upload record is
    written. A plain ``actor`` name is an operator who may touch every school. ``report`` is
    told ``(done, total)`` rows while passwords are hashed."""
    target, check, upload = receive(hub, school_id, filename, content, as_actor(actor))
    if not check.ok:
        return store(hub, upload, status=REJECTED, errors=check.errors, warnings=check.warnings)
    if dry_run:
        plan = count_only(hub, target, check)
        warnings = [*check.warnings, *plan.warnings]
        return store(hub, upload, status=DRY_RUN, warnings=warnings, counts=plan.counts)
    return apply(hub, target, check, upload=upload, claim_from=None, report=report)


def preview_upload(
    hub: Hub,
    *,
    school_id: str,
    filename: str,
    content: bytes,
    actor: Actor | str | None,
) -> UploadOutcome:
    """Validate and count like a dry run, and keep the file (status ``pending``) so
    :func:`confirm_upload` can apply it within the hour. The result's status is ``dry_run``
    (nothing applied yet) or ``rejected``. Only the same actor may confirm or cancel it."""
    target, check, upload = receive(hub, school_id, filename, content, as_actor(actor))
    if not check.ok:
        return store(hub, upload, status=REJECTED, errors=check.errors, warnings=check.warnings)
    plan = count_only(hub, target, check)
    upload.content = seal(hub, content)
    warnings = [*check.warnings, *plan.warnings]
    return store(hub, upload, status=PENDING, warnings=warnings, counts=plan.counts)


def confirm_upload(
    hub: Hub, *, upload_id: str, actor: Actor | str | None, report: Report | None = None
) -> UploadOutcome:
    """Apply a pending upload once. Confirming an applied upload again changes nothing and
    returns no passwords; a preview more than an hour old must be sent again. Someone other
    than its uploader, or one who may no longer touch its school, is told it is unknown."""
    ready = confirmable(hub, upload_id, as_actor(actor))
    if isinstance(ready, UploadOutcome):
        return ready
    upload, target, check = ready
    return apply(hub, target, check, upload=upload, claim_from=PENDING, report=report)


def confirmable(
    hub: Hub, upload_id: str, who: Actor
) -> UploadOutcome | tuple[Upload, Target, FileCheck]:
    """A pending upload of ``who``'s, its file checked again, ready to apply; or the outcome
    when there is nothing to apply (applied already, or a school it names is gone)."""
    upload = own_upload(hub, upload_id, who, school_too=True)
    if upload.status == APPLIED:
        return UploadOutcome(upload.id, result_json(upload))
    if upload.status != PENDING or upload.content is None:
        msg = f"upload {upload.id} is {upload.status}; there is nothing to confirm (send the file again)"
        raise UsageError(msg)
    if age(upload.created_at) > PREVIEW_TTL:
        finish_pending(hub, upload.id, status=EXPIRED)
        msg = f"the preview of upload {upload.id} is more than an hour old; send the file again"
        raise UsageError(msg)
    content = unsealed(hub, upload)
    if content is None:
        finish_pending(hub, upload.id, status=EXPIRED)
        msg = f"upload {upload.id} cannot be confirmed: {UNREADABLE}"
        raise UsageError(msg)
    target = Target(get_school(hub, upload.school_id), school_ids(hub, who), who)
    check = validate(hub, content, upload.filename, target)
    if not check.ok:  # a school named in the file was renamed or removed meanwhile
        upload.content = None
        return store(
            hub, upload, status=REJECTED, errors=check.errors, warnings=check.warnings, replace=True
        )
    return upload, target, check


def cancel_upload(hub: Hub, *, upload_id: str, actor: Actor | str | None) -> None:
    """Drop a pending upload (the chat's Cancel button): its file is deleted, nothing applied.
    Only its uploader may (dropping needs no school: it only deletes their own file)."""
    upload = own_upload(hub, upload_id, as_actor(actor), school_too=False)
    finish_pending(hub, upload.id, status=CANCELLED)


def receive(
    hub: Hub, school_id: str, filename: str, content: bytes, actor: Actor
) -> tuple[Target, FileCheck, Upload]:
    """Where the file goes, what validation found in it, and its (unsaved) record."""
    if not actor.may_touch(school_id):
        msg = f"unknown school '{school_id}'"  # exactly what get_school says for no such id
        raise UsageError(msg)
    target = Target(get_school(hub, school_id), school_ids(hub, actor), actor)
    check = validate(hub, content, filename, target)
    label = upload_format(hub).label(content, filename)[: limits.FILENAME_CHARS]
    upload = Upload(school_id=target.school.id, filename=label, status=PENDING, actor=actor.name)
    return target, check, upload


def validate(hub: Hub, content: bytes, filename: str, target: Target) -> FileCheck:
    return upload_format(hub).validate(
        content, filename=filename, schools=target.school_ids, only_these=target.actor.restricted
    )
