"""No secrets leave the web tier: a real run puts no cookie, token or identity in Redis."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import redis
from flask import Flask

from dashapp import create_app
from dashapp.extensions import db
from tests.conftest import SettingsFactory
from tests.integration.training.support import launch, launched_run_id, start_job, wait_for
from tests.support.worker import WorkerProcess

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.celery]

PROXY = {"REMOTE_ADDR": "127.0.0.1"}
SECRETS = {
    "Authorization": "Bearer AUTH-MARKER-0b9e",
    "X-Forwarded-Access-Token": "TOKEN-MARKER-5d2a",
    "X-Auth-Request-Access-Token": "TOKEN2-MARKER-19ce",
    "X-Forwarded-Email": "EMAIL-MARKER-3c@corp.example",
    "X-Dashapp-Proxy-Secret": "PROXYSECRET-MARKER-8e",
}
HEADERS = {
    **SECRETS,
    "X-Forwarded-User": "USER-MARKER-a1",
    "X-Forwarded-Groups": "ml",
    # Allowed through on purpose: proves the scan really read the queued job's context.
    "User-Agent": "UA-MARKER-c0ffee",
}
MARKERS = ["COOKIE-MARKER", "SESSION-MARKER", "AUTH-MARKER", "TOKEN-MARKER", "TOKEN2-MARKER"]
MARKERS += ["EMAIL-MARKER", "PROXYSECRET-MARKER", "USER-MARKER"]
RUN = {"dataset": "digits", "epochs": 3, "max_samples": 600, "batch_size": 32, "device": "cpu"}


def dump_database(client: redis.Redis) -> bytes:
    """Every key and value in the broker's database, whatever the type."""
    parts: list[bytes] = []
    for key in client.scan_iter(count=500):
        parts.append(key)
        kind = client.type(key)
        if kind == b"string":
            parts.append(client.get(key) or b"")
        elif kind == b"list":
            parts.extend(client.lrange(key, 0, -1))
        elif kind == b"hash":
            for field, value in client.hgetall(key).items():
                parts += [field, value]
        elif kind == b"set":
            parts.extend(client.smembers(key))
        elif kind == b"zset":
            parts.extend(member for member, _ in client.zrange(key, 0, -1, withscores=True))
    return b"\n".join(parts)


@pytest.fixture
def prod_celery_app(
    pg_settings_factory: SettingsFactory, redis_url: str, celery_worker: WorkerProcess
) -> Iterator[Flask]:
    server = create_app(
        pg_settings_factory(
            env="production",
            redis_url=redis_url,
            trainer_groups=["ml"],
            proxy_secret="PROXYSECRET-MARKER-8e",
        )
    )
    yield server
    with server.app_context():
        db.session.remove()


def test_broker_never_holds_cookies_tokens_or_identity(
    prod_celery_app: Flask, redis_url: str
) -> None:
    client = prod_celery_app.test_client()
    # The test client sends its cookie jar (a Cookie header passed by hand would be replaced).
    client.set_cookie("_oauth2_proxy", "COOKIE-MARKER-4f1c")
    client.set_cookie("session", "SESSION-MARKER-77aa")
    scans: list[bytes] = []
    stop = threading.Event()
    broker = redis.Redis.from_url(redis_url)

    def scan_forever() -> None:
        while not stop.is_set():
            scans.append(dump_database(broker))
            time.sleep(0.01)

    scanner = threading.Thread(target=scan_forever, daemon=True)
    scanner.start()
    try:
        run_id = launched_run_id(launch(client, RUN, headers=HEADERS, environ_base=PROXY))
        start_job(client, run_id, headers=HEADERS, environ_base=PROXY)
        wait_for(prod_celery_app, run_id, {"succeeded"}, timeout=120)
    finally:
        stop.set()
        scanner.join(timeout=10)
        broker.close()
    seen = b"\n".join(scans)
    assert b"UA-MARKER-c0ffee" in seen, "the scan never saw the queued job"
    leaked = [marker for marker in MARKERS if marker.encode() in seen]
    assert leaked == [], f"found in Redis during the run: {leaked}"
