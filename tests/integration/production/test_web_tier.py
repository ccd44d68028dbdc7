"""The web tier behind a load balancer: stateless, identity from the proxy, survives a kill."""

from __future__ import annotations

import threading

import requests

from tests.integration.production.conftest import TRAINER, VIEWER, Cluster


def test_either_web_process_serves_the_same_user(cluster: Cluster) -> None:
    for web in cluster.webs:
        layout = requests.get(f"{web.url}/_dash-layout", headers=TRAINER, timeout=10)
        assert layout.status_code == 200
        assert "tina" in layout.text and "trainer" in layout.text
        assert requests.get(f"{web.url}/readyz", timeout=10).json()["status"] == "ok"


def test_production_refuses_requests_without_identity(cluster: Cluster) -> None:
    for web in cluster.webs:
        assert requests.get(f"{web.url}/", timeout=10).status_code == 401
        assert requests.get(f"{web.url}/", headers=VIEWER, timeout=10).status_code == 200


def test_a_killed_web_process_leaves_the_other_serving(cluster: Cluster) -> None:
    victim, survivor = cluster.webs
    errors: list[str] = []

    def hammer() -> None:
        for _ in range(40):
            response = requests.get(f"{survivor.url}/_dash-layout", headers=VIEWER, timeout=10)
            if response.status_code != 200:
                errors.append(str(response.status_code))

    thread = threading.Thread(target=hammer)
    thread.start()
    victim.kill()
    thread.join()
    assert errors == []
    assert victim.process.poll() is not None
