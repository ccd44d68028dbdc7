"""Exports are bounded (columns, cells, bytes, per-user slots) and never hold the database or
the web tier for a slow reader."""

from __future__ import annotations

import csv
import io
import socket
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import requests
from flask import Flask

from dashapp import create_app
from dashapp.extensions import db
from dashapp.pages.dataview import ids
from dashapp.seeding.seed import seed
from dashapp.seeding.seed_data import SeedPlan
from tests.conftest import SettingsFactory
from tests.integration.production.conftest import production_env
from tests.support.dash_requests import callbacks_of
from tests.support.gunicorn import WebProcess, start_web

VIEWER = {"X-Forwarded-User": "victor", "X-Forwarded-Groups": "staff"}


@pytest.fixture
def seeded(settings_factory: SettingsFactory) -> Iterator[Flask]:
    app = create_app(settings_factory(dev_role="viewer", dataview_export_max_cells=2000))
    with app.app_context():
        seed(db.engine, SeedPlan.for_orders(400))
    yield app
    with app.app_context():
        db.session.remove()


def test_duplicate_columns_are_exported_once(seeded: Flask) -> None:
    response = seeded.test_client().get(
        "/export/orders.csv", query_string={"columns": ",".join(["id"] * 40 + ["amount", "id"])}
    )
    assert response.status_code == 200
    header = next(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert header == ["Order", "Amount"]  # each column once, headed by its label


def test_more_column_names_than_the_table_could_have_are_refused(seeded: Flask) -> None:
    response = seeded.test_client().get(
        "/export/orders.csv", query_string={"columns": ",".join(["id"] * 1300)}
    )
    assert response.status_code == 400
    assert "too many columns" in response.get_json()["error"]


def test_exports_are_bounded_in_cells(seeded: Flask) -> None:
    # 2,000 cells: 2 columns give 1,000 rows at most, but only 400 exist; 11 columns give 181.
    narrow = seeded.test_client().get("/export/orders.csv", query_string={"columns": "id,amount"})
    assert len(narrow.get_data(as_text=True).splitlines()) == 1 + 400
    wide = seeded.test_client().get("/export/orders.csv")
    rows = list(csv.reader(io.StringIO(wide.get_data(as_text=True))))
    assert len(rows) - 1 == 2000 // len(rows[0]) < 400


def test_xlsx_exports_have_their_own_tighter_cell_limit(settings_factory: SettingsFactory) -> None:
    from openpyxl import load_workbook

    app = create_app(settings_factory(dev_role="viewer", dataview_xlsx_max_cells=1100))
    with app.app_context():
        seed(db.engine, SeedPlan.for_orders(400))
    response = app.test_client().get("/export/orders.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) - 1 == 1100 // len(rows[0]) < 400


def test_the_response_has_a_length_and_lets_the_proxy_buffer(seeded: Flask) -> None:
    response = seeded.test_client().get("/export/orders.csv", query_string={"columns": "id"})
    assert response.status_code == 200
    assert "X-Accel-Buffering" not in response.headers
    assert int(response.headers["Content-Length"]) == len(response.get_data())


def test_too_large_an_export_is_refused_before_sending(settings_factory: SettingsFactory) -> None:
    app = create_app(settings_factory(dev_role="viewer", dataview_export_spool_mb=1))
    with app.app_context():
        seed(db.engine, SeedPlan.for_orders(20_000))
    response = app.test_client().get("/export/orders.csv")
    assert response.status_code == 400
    assert "larger than 1 MB" in response.get_json()["error"]


def test_a_user_has_at_most_the_configured_exports_in_progress(seeded: Flask) -> None:
    client = seeded.test_client()
    held = [client.get("/export/orders.csv", buffered=False) for _ in range(2)]
    assert [r.status_code for r in held] == [200, 200]
    third = client.get("/export/orders.csv")
    assert third.status_code == 429
    assert "2 exports in progress" in third.get_json()["error"]
    held[0].close()  # a finished download frees its slot
    assert client.get("/export/orders.csv").status_code == 200
    held[1].close()


# --- 16 stalled exports against gunicorn on PostgreSQL --------------------------------------


@pytest.fixture(scope="module")
def seeded_app(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app of the web's code on the same database: seeds it, and its callback map builds
    the grid requests sent to the web process."""
    app = create_app(_plain_settings(pg_url, tmp_path_factory.mktemp("seed-instance")))
    with app.app_context():
        seed(db.engine, SeedPlan.for_orders(100_000))
        db.session.remove()
        db.engine.dispose()
    yield app


@pytest.fixture(scope="module")
def web(
    seeded_app: Flask, pg_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WebProcess]:
    base = tmp_path_factory.mktemp("stalled")
    env = production_env(pg_url, redis_url, base / "instance")
    process = start_web(env, base / "web", workers=2, threads=4)
    yield process
    process.stop()


def _plain_settings(pg_url: str, instance: Path) -> object:
    from dashapp.settings import load_settings

    # No lost-run sweeper thread: it would outlive this module's app and the session's database.
    return load_settings(
        instance_path=instance,
        database_url=pg_url,
        redis_url=None,
        log_json=False,
        training_sweep_every_s=0,
    )


def stalled_export(port: int) -> socket.socket:
    """A client that asks for the export and never reads (a tiny receive window)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    headers = "".join(f"{k}: {v}\r\n" for k, v in VIEWER.items())
    sock.sendall(f"GET /export/orders.csv HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode())
    return sock


def grid_request_body(app: Flask) -> dict[str, object]:
    """The grid's first block of orders, as the renderer asks for it."""
    request = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}
    return callbacks_of(app).body(
        f"{ids.ROWS}.data",
        inputs={f"{ids.GRID}.getRowsRequest": request},
        state={f"{ids.TABLE}.data": "orders", f"{ids.FACET_COLUMNS}.data": []},
    )


def timed(call: object) -> float:
    started = time.perf_counter()
    response = call()  # type: ignore[operator]
    assert response.status_code == 200, response.text[:300]
    return (time.perf_counter() - started) * 1000


def idle_in_transaction(pg_url: str) -> list[tuple[Any, ...]]:
    """Sessions on the database idle inside a transaction: (pid, application, age, last query)."""
    name = pg_url.rsplit("/", 1)[1]
    admin = psycopg2.connect(pg_url.replace("postgresql+psycopg2://", "postgresql://"))
    try:
        with admin.cursor() as cur:
            cur.execute(
                "SELECT pid, application_name, now() - xact_start, left(query, 120) "
                "FROM pg_stat_activity "
                "WHERE datname = %s AND state LIKE 'idle in transaction%%'",
                (name,),
            )
            return list(cur.fetchall())
    finally:
        admin.close()


def test_16_stalled_exports_leave_health_and_grid_fast(
    web: WebProcess, seeded_app: Flask, pg_url: str
) -> None:
    session = requests.Session()
    grid = grid_request_body(seeded_app)

    def health() -> requests.Response:
        return session.get(f"{web.url}/healthz", timeout=10)

    def block() -> requests.Response:
        return session.post(
            f"{web.url}/_dash-update-component", json=grid, headers=VIEWER, timeout=10
        )

    for _ in range(3):  # warm both workers: Dash's first-request set-up, pooled connections
        health(), block()
    stalled = [stalled_export(web.port) for _ in range(16)]
    try:
        time.sleep(8)  # the accepted exports are spooled and sending into full windows
        health_ms = [timed(health) for _ in range(10)]
        grid_ms = [timed(block) for _ in range(10)]
        print(
            f"\nwith 16 stalled exports: /healthz median {statistics.median(health_ms):.1f} ms "
            f"max {max(health_ms):.1f} ms; grid block median {statistics.median(grid_ms):.1f} ms "
            f"max {max(grid_ms):.1f} ms"
        )
        assert statistics.median(health_ms) < 200, health_ms
        assert statistics.median(grid_ms) < 200, grid_ms
        statuses = []
        for sock in stalled:
            # A response starts once its export is spooled (it is sent with a Content-Length);
            # on a loaded machine spooling 100,000 rows can outlast the sleep above.
            sock.settimeout(60)
            statuses.append(sock.recv(64).split(b" ")[1].decode())
        # Two exports (the per-user cap) were sent; the rest refused at once.
        assert sorted(statuses) == ["200"] * 2 + ["429"] * 14, statuses
        # Both are spooled and sending into windows nobody reads: no transaction waits on them.
        assert idle_in_transaction(pg_url) == []
    finally:
        for sock in stalled:
            sock.close()
    # Closing the stalled clients frees the slots again.
    deadline = time.monotonic() + 30
    while True:
        response = session.get(
            f"{web.url}/export/orders.csv", headers=VIEWER, params={"columns": "id"}, timeout=30
        )
        if response.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert response.status_code == 200


@pytest.mark.postgres
def test_data_view_transactions_end_when_left_idle(pg_settings_factory: SettingsFactory) -> None:
    import sqlalchemy as sa

    from dashapp.dataview.session import read_connection

    settings = pg_settings_factory()
    app = create_app(settings)
    with app.app_context():
        # A summary reads in one transaction: a stalled reader's session is ended by the server.
        shown: list[str] = []
        with pytest.raises(sa.exc.OperationalError):
            with read_connection(db.engine, 5000, idle_ms=1500, snapshot=True) as conn:
                shown.append(
                    conn.execute(sa.text("SHOW idle_in_transaction_session_timeout")).scalar()
                )
                time.sleep(2.5)  # a stalled reader: the server ends the session
                conn.execute(sa.text("SELECT 1")).scalar()
        assert shown == ["1500ms"]
        # Grid blocks and counts end their transaction with each statement: a reader stalled
        # between two statements holds none (no snapshot, no lock) for the server to end.
        with read_connection(db.engine, 5000, idle_ms=1500) as conn:
            shown.append(conn.execute(sa.text("SHOW idle_in_transaction_session_timeout")).scalar())
            time.sleep(0.5)
            assert idle_in_transaction(settings.database_url) == []
            time.sleep(2.0)  # past the idle timeout: the session is still usable
            assert conn.execute(sa.text("SELECT 1")).scalar() == 1
        assert shown == ["1500ms", "1500ms"]
        db.engine.dispose()
