"""Import reports (SPEC §5, §6): operators see every import, a school's administrators their part."""

from __future__ import annotations

from typing import Any

from chalicelib.api.http import ApiBlueprint, RequestContext, is_identifier
from chalicelib.errors import BadRequest, Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.pipeline.lifecycle import issues_key
from chalicelib.pipeline.report import PartStatus

api = ApiBlueprint(__name__)

# The name of a listing's position in its cursor (``<started_at>#<import id>``; see ``api.http``).
IMPORTS_CURSOR = "before_import"
# The issue list's position: the byte offset of the next entry in its object.
ISSUES_CURSOR = "issue_offset"


def _school_view(report: dict[str, Any], school_id: str) -> dict[str, Any]:
    """What a school's administrator sees of an import: its own part, not other schools'."""
    part = next((p for p in report["schools"] if p["school_id"] == school_id), None)
    if part is None:
        raise NotFound("No such import.")
    view = {key: report[key] for key in ("id", "source_key", "format", "status", "started_at", "finished_at")}
    view["counts"] = {**dict.fromkeys(report["counts"], 0), **part["counts"]}
    view["errors"] = []
    view["warnings"] = part["warnings"]
    view["schools"] = [part]
    return view


@api.route("/v1/imports")
def list_imports(ctx: RequestContext) -> dict[str, Any]:
    """Newest first. Operators see all; ``?school_id=`` narrows to one school (its admins may ask)."""
    caller = ctx.authenticated
    limit = ctx.page_size(default=20, maximum=100)
    school_id = ctx.query("school_id")
    if school_id is not None and not is_identifier(school_id):
        # An empty or impossible id would reach DynamoDB as a key it refuses (a 500).
        raise ValidationFailed(
            "school_id is not a school id.", [{"field": "school_id", "message": "a school id"}]
        )
    store = ctx.services.imports
    if school_id is None:
        if not caller.is_operator:
            raise Forbidden("Only operators see every import; pass school_id to see your school's.")
        reports = store.newest(limit, ctx.position(IMPORTS_CURSOR, compound=True))
        items = reports.items
    else:
        ctx.services.chats.require_back_office(caller, school_id)
        reports = store.newest_for_school(school_id, limit, ctx.position(IMPORTS_CURSOR, compound=True))
        items = reports.items if caller.is_operator else [_school_view(r, school_id) for r in reports.items]
    return ctx.page(items, IMPORTS_CURSOR, reports.before)


@api.route("/v1/imports/{import_id}")
def get_import(ctx: RequestContext, import_id: str) -> dict[str, Any]:
    """One import's report; a school's administrator gets their school's part of it."""
    caller = ctx.authenticated
    report = ctx.services.imports.report(import_id)
    if report is None:
        raise NotFound("No such import.")
    if caller.is_operator:
        return report
    for part in report["schools"]:
        try:
            ctx.services.chats.require_back_office(caller, part["school_id"])
        except NotFound:
            continue
        return _school_view(report, part["school_id"])
    raise NotFound("No such import.")


@api.route("/v1/imports/{import_id}/issues")
def import_issues(ctx: RequestContext, import_id: str) -> dict[str, Any]:
    """Operators: every error and warning of an import's file, in file order, page by page (the report
    itself lists only the first ones). Each entry is an issue with its ``severity``."""
    if not ctx.authenticated.is_operator:
        raise NotFound("No such import.")
    report = ctx.services.imports.report(import_id) if is_identifier(import_id) else None
    if report is None:
        raise NotFound("No such import.")
    limit = ctx.page_size(default=100, maximum=500)
    position = ctx.position(ISSUES_CURSOR)
    if position is not None and not (position.isascii() and position.isdigit()):
        raise BadRequest("The cursor is not valid.")
    if report.get("issues_url") is None:
        return ctx.page([], ISSUES_CURSOR, None)
    items, following = ctx.services.roster_files.read_issue_lines(
        issues_key(import_id), int(position or 0), limit
    )
    return ctx.page(items, ISSUES_CURSOR, str(following) if following is not None else None)


@api.route("/v1/imports/{import_id}/force", methods=("POST",))
def force_import(ctx: RequestContext, import_id: str) -> dict[str, Any]:
    """Operators: re-run the held schools of an import, past the deletion threshold."""
    caller = ctx.authenticated
    if not caller.is_operator:
        raise NotFound("No such import.")
    ctx.json()  # the body is optional, but if sent it must be JSON
    store = ctx.services.imports
    report = store.report(import_id)
    if report is None:
        raise NotFound("No such import.")
    held = [p["school_id"] for p in report["schools"] if p["status"] == PartStatus.HELD.value]
    if not held:
        raise Conflict("The import has no held schools.")
    reopened = [s for s in held if store.reopen_part(import_id, s, was=PartStatus.HELD, force=True)]
    if not reopened:
        raise Conflict("Another request re-ran the held schools first.")
    ctx.services.lifecycle.enqueue_schools(import_id, reopened, force=True)
    return {**(store.report(import_id) or report), "rerun_school_ids": reopened}
