"""Exports of the data view: the whole filtered, sorted result as streamed CSV or as .xlsx."""

from __future__ import annotations

import json
import logging
import re
import tempfile
from collections.abc import Iterator

from flask import Blueprint, Response, jsonify, request, send_file, stream_with_context
from flask.typing import ResponseReturnValue

from dashapp.auth import Role, current_user, require_role
from dashapp.services.grid.binding import current_dataview
from dashapp.services.grid.errors import GridQueryError
from dashapp.services.grid.export import EXCEL_MAX_ROWS, csv_chunks, write_xlsx
from dashapp.services.grid.query import GridQuery
from dashapp.services.grid.service import GridState
from dashapp.settings import current_settings

log = logging.getLogger(__name__)
bp = Blueprint("exports", __name__, url_prefix="/export")

MAX_STATE_CHARS = 32_000
SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def _export_request(table: str) -> tuple[GridQuery, list[str], int]:
    """The validated query, columns and row limit of an export link; GridQueryError if bad."""
    settings = current_settings()
    user = current_user()
    if user is None or not user.has(Role.parse(settings.dataview_export_role)):
        raise PermissionError(f"Exports need the {settings.dataview_export_role} role.")
    raw = request.args.get("state", "{}")
    if len(raw) > MAX_STATE_CHARS:
        raise GridQueryError("The export link is too long.")
    try:
        state = json.loads(raw)
    except ValueError:
        raise GridQueryError("The export link's state is not valid JSON.") from None
    view = current_dataview()
    query = view.query(table, GridState.from_mapping(state))
    wanted = [c for c in request.args.get("columns", "").split(",") if c]
    columns = [query.table.column(c).name for c in wanted] or [c.name for c in query.table.columns]
    limit = settings.dataview_export_max_rows
    if not user.has(Role.TRAINER):
        limit = min(limit, settings.dataview_viewer_export_max_rows)
    return query, columns, limit


def _refusal(exc: Exception) -> ResponseReturnValue:
    status = 403 if isinstance(exc, PermissionError) else 400
    log.warning("export refused (%s): %s", status, exc)
    return jsonify(error=str(exc)), status


@bp.get("/<table>.csv")
@require_role(Role.VIEWER)
def export_csv(table: str) -> ResponseReturnValue:
    """Stream every matching row as CSV from a server-side cursor (flat memory)."""
    try:
        query, columns, limit = _export_request(table)
    except (GridQueryError, PermissionError) as exc:
        return _refusal(exc)
    engine = current_dataview().engine_for(table)
    timeout = current_settings().dataview_export_timeout_ms

    def generate() -> Iterator[str]:
        try:
            yield from csv_chunks(engine, query, columns, limit, timeout)
        except GridQueryError as exc:  # headers are gone: say so at the end of the file
            log.warning("csv export stopped: %s", exc)
            yield f"\n# export stopped: {exc}\n"

    log.info("csv export of %s (limit %d)", table, limit)
    filename = SAFE_NAME.sub("_", table) + ".csv"
    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Accel-Buffering": "no",  # let nginx pass chunks through as they come
        },
    )


@bp.get("/<table>.xlsx")
@require_role(Role.VIEWER)
def export_xlsx(table: str) -> ResponseReturnValue:
    """Write an .xlsx (write-only mode, spooled to disk when large) up to Excel's row limit."""
    try:
        query, columns, limit = _export_request(table)
        spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
        written = write_xlsx(
            current_dataview().engine_for(table),
            query,
            columns,
            spool,
            min(limit, EXCEL_MAX_ROWS),
            current_settings().dataview_export_timeout_ms,
        )
    except (GridQueryError, PermissionError) as exc:
        return _refusal(exc)
    log.info("xlsx export of %s: %d rows", table, written)
    spool.seek(0)
    return send_file(
        spool,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=SAFE_NAME.sub("_", table) + ".xlsx",
    )
