"""Faults: PostgreSQL and Redis restart under running web processes and workers.

These stop the machine's real servers for a few seconds, and always start them again.
"""

from __future__ import annotations

import time

import pytest
import requests
from flask import Flask

from tests.integration.production.conftest import VIEWER, Cluster
from tests.support.dash_requests import DISPATCH, callbacks_of
from tests.support.outages import postgres_stopped, redis_stopped

pytestmark = pytest.mark.disruptive


def dashboard_page(web_url: str, app: Flask) -> requests.Response:
    """What the browser asks for to render the Dashboard page (its layout queries the DB).

    `app` is an app of the web's code: its callback map builds the pages router's request.
    """
    body = callbacks_of(app).body(
        "_pages_content.children",
        inputs={"_pages_location.pathname": "/", "_pages_location.search": ""},
        changed=["_pages_location.pathname"],
    )
    return requests.post(f"{web_url}{DISPATCH}", json=body, headers=VIEWER, timeout=30)


def test_postgres_restart_fails_cleanly_then_recovers_without_restarting_web(
    cluster: Cluster, app: Flask
) -> None:
    web = cluster.webs[0]
    assert dashboard_page(web.url, app).status_code == 200
    with postgres_stopped():
        started = time.monotonic()
        during = dashboard_page(web.url, app)
        assert time.monotonic() - started < 15  # fails fast, does not hang
        assert during.status_code == 503
        assert "database is unavailable" in during.json()["error"]
        ready = requests.get(f"{web.url}/readyz", timeout=15)
        assert ready.status_code == 503 and ready.json()["checks"]["database"] != "ok"
    # Right after the restart: pre-ping replaces the dead pooled connections.
    for other in cluster.webs:
        assert dashboard_page(other.url, app).status_code == 200
        assert requests.get(f"{other.url}/readyz", timeout=15).status_code == 200


def test_redis_restart_keeps_the_dashboard_working(cluster: Cluster, app: Flask) -> None:
    web = cluster.webs[1]
    with redis_stopped():
        assert dashboard_page(web.url, app).status_code == 200
        ready = requests.get(f"{web.url}/readyz", timeout=15)
        assert ready.status_code == 503 and ready.json()["checks"]["redis"] != "ok"
    deadline = time.monotonic() + 20
    while requests.get(f"{web.url}/readyz", timeout=15).status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.5)
