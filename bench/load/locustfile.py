"""Locust users for the load test: dashboards, grid blocks, run polls and artifact fetches.

Run by bench/bench_load.py (which starts the services); by hand:
    .venv-load/bin/locust -f bench/load/locustfile.py --headless -u 50 -r 10 -t 60s \
        --host http://127.0.0.1:8050
Environment: LOAD_RUN_ID (a finished run with artifacts), LOAD_ARTIFACT (its artifact name).
"""

from __future__ import annotations

import json
import os
import random
from typing import Any

from locust import HttpUser, between, task

USERS = [("tina", "ml"), ("victor", "staff"), ("ada", "admins")]
STATUSES = ["pending", "shipped", "delivered", "returned", "cancelled"]
SORTS = [
    [],
    [{"colId": "order_date", "sort": "desc"}],
    [{"colId": "amount", "sort": "asc"}],
    [{"colId": "region", "sort": "asc"}, {"colId": "amount", "sort": "desc"}],
]
TOTAL_ROWS = int(os.environ.get("LOAD_TOTAL_ROWS", "1000000"))


def find_callback(dependencies: list[dict[str, Any]], input_id: str) -> dict[str, Any]:
    """The server callback triggered by `input_id` (first match)."""
    for spec in dependencies:
        if spec.get("clientside_function"):
            continue
        if any(dep["id"] == input_id for dep in spec["inputs"]):
            return spec
    raise LookupError(input_id)


def callback_body(spec: dict[str, Any], values: dict[str, Any], changed: str) -> dict[str, Any]:
    """A dispatch body for `spec`, taking each dependency's value from `values` (default None)."""

    def fill(deps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {
                "id": d["id"],
                "property": d["property"],
                "value": values.get(f"{d['id']}.{d['property']}"),
            }
            for d in deps
        ]

    outputs = spec["output"]
    parsed = [
        {"id": o.split(".")[0], "property": o.split(".")[1]}
        for o in outputs.strip(".").split("...")
    ]
    return {
        "output": outputs,
        "outputs": parsed if len(parsed) > 1 else parsed[0],
        "inputs": fill(spec["inputs"]),
        "state": fill(spec.get("state", [])),
        "changedPropIds": [changed],
    }


def random_filter() -> dict[str, Any]:
    """A filter model of the kinds managers use."""
    choice = random.random()
    if choice < 0.3:
        return {}
    if choice < 0.6:
        return {
            "status": {"filterType": "text", "type": "equals", "filter": random.choice(STATUSES)}
        }
    if choice < 0.8:
        return {
            "amount": {
                "filterType": "number",
                "type": "greaterThan",
                "filter": random.choice([10, 50, 200]),
            }
        }
    return {
        "order_date": {
            "filterType": "date",
            "type": "inRange",
            "dateFrom": "2025-01-01 00:00:00",
            "dateTo": "2025-06-30 00:00:00",
        }
    }


class DashboardUser(HttpUser):
    """A signed-in user (identity from the proxy headers) mixing the four request types."""

    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        name, group = random.choice(USERS)
        self.client.headers.update({"X-Forwarded-User": name, "X-Forwarded-Groups": group})
        deps = self.client.get("/_dash-dependencies", name="dash dependencies").json()
        self.grid_spec = find_callback(deps, "dash-grid")
        self.poll_spec = find_callback(deps, "train-poll")
        self.run_id = os.environ.get("LOAD_RUN_ID")
        self.artifact = os.environ.get("LOAD_ARTIFACT", "curves.png")

    @task(1)
    def dashboard_load(self) -> None:
        self.client.get("/", name="page /")
        self.client.get("/_dash-layout", name="dash layout")

    @task(6)
    def grid_block(self) -> None:
        start = random.choice([0, 100, 5000, random.randrange(0, TOTAL_ROWS // 2, 100)])
        request = {
            "startRow": start,
            "endRow": start + 100,
            "sortModel": random.choice(SORTS),
            "filterModel": random_filter(),
        }
        values = {
            "dash-grid.getRowsRequest": request,
            "dash-table.data": "orders",
            "dash-quick.value": "",
            "dash-facet-columns.data": [],
        }
        body = callback_body(self.grid_spec, values, "dash-grid.getRowsRequest")
        with self.client.post(
            "/_dash-update-component", json=body, name="grid block", catch_response=True
        ) as response:
            if response.status_code != 200 or "rowData" not in response.text:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    @task(3)
    def run_status_poll(self) -> None:
        if not self.run_id:
            return
        values = {
            "train-poll.n_intervals": random.randrange(1, 1000),
            "train-current.data": int(self.run_id),
            "theme-mode.data": "light",
        }
        body = callback_body(self.poll_spec, values, "train-poll.n_intervals")
        with self.client.post(
            "/_dash-update-component", json=body, name="run status poll", catch_response=True
        ) as response:
            # 204 = nothing changed since the last render (PreventUpdate), also a success.
            if response.status_code not in (200, 204):
                response.failure(f"{response.status_code}: {response.text[:200]}")

    @task(1)
    def artifact_fetch(self) -> None:
        if self.run_id:
            self.client.get(f"/artifacts/runs/{self.run_id}/{self.artifact}", name="artifact fetch")


if __name__ == "__main__":
    print(json.dumps({"users": USERS}))
