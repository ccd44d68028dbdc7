"""Excel exports as background jobs: the web tier queues a checked row, a job builds the file.

A million-row workbook takes minutes to write; a link that blocks that long ties up a web
thread and looks broken. The row is the job's record: insert (queued) and commit first, the job
claims it once (running), beats on it while it works, and finishes it with the file (done) or a
message for the user (failed) whatever goes wrong; a row whose worker stopped beating is ended
(failed) at its owner's next request. Bounds: cells per file, jobs per user, a time limit.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import delete, func, select
from sqlalchemy.orm import undefer

from dashapp.dataview.binding import current_dataview
from dashapp.dataview.errors import GridQueryError
from dashapp.dataview.export import cell_row_limit, download_name, export_columns
from dashapp.dataview.grid_state import GridState
from dashapp.dataview.sheet import EXCEL_MAX_ROWS, write_sheet
from dashapp.extensions import db
from dashapp.jobs import job_rows
from dashapp.jobs.job_rows import claim_queued, end_lost, finish, heartbeat
from dashapp.jobs.user_locks import lock_user
from dashapp.models.dataview import ExcelExport, utcnow
from dashapp.settings import Settings

log = logging.getLogger(__name__)
ACTIVE = ("queued", "running")
KEEP_RESULTS = dt.timedelta(hours=1)  # finished files can be downloaded this long


class ExcelRefused(GridQueryError):
    """The export is not started (bad request or over a limit); the message says why."""


class ExcelTimeout(GridQueryError):
    """The export ran past its time limit."""


@dataclass(frozen=True)
class Queued:
    """A queued export, and what the user should know about their earlier ones."""

    export_id: int
    note: str = ""


@dataclass(frozen=True)
class Finished:
    """A job's end: the file to fetch, or why there is none."""

    export_id: int
    ok: bool
    message: str
    rows: int = 0
    filename: str = ""


def _end_lost(owner: str, settings: Settings) -> int:
    """End `owner`'s exports whose worker stopped beating, or that ran past twice the limit."""
    limit = dt.timedelta(seconds=2 * settings.dataview_xlsx_job_time_limit_s)
    return end_lost(ExcelExport, owner, settings.job_lost_after_s, over_after=limit)


def _active_count(owner: str, settings: Settings) -> int:
    # A row still queued after twice the time limit never reached a worker: it stops counting.
    stale = utcnow() - dt.timedelta(seconds=2 * settings.dataview_xlsx_job_time_limit_s)
    count = db.session.scalar(
        select(func.count(ExcelExport.id)).where(
            ExcelExport.owner == owner,
            ExcelExport.status.in_(ACTIVE),
            ExcelExport.created_at > stale,
        )
    )
    return int(count or 0)


def queue_excel(
    owner: str, table: Any, state: Any, columns: Any, max_rows: int, settings: Settings
) -> Queued:
    """Check an export (table, state, columns, the owner's jobs in flight) and queue it."""
    view = current_dataview()
    checked = GridState.from_mapping(state)  # GridQueryError (GridStateError) when malformed
    query = view.query(table, checked)
    wanted = [c for c in columns if isinstance(c, str)] if isinstance(columns, list) else []
    chosen = export_columns(query.table, wanted)
    limit = cell_row_limit(
        min(max_rows, EXCEL_MAX_ROWS), len(chosen), settings.dataview_xlsx_job_max_cells
    )
    most = settings.dataview_xlsx_jobs_per_user
    lock_user("excel", owner, ExcelExport)  # concurrent clicks must not all pass the count
    lost = _end_lost(owner, settings)
    if _active_count(owner, settings) >= most:
        db.session.rollback()  # releases the lock
        raise ExcelRefused(
            f"You already have {most} Excel export{'s' if most > 1 else ''} being built; "
            "wait for it to finish."
        )
    row = ExcelExport(
        owner=owner,
        table_name=query.table.name,
        state=checked.to_mapping(),  # the job reads the same validated form back
        columns=chosen,
        row_limit=limit,
        status="queued",
        filename=download_name(query.table.name, "xlsx"),
    )
    try:
        db.session.execute(
            delete(ExcelExport).where(
                ExcelExport.owner == owner, ExcelExport.created_at < utcnow() - KEEP_RESULTS
            )
        )
        db.session.add(row)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    note = "Your previous Excel export stopped: its worker stopped working on it. " if lost else ""
    return Queued(row.id, note)


