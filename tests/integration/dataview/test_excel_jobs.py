"""Excel exports built by background jobs: queued by the web tier, built by the job, fetched."""

from __future__ import annotations

import datetime as dt
import io
import json
import time
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from dashapp import create_app
from dashapp.dataview import excel_jobs
from dashapp.extensions import db
from dashapp.models.dataview import ExcelExport
from dashapp.pages.dataview import ids
from dashapp.pages.dataview.excel_callbacks import job_callback_key
from dashapp.seeding.seed import seed
from dashapp.seeding.seed_data import SeedPlan
from dashapp.settings import current_settings
from tests.conftest import SettingsFactory
from tests.support.dash_requests import callbacks_of
from tests.support.worker import WorkerProcess

STATE = {
    "filterModel": {"amount": {"filterType": "number", "type": "greaterThan", "filter": 300}},
    "sortModel": [{"colId": "amount", "sort": "desc"}],
    "quick": "",
    "facets": {"status": ["delivered", "shipped"]},
}
COLUMNS = ["id", "order_date", "status", "amount"]
WHERE = "amount > 300 AND status IN ('delivered', 'shipped')"


def excel_click(client: FlaskClient, args: Any = None, table: str = "orders") -> Any:
    """POST the Excel button's callback as the browser does."""
    return callbacks_of(client.application).post(
        client,
        f"{ids.XLSX_JOB}.data",
        {f"{ids.EXPORT_XLSX}.n_clicks": 1},
        {
            f"{ids.TABLE}.data": table,
            f"{ids.XLSX_ARGS}.data": args or {"state": STATE, "columns": COLUMNS},
        },
    )


def queued_id(response: Any) -> int:
    assert response.status_code == 200, response.get_data(as_text=True)
    return int(response.get_json()["response"][ids.XLSX_JOB]["data"]["export_id"])


def status_text(response: Any) -> str:
    return json.dumps(response.get_json()["response"][ids.XLSX_STATUS]["children"])


def job_body(client: FlaskClient, request: Any) -> dict[str, Any]:
    """The job's request: a new job for `request`, or (None) a poll of the running one."""
    dash_app = client.application.extensions["dash_app"]
    return callbacks_of(client.application).body(
        job_callback_key(dash_app),
        {f"{ids.XLSX_JOB}.data": request},
        changed=[f"{ids.XLSX_JOB}.data"] if request else [],
    )


def expected_rows(app: Flask, where: str = WHERE) -> list[tuple[int, float]]:
    with app.app_context():
        rows = db.session.execute(
            sa.text(f"SELECT id, amount FROM orders WHERE {where} ORDER BY amount DESC, id DESC")
        ).all()
        db.session.remove()
    return [(int(i), float(a)) for i, a in rows]


def opened(data: bytes) -> list[tuple[Any, ...]]:
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]] == ["Order", "Date", "Status", "Amount"]
    first = sheet[2]
    assert first[1].is_date and first[1].number_format == "yyyy-mm-dd"
    assert first[3].data_type == "n" and first[3].number_format.startswith("[$USD]")
    return [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=2)]


@pytest.fixture
def seeded(settings_factory: SettingsFactory) -> Flask:
    """The embedded app (SQLite) with 30,000 orders and a small per-file cell bound."""
    server = create_app(settings_factory(dataview_xlsx_job_max_cells=4000))
    with server.app_context():
        seed(db.engine, SeedPlan.for_orders(30_000))
    return server


