"""Slow clients cost a connection, never a worker thread, and one user's many queries wait for
that user's own slots (issue 21, points 1 and 5).

Real gunicorn with the shipped config (its worker reads each request in the event loop before a
thread serves it), in production mode on PostgreSQL and Redis.
"""

from __future__ import annotations

import re
import shutil
import socket
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from flask import Flask

from dashapp import create_app
from dashapp.extensions import db
from dashapp.pages.dataview import ids
from dashapp.seeding.seed import seed
from dashapp.seeding.seed_data import SeedPlan
from dashapp.settings import PROJECT_ROOT, load_settings
from tests.integration.production.conftest import production_env
from tests.support.browser import free_port
from tests.support.dash_requests import callbacks_of
from tests.support.gunicorn import WebProcess, start_web
from tests.support.services import service_missing
from tests.support.waiting import wait_while_progressing

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

VIEWER = {"X-Forwarded-User": "victor", "X-Forwarded-Groups": "staff"}
MALLORY = "X-Forwarded-User: mallory\r\nX-Forwarded-Groups: staff\r\n"
HEADER_TIMEOUT_S = 8
BODY_TIMEOUT_S = 10


@pytest.fixture(scope="module")
def seeded_app(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The web's code on the same database; its callback map builds the grid requests."""
    settings = load_settings(
        instance_path=tmp_path_factory.mktemp("seed-instance"),
        database_url=pg_url,
        redis_url=None,
        log_json=False,
        training_sweep_every_s=0,
    )
    app = create_app(settings)
    with app.app_context():
        seed(db.engine, SeedPlan.for_orders(200_000))  # a search that finds nothing scans them
        db.session.remove()
        db.engine.dispose()
    yield app


@pytest.fixture(scope="module")
def web(
    seeded_app: Flask, pg_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WebProcess]:
    base: Path = tmp_path_factory.mktemp("slow-clients")
    env = production_env(pg_url, redis_url, base / "instance")
    env.update(
        DASHAPP_REQUEST_HEADER_TIMEOUT_S=str(HEADER_TIMEOUT_S),
        DASHAPP_REQUEST_BODY_TIMEOUT_S=str(BODY_TIMEOUT_S),
        DASHAPP_MAX_REQUEST_MB="2",
    )
    process = start_web(env, base / "web", workers=2, threads=4)
    yield process
    process.stop()


def grid_body(app: Flask) -> dict[str, object]:
    request = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}
    return callbacks_of(app).body(
        f"{ids.ROWS}.data",
        inputs={f"{ids.GRID}.getRowsRequest": request},
        state={f"{ids.TABLE}.data": "orders", f"{ids.FACET_COLUMNS}.data": []},
    )


def slow_head(port: int) -> socket.socket:
    """A client that sends its request line and then a header byte now and then."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    return sock


def slow_body(port: int) -> socket.socket:
    """A signed-in client that sends a callback's head and then its body a byte at a time."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(
        b"POST /_dash-update-component HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + MALLORY.encode()
        + b"Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n{"
    )
    return sock


def still_open(sock: socket.socket) -> bool:
    """True while the server has neither answered nor closed the connection."""
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) == b"x"  # never: any byte means an answer
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.setblocking(True)


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).ok
    except requests.RequestException:
        return False


def answer_of(sock: socket.socket, wait_s: float) -> bytes:
    sock.settimeout(wait_s)
    try:
        return sock.recv(64)
    except (TimeoutError, OSError):
        return b""