def _finish(export_id: int, error: str | None, data: bytes | None = None, rows: int = 0) -> None:
    """Record the end (a row ended meanwhile as lost stays so: its user was told)."""
    status = "failed" if error else "done"
    finish(ExcelExport, export_id, status, error, data=data, rows_done=rows)


UNEXPECTED = (
    "The Excel file could not be built because of an unexpected error (it was logged). "
    "Try again, or export CSV."
)


def run_excel(
    export_id: int, settings: Settings, progress: Callable[[int, int], None] | None = None
) -> Finished:
    """Build a queued export (in a background job); `progress(rows written, row limit)`."""
    row = claim_queued(ExcelExport, export_id)
    if row is None:
        return Finished(export_id, False, "This export was already built or does not exist.")
    deadline = time.monotonic() + settings.dataview_xlsx_job_time_limit_s
    started = time.monotonic()
    total = row.row_limit

    def on_rows(done: int) -> None:
        if time.monotonic() > deadline:
            raise ExcelTimeout(
                f"The export took longer than {settings.dataview_xlsx_job_time_limit_s:g} s "
                "and was stopped. Narrow the filters or choose fewer columns."
            )
        if progress is not None:
            progress(done, total)

    try:
        with heartbeat(ExcelExport, export_id, settings.job_heartbeat_s):
            # Progress is out of the rows that will be written (the grid's count, cached).
            state = GridState.from_mapping(row.state)
            total = min(total, current_dataview().rows_count(row.table_name, state))
            data, written = _build(row, state, settings, on_rows)
    except GridQueryError as exc:
        _finish(export_id, str(exc))
        return Finished(export_id, False, str(exc))
    except sa.exc.SQLAlchemyError as exc:  # the data source failed mid-way: say so, log why
        log.warning("excel export %s failed: %s", export_id, exc)
        message = "The data source did not answer while the file was built. Try again later."
        _finish(export_id, message)
        return Finished(export_id, False, message)
    except SoftTimeLimitExceeded:  # Celery's limit for the `dash` queue's tasks
        message = (
            "The export ran past the worker's time limit and was stopped. "
            "Narrow the filters or choose fewer columns."
        )
        _finish(export_id, message)
        return Finished(export_id, False, message)
    except Exception:  # noqa: BLE001 - any failure ends the row and frees the slot, said
        log.exception("excel export %s failed", export_id)
        _finish(export_id, UNEXPECTED)
        return Finished(export_id, False, UNEXPECTED)
    except BaseException:  # the job is being stopped (SIGTERM, exit): end the row, then go
        _finish(export_id, "The export was stopped before it finished. Try again.")
        raise
    _finish(export_id, None, data, written)
    seconds = time.monotonic() - started
    message = f"{written:,} rows in {seconds:.0f} s."
    return Finished(export_id, True, message, written, row.filename)


def _build(
    row: ExcelExport, state: GridState, settings: Settings, on_rows: Callable[[int], None]
) -> tuple[bytes, int]:
    """The workbook's bytes and the rows written."""
    view = current_dataview()
    query = view.query(row.table_name, state)
    engine = view.engine_for(row.table_name)
    with tempfile.TemporaryFile() as spool:
        written = write_sheet(
            engine, query, row.columns, spool, row.row_limit,
            settings.dataview_export_timeout_ms, on_rows,
        )  # fmt: skip
        spool.seek(0)
        return spool.read(), written


def result(owner: str, export_id: int) -> tuple[str, bytes] | None:
    """(file name, bytes) of `owner`'s finished export; None for anything else."""
    row = db.session.scalar(
        select(ExcelExport)
        .options(undefer(ExcelExport.data))
        .where(ExcelExport.id == export_id, ExcelExport.owner == owner)
    )
    if row is None or row.status != "done" or row.data is None:
        return None
    return row.filename, bytes(row.data)


def owns_queued(owner: str, export_id: Any) -> bool:
    """True when `export_id` is `owner`'s export waiting for its job (the web tier's guard)."""
    return job_rows.owns_queued(ExcelExport, owner, export_id)
