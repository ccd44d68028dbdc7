"""Training across two web processes and two workers with no shared disk and no sticky sessions."""

from __future__ import annotations

import time
from typing import Any

import requests
from flask import Flask

from dashapp.pages.training import ids
from tests.integration.production.conftest import TRAINER, Cluster
from tests.integration.training.support import (
    launch,
    launched_run_id,
    poll_job,
    start_job,
    wait_for,
)
from tests.support.dash_requests import DISPATCH, callbacks_of

TINY = {
    "dataset": "digits",
    "epochs": 1,
    "batch_size": 32,
    "lr": 0.001,
    "optimizer": "adam",
    "seed": 0,
    "device": "auto",
    "max_samples": 300,
}
SLOW = {
    **TINY,
    "dataset": "synthetic",
    "epochs": 40,
    "samples": 2048,
    "image_size": 32,
    "batch_size": 16,
    "max_samples": 0,
}


class HttpClient:
    """The few FlaskClient methods the training test helpers use, over real HTTP."""

    def __init__(self, base_url: str, headers: dict[str, str], application: Flask) -> None:
        self.base_url, self.session = base_url, requests.Session()
        self.session.headers.update(headers)
        # An app of the same code: the request helpers read its callback map, as the web's.
        self.application = application

    def post(self, path: str, json: Any, query_string: Any = None) -> HttpResponse:
        return HttpResponse(
            self.session.post(self.base_url + path, json=json, params=query_string, timeout=30)
        )


class HttpResponse:
    """FlaskClient-style access to a requests response."""

    def __init__(self, response: requests.Response) -> None:
        self.response, self.status_code = response, response.status_code

    def get_json(self) -> Any:
        return self.response.json() if self.response.content else None

    def get_data(self, as_text: bool = False) -> str:
        return self.response.text


def cancel(client: HttpClient, run_id: int) -> HttpResponse:
    """POST the Cancel button's callback for `run_id`."""
    callbacks = callbacks_of(client.application)
    body = callbacks.body(
        f"{ids.ACTION_MSG}.children",
        inputs={f"{ids.CANCEL}.n_clicks": 1},
        state={f"{ids.CURRENT}.data": run_id},
    )
    return client.post(DISPATCH, json=body)


def test_run_started_on_one_web_process_is_watched_and_served_by_the_other(
    cluster: Cluster, pg_app: Flask
) -> None:
    first, second = (HttpClient(web.url, TRAINER, pg_app) for web in cluster.webs)
    run_id = launched_run_id(launch(first, TINY))
    handles = start_job(first, run_id)
    # Dash's background-callback polls alternate between the two web processes.
    deadline = time.monotonic() + 120
    polls = 0
    while time.monotonic() < deadline:
        response = poll_job((first, second)[polls % 2], handles)
        polls += 1
        assert response.status_code in (200, 204), response.get_data()
        body = response.get_json() or {}
        if "response" in body:
            break
        time.sleep(0.3)
    else:
        raise AssertionError("the job never finished")
    run = wait_for(pg_app, run_id, {"succeeded"}, timeout=60)
    assert polls >= 2 and run.worker_host
    assert run.artifacts, "the worker stored no artifacts"
    for artifact in run.artifacts:
        fetched = requests.get(
            f"{cluster.webs[1].url}/artifacts/runs/{run_id}/{artifact.name}",
            headers=TRAINER,
            timeout=30,
        )
        assert fetched.status_code == 200
        assert len(fetched.content) == artifact.size


def test_two_runs_train_at_once_on_two_workers_and_cancel_crosses_web_processes(
    cluster: Cluster, pg_app: Flask
) -> None:
    first, second = (HttpClient(web.url, TRAINER, pg_app) for web in cluster.webs)
    run_ids = [launched_run_id(launch(client, SLOW)) for client in (first, second)]
    for client, run_id in zip((first, second), run_ids, strict=True):
        start_job(client, run_id)
    running = [wait_for(pg_app, run_id, {"running"}, timeout=90) for run_id in run_ids]
    assert {run.status for run in running} == {"running"}
    hosts = {wait_for(pg_app, r, {"running"}).worker_host for r in run_ids}
    assert len(hosts) == 2, hosts  # one run on each worker, at the same time
    # Cancel each run through the web process that did NOT start it.
    for client, run_id in zip((second, first), run_ids, strict=True):
        assert cancel(client, run_id).status_code == 200
    for run_id in run_ids:
        assert wait_for(pg_app, run_id, {"cancelled"}, timeout=60).status == "cancelled"
