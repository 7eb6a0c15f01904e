"""Import reports (SPEC §5, §6): operators see every import, a school's administrators their part."""

from __future__ import annotations

from typing import Any

from chalicelib.api.http import ApiBlueprint, RequestContext, page
from chalicelib.errors import Conflict, Forbidden, NotFound
from chalicelib.pipeline.lifecycle import enqueue_schools
from chalicelib.pipeline.report import PartStatus

api = ApiBlueprint(__name__)

# The name of a listing's position in its cursor (``<started_at>#<import id>``; see ``api.http``).
IMPORTS_CURSOR = "before_import"


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
    return page(items, IMPORTS_CURSOR, reports.before)


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
    enqueue_schools(import_id, reopened, force=True)
    return {**(store.report(import_id) or report), "rerun_school_ids": reopened}
