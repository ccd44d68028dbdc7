"""Exports of the data view: the whole filtered, sorted result as CSV or as .xlsx.

Each export is written to a temporary file first, so the database transaction ends before the
client starts reading, however slowly it reads; then the file is served with its length, which
leaves a buffering reverse proxy free to take it all at once. Bounds (docs/security.md): the
user's role, a per-user cap on exports in progress, columns (each once), rows, cells, bytes.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from typing import IO, Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from dashapp.dataview import excel_jobs, grid_state
from dashapp.dataview.binding import current_dataview
from dashapp.dataview.errors import GridQueryError
from dashapp.dataview.export import (
    cell_row_limit,
    download_name,
    export_columns,
    spool_csv,
)
from dashapp.dataview.grid_state import GridState
from dashapp.dataview.query import GridQuery
from dashapp.dataview.sheet import EXCEL_MAX_ROWS, write_sheet
from dashapp.routes.downloads import send_download
from dashapp.settings import current_settings
from dashapp.web.identity import Role, current_user, require_role
from dashapp.web.slots import SlotKind, user_slots
from dashapp.web.user_slots import SlotsBusy

log = logging.getLogger(__name__)
bp = Blueprint("exports", __name__, url_prefix="/export")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export_request(table: str, max_cells: int) -> tuple[GridQuery, list[str], int]:
    """The validated query, columns and row limit of an export link; GridQueryError if bad."""
    settings = current_settings()
    user = current_user()
    if user is None or not user.has(Role.parse(settings.dataview_export_role)):
        raise PermissionError(f"Exports need the {settings.dataview_export_role} role.")
    try:
        state = grid_state.loads(request.args.get("state"), grid_state.QUERY_KEYS)
    except grid_state.GridStateError as exc:
        raise GridQueryError(f"The export link's state is not usable: {exc}") from None
    view = current_dataview()
    query = view.query(table, GridState.from_mapping(state))
    columns = export_columns(query.table, request.args.get("columns", "").split(","))
    limit = settings.dataview_export_max_rows
    if not user.has(Role.TRAINER):
        limit = min(limit, settings.dataview_viewer_export_max_rows)
    return query, columns, cell_row_limit(limit, len(columns), max_cells)


def _refusal(exc: Exception) -> ResponseReturnValue:
    status = 429 if isinstance(exc, SlotsBusy) else 403 if isinstance(exc, PermissionError) else 400
    log.warning("export refused (%s): %s", status, exc)
    return jsonify(error=str(exc)), status


def _export(
    table: str, max_cells: int, write: Callable[[GridQuery, list[str], int, IO[bytes]], Any]
) -> tuple[IO[bytes], Callable[[], None]]:
    """Validate, take a slot, write the file; returns it rewound and the slot's release."""
    query, columns, limit = _export_request(table, max_cells)
    user = current_user()
    assert user is not None
    release = user_slots(SlotKind.EXPORT).acquire(user.username)
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response, or below
    try:
        write(query, columns, limit, spool)
    except BaseException:
        spool.close()
        release()
        raise
    spool.seek(0)
    return spool, release


def _serve(spool: IO[bytes], release: Callable[[], None], mimetype: str, name: str) -> Any:
    """Send the spooled file with its length; the slot frees when the response is closed."""
    size = os.fstat(spool.fileno()).st_size
    response = send_download(spool, name, mimetype, default="export")
    # A length lets the proxy buffer the whole file and frees it from our pace.
    response.content_length = size
    # Through Response.close() (which closes the file too), so on_close callbacks run:
    # a passthrough file would be closed by the server without them.
    response.direct_passthrough = False
    response.call_on_close(release)
    return response


@bp.get("/<table>.csv")
@require_role(Role.VIEWER)
def export_csv(table: str) -> ResponseReturnValue:
    """Every matching row as CSV, written to a temporary file and then sent."""
    settings = current_settings()

    def write(query: GridQuery, columns: list[str], limit: int, target: IO[bytes]) -> None:
        engine = current_dataview().engine_for(table)
        max_bytes = settings.dataview_export_spool_mb * 1024 * 1024
        timeout, idle = (
            settings.dataview_export_timeout_ms,
            settings.dataview_idle_in_transaction_ms,
        )
        spool_csv(engine, query, columns, limit, timeout, target, max_bytes, idle)

    try:
        spool, release = _export(table, settings.dataview_export_max_cells, write)
    except (GridQueryError, PermissionError, SlotsBusy) as exc:
        return _refusal(exc)
    log.info("csv export of %s", table)
    return _serve(spool, release, "text/csv", download_name(table, "csv"))


@bp.get("/<table>.xlsx")
@require_role(Role.VIEWER)
def export_xlsx(table: str) -> ResponseReturnValue:
    """An .xlsx (write-only mode) up to Excel's row limit and the .xlsx cell limit."""
    settings = current_settings()

    def write(query: GridQuery, columns: list[str], limit: int, target: IO[bytes]) -> None:
        engine = current_dataview().engine_for(table)
        rows = min(limit, EXCEL_MAX_ROWS)
        write_sheet(engine, query, columns, target, rows, settings.dataview_export_timeout_ms)

    try:
        spool, release = _export(table, settings.dataview_xlsx_max_cells, write)
    except (GridQueryError, PermissionError, SlotsBusy) as exc:
        return _refusal(exc)
    log.info("xlsx export of %s", table)
    return _serve(spool, release, XLSX_TYPE, download_name(table, "xlsx"))


@bp.get("/jobs/<int:export_id>.xlsx")
@require_role(Role.VIEWER)
def excel_job_file(export_id: int) -> ResponseReturnValue:
    """A finished Excel export built by a background job (its owner only)."""
    user = current_user()
    assert user is not None
    found = excel_jobs.result(user.username, export_id)
    if found is None:
        return jsonify(error="No such export (or it is not finished, or it expired)."), 404
    name, data = found
    return send_download(data, name, XLSX_TYPE, default="export")