def test_200_slow_clients_leave_health_and_another_users_grid_fast(
    web: WebProcess, seeded_app: Flask
) -> None:
    session = requests.Session()
    grid = grid_body(seeded_app)

    def timed(method: str, path: str, **kwargs: object) -> float:
        started = time.perf_counter()
        response = session.request(method, f"{web.url}{path}", timeout=10, **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 200, response.text[:300]
        return (time.perf_counter() - started) * 1000

    for _ in range(4):  # warm both workers: Dash's first request, pooled connections
        (
            timed("GET", "/healthz"),
            timed("POST", "/_dash-update-component", json=grid, headers=VIEWER),
        )
    opened = time.monotonic()
    slow = [slow_head(web.port) for _ in range(100)] + [slow_body(web.port) for _ in range(100)]
    try:
        health_ms: list[float] = []
        grid_ms: list[float] = []
        for _ in range(10):
            for sock in slow:  # each slow client trickles one more byte
                sock.send(b"x")
            health_ms.append(timed("GET", "/healthz"))
            grid_ms.append(timed("POST", "/_dash-update-component", json=grid, headers=VIEWER))
            time.sleep(0.3)
        measured_s = time.monotonic() - opened
        open_during = sum(still_open(sock) for sock in slow)
        print(
            f"\n200 slow clients ({measured_s:.1f} s): /healthz median "
            f"{statistics.median(health_ms):.1f} ms max {max(health_ms):.1f} ms; another "
            f"user's grid block median {statistics.median(grid_ms):.1f} ms "
            f"max {max(grid_ms):.1f} ms; {open_during} still open after"
        )
        assert open_during == 200  # measured while every slow client was connected
        assert max(health_ms) < 200, health_ms
        assert max(grid_ms) < 200, grid_ms
        # Each slow client is answered 408 once its time is up, and its connection closed.
        answers = [answer_of(sock, HEADER_TIMEOUT_S + BODY_TIMEOUT_S) for sock in slow]
        assert all(answer.startswith(b"HTTP/1.1 408") for answer in answers), set(answers)
        assert time.monotonic() - opened < BODY_TIMEOUT_S + 5
    finally:
        for sock in slow:
            sock.close()


def test_requests_that_arrive_in_pieces_are_served_whole(web: WebProcess) -> None:
    # Pipelined: two requests in one send are answered in order on the same connection.
    with socket.create_connection(("127.0.0.1", web.port)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n" * 2)
        received = b""
        sock.settimeout(10)
        while received.count(b"HTTP/1.1 200") < 2:
            chunk = sock.recv(4096)
            assert chunk, received
            received += chunk
    # A chunked body (no Content-Length) is framed and reaches the app.
    response = requests.post(
        f"{web.url}/_dash-update-component",
        data=iter([b'{"output":', b' "nothing.here"}']),
        headers={**VIEWER, "Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 403, response.text[:200]  # the app's answer: no such callback


def test_expect_100_continue_gets_the_go_ahead_and_then_the_answer(web: WebProcess) -> None:
    body = b'{"output": "nothing.here"}'
    with socket.create_connection(("127.0.0.1", web.port)) as sock:
        sock.settimeout(10)
        sock.sendall(
            b"POST /_dash-update-component HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
            + b"".join(f"{k}: {v}\r\n".encode() for k, v in VIEWER.items())
            + f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        )
        assert sock.recv(64).startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(body)
        received = b""
        while b"HTTP/1.1 403" not in received:
            chunk = sock.recv(4096)
            assert chunk, received
            received += chunk


def test_a_declared_oversize_body_is_refused_before_it_is_sent(web: WebProcess) -> None:
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", web.port)) as sock:
        sock.settimeout(10)
        sock.sendall(
            b"POST /_dash-update-component HTTP/1.1\r\nHost: a\r\n"
            b"Content-Length: 3000000\r\n\r\n"  # over DASHAPP_MAX_REQUEST_MB=2
        )
        assert sock.recv(64).startswith(b"HTTP/1.1 413")
    assert time.perf_counter() - started < 2


# --- the shipped edge: deploy/nginx.conf in front of the same gunicorn ----------------------


@pytest.fixture(scope="module")
def edge(web: WebProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """nginx with the compose stack's own config, its upstream pointed at the test's gunicorn
    (the sign-on proxy it normally passes to is not part of this test)."""
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        service_missing("nginx is not installed (Debian: apt-get install nginx-light)")
    base = tmp_path_factory.mktemp("edge")
    port = free_port()
    shipped = (PROJECT_ROOT / "deploy" / "nginx.conf").read_text()
    assert shipped.count("listen 8080;") == 1 and shipped.count("http://proxy:4180") == 1
    # The identity the sign-on proxy would add after nginx comes from the test's own headers.
    shipped = re.sub(r'proxy_set_header X-Forwarded-(User|Email|Groups)[^;]*"";', "", shipped)
    config = (
        shipped.replace("listen 8080;", f"listen 127.0.0.1:{port};")
        .replace("http://proxy:4180", web.url)
        .replace("/tmp/nginx", str(base / "nginx"))
    )
    (base / "nginx.conf").write_text(config)
    process = subprocess.Popen(
        [nginx, "-c", str(base / "nginx.conf"), "-e", str(base / "error.log"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_while_progressing(
            lambda: answers(f"{url}/healthz"),
            lambda: process.poll(),
            what="nginx starting",
            stall_s=20,
        )
        yield url
    finally:
        process.terminate()
        process.wait(10)


def test_behind_the_shipped_nginx_slow_clients_never_reach_gunicorn(
    edge: str, seeded_app: Flask
) -> None:
    port = int(edge.rsplit(":", 1)[1])
    session = requests.Session()
    grid = grid_body(seeded_app)
    for _ in range(4):
        session.post(f"{edge}/_dash-update-component", json=grid, headers=VIEWER, timeout=10)
    slow = [slow_head(port) for _ in range(100)] + [slow_body(port) for _ in range(100)]
    try:
        health_ms: list[float] = []
        grid_ms: list[float] = []
        for _ in range(10):
            for sock in slow:
                sock.send(b"x")
            started = time.perf_counter()
            assert session.get(f"{edge}/healthz", timeout=10).status_code == 200
            health_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            response = session.post(
                f"{edge}/_dash-update-component", json=grid, headers=VIEWER, timeout=10
            )
            assert response.status_code == 200, response.text[:300]
            grid_ms.append((time.perf_counter() - started) * 1000)
            time.sleep(0.3)
        print(
            f"\nthrough nginx, 200 slow clients: /healthz max {max(health_ms):.1f} ms; grid "
            f"block max {max(grid_ms):.1f} ms"
        )
        assert sum(still_open(sock) for sock in slow) == 200
        assert max(health_ms) < 200, health_ms
        assert max(grid_ms) < 200, grid_ms
    finally:
        for sock in slow:
            sock.close()


# --- fair sharing: one user's many queries wait for that user's slots -----------------------


def test_32_concurrent_searches_by_one_user_leave_another_users_grid_fast(
    web: WebProcess, seeded_app: Flask, redis_url: str
) -> None:
    import redis as redis_client

    from dashapp.settings import Settings

    cap = Settings().dataview_queries_per_user
    session = requests.Session()
    grid = grid_body(seeded_app)

    def victor_ms() -> float:
        started = time.perf_counter()
        response = session.post(
            f"{web.url}/_dash-update-component", json=grid, headers=VIEWER, timeout=30
        )
        assert response.status_code == 200, response.text[:300]
        return (time.perf_counter() - started) * 1000

    def search(term: str) -> requests.Response:
        body = grid_body(seeded_app)
        body["state"] = [
            {**item, "value": term} if item["id"] == ids.QUICK else item for item in body["state"]
        ]
        headers = {"X-Forwarded-User": "mallory", "X-Forwarded-Groups": "staff"}
        return requests.post(
            f"{web.url}/_dash-update-component", json=body, headers=headers, timeout=60
        )

    quiet = [victor_ms() for _ in range(10)]
    slots = redis_client.Redis.from_url(redis_url)
    busiest = 0
    storm_over = threading.Event()

    def watch_slots() -> None:  # mallory's leases, as the web processes count them
        nonlocal busiest
        while not storm_over.is_set():
            busiest = max(busiest, slots.zcard("dashapp:query-slots:mallory"))
            time.sleep(0.005)

    watcher = threading.Thread(target=watch_slots)
    watcher.start()
    with ThreadPoolExecutor(max_workers=32) as pool:
        storm = [pool.submit(search, f"zz{index}") for index in range(32)]
        time.sleep(0.05)
        loaded = [victor_ms() for _ in range(10)]
        answers = [future.result() for future in storm]
    storm_over.set()
    watcher.join()
    statuses = [answer.status_code for answer in answers]
    print(
        f"\n32 concurrent searches by one user (cap {cap}): {statuses.count(200)} answered, "
        f"{statuses.count(429)} told to retry; at most {busiest} running at once. Another "
        f"user's grid block: median {statistics.median(quiet):.1f} ms quiet, "
        f"{statistics.median(loaded):.1f} ms during (max {max(loaded):.1f})"
    )
    assert set(statuses) <= {200, 429} and statuses.count(429) > 0, statuses
    refusal = next(answer for answer in answers if answer.status_code == 429)
    assert refusal.headers["Retry-After"] == "1"
    assert "data queries running" in refusal.json()["error"]
    assert 1 <= busiest <= cap
    assert statistics.median(loaded) < 200, loaded


def test_a_body_and_the_next_request_in_one_send_are_both_answered(web: WebProcess) -> None:
    body = b'{"output": "nothing.here"}'
    identity = b"".join(f"{k}: {v}\r\n".encode() for k, v in VIEWER.items())
    post = (
        b"POST /_dash-update-component HTTP/1.1\r\nHost: a\r\n" + identity
        + f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    )  # fmt: skip
    with socket.create_connection(("127.0.0.1", web.port)) as sock:
        sock.settimeout(10)
        sock.sendall(post)  # the head first: the body then arrives with the next request
        time.sleep(0.2)
        sock.sendall(body + b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
        received = b""
        while b"HTTP/1.1 200" not in received:
            chunk = sock.recv(4096)
            assert chunk, received
            received += chunk
    assert received.index(b"HTTP/1.1 403") < received.index(b"HTTP/1.1 200")