def test_queue_build_and_fetch_with_bounds(seeded: Flask) -> None:
    client = seeded.test_client()
    first = queued_id(excel_click(client))
    # One job per user at a time (the default): a second click is refused, said on the page.
    refused = excel_click(client)
    assert "already have 1 Excel export being built" in status_text(refused)
    assert ids.XLSX_JOB not in refused.get_json()["response"]
    # A malformed request is a message, not a job.
    bad = excel_click(client, {"state": {"filterModel": {"nope": {}}}, "columns": COLUMNS})
    assert "Unknown column" in status_text(bad)
    with seeded.app_context():
        seen: list[tuple[int, int]] = []
        finished = excel_jobs.run_excel(
            first, current_settings(), lambda done, total: seen.append((done, total))
        )
        assert finished.ok, finished.message
        again = excel_jobs.run_excel(first, current_settings())
        assert not again.ok  # a job runs once
    download = client.get(f"/export/jobs/{first}.xlsx")
    assert download.status_code == 200
    today = dt.date.today().isoformat()
    assert f"filename=orders-{today}.xlsx" in download.headers["Content-Disposition"]
    rows = opened(download.data)
    # 4,000 cells over 4 columns: the first 1,000 rows of the filtered, sorted result.
    expected = expected_rows(seeded)
    assert len(expected) > 1000
    assert [(r[0], pytest.approx(r[3])) for r in rows] == expected[:1000]
    assert finished.rows == 1000
    # Another user cannot fetch it; the next export may start now.
    with seeded.app_context():
        assert excel_jobs.result("someone-else", first) is None
    assert queued_id(excel_click(client)) > first


def test_job_request_for_another_users_export_is_refused(seeded: Flask) -> None:
    client = seeded.test_client()
    theirs = queued_id(excel_click(client))
    with seeded.app_context():
        row = db.session.get(ExcelExport, theirs)
        assert row is not None
        row.owner = "someone-else"
        db.session.commit()
    refused = client.post("/_dash-update-component", json=job_body(client, {"export_id": theirs}))
    assert refused.status_code == 404
    with seeded.app_context():
        assert db.session.get(ExcelExport, theirs).status == "queued"  # type: ignore[union-attr]


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.celery
def test_excel_is_built_on_the_worker_with_progress(
    celery_app: Flask, celery_worker: WorkerProcess
) -> None:
    with celery_app.app_context():
        seed(db.engine, SeedPlan.for_orders(120_000))
        db.session.remove()
    client = celery_app.test_client()
    # Every row (no filter): enough rows for several progress steps (one per 10,000 rows).
    everything = {"state": {"sortModel": STATE["sortModel"]}, "columns": COLUMNS}
    export_id = queued_id(excel_click(client, everything))
    started = client.post(
        "/_dash-update-component", json=job_body(client, {"export_id": export_id})
    )
    assert started.status_code in (200, 202, 204), started.get_data(as_text=True)
    handles = started.get_json()
    assert handles and "job" in handles  # handed to the worker, not built here
    query = {"cacheKey": handles["cacheKey"], "job": handles["job"]}
    progress: list[Any] = []
    deadline = time.monotonic() + 300
    while True:
        polled = client.post(
            "/_dash-update-component", json=job_body(client, None), query_string=query
        )
        body = polled.get_json() or {}
        if body.get("progress"):
            progress.append(body["progress"])
        if "response" in body or time.monotonic() > deadline:
            break
        assert client.get("/healthz").status_code == 200  # the web tier keeps answering
        time.sleep(0.2)
    assert progress, "no progress reached the page"
    values = [p[f"{ids.XLSX_PROGRESS}.value"] for p in progress]
    assert values == sorted(values) and 0 < values[-1] <= 100  # out of the rows to write
    text = progress[-1][f"{ids.XLSX_PROGRESS_TEXT}.children"]
    assert text.startswith("Building the Excel file: ") and text.endswith("rows…")
    link = json.dumps(body["response"][ids.XLSX_RESULT]["children"])
    assert f"/export/jobs/{export_id}.xlsx" in link
    download = client.get(f"/export/jobs/{export_id}.xlsx")
    assert download.status_code == 200
    rows = opened(download.data)
    expected = expected_rows(celery_app, "TRUE")
    assert len(expected) == 120_000
    assert [(r[0], pytest.approx(r[3])) for r in rows] == expected
