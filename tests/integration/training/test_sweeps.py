"""Launching sweeps: all or nothing, one launch against the rate limit, runs queued on Redis.

No worker serves the queue here: each test gets a queue of its own and reads what reached it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from dashapp import create_app
from dashapp.extensions import db
from dashapp.models.sweeps import Sweep
from dashapp.models.training import TrainingRun
from dashapp.pages.training import form as page_form
from dashapp.pages.training import ids, sweep_form, sweep_view
from dashapp.pages.training import sweep_ids as sids
from dashapp.recipes import load_recipes
from dashapp.training import runs, sweeps
from dashapp.training.sweep_spec import Axis, SweepSpec, SweepSpecError
from dashapp.web.identity import Role, User
from tests.conftest import SettingsFactory
from tests.integration.training.support import queued_jobs
from tests.support.dash_requests import callbacks_of

pytestmark = [pytest.mark.redis]

ALICE = User("alice", Role.TRAINER)
SMALL = {"epochs": "1", "max_samples": "100"}


@pytest.fixture
def queued(
    settings_factory: SettingsFactory, redis_url: str
) -> Iterator[tuple[Flask, redis.Redis, str]]:
    """An app in Celery mode on a queue nobody serves, and a client to look into the queue."""
    queue = f"gpu-sweep-{uuid.uuid4().hex[:8]}"
    server = create_app(
        settings_factory(redis_url=redis_url, training_queue=queue, training_launches_per_minute=2)
    )
    client = redis.Redis.from_url(redis_url)
    yield server, client, queue
    client.delete(queue)
    client.close()
    with server.app_context():
        db.session.remove()
        db.engine.dispose()


def _grid(**fixed: str) -> SweepSpec:
    axes = (Axis("lr", values=("0.01", "0.1")), Axis("batch_size", values=("32", "64")))
    return SweepSpec(recipe="digits", axes=axes, fixed={**SMALL, **fixed}, metric="val_accuracy")


def test_sweep_inserts_its_runs_and_queues_each_on_the_training_queue(
    queued: tuple[Flask, redis.Redis, str],
) -> None:
    server, client, queue = queued
    with server.test_request_context():
        sweep = sweeps.launch(ALICE, _grid())
        members = sweeps.sweep_runs(sweep.id)
        assert [(r.config["lr"], r.config["batch_size"]) for r in members] == [
            (0.01, 32),
            (0.01, 64),
            (0.1, 32),
            (0.1, 64),
        ]
        assert {r.status for r in members} == {"queued"}
        assert all(r.owner == "alice" and r.config["epochs"] == 1 for r in members)
        assert sweep.spec["axes"][0] == {"name": "lr", "values": ["0.01", "0.1"]}
        # One message per run on the training queue, each behind the owner's earlier ones.
        assert queued_jobs(client, queue) == [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
        listed = sweeps.list_sweeps(ALICE)
        row = sweeps.summary_row(listed[0], sweeps.runs_by_sweep([sweep.id])[sweep.id])
        assert (row["id"], row["runs"], row["progress"], row["swept"]) == (
            sweep.id,
            4,
            "0/4",
            "lr, batch_size",
        )
        assert sweeps.list_sweeps(User("bob", Role.TRAINER)) == []
        assert len(sweeps.list_sweeps(User("bob", Role.TRAINER), scope="all")) == 1


def test_a_refused_run_refuses_the_whole_sweep(
    queued: tuple[Flask, redis.Redis, str],
) -> None:
    server, client, queue = queued
    spec = SweepSpec(
        recipe="synthetic",
        axes=(Axis("samples", values=("1000", "2000000")), Axis("image_size", values=("128",))),
        fixed={"epochs": "1"},
    )
    with server.test_request_context():
        with pytest.raises(runs.OverMemoryBudget, match="Run 2 of the sweep: .* over the budget"):
            sweeps.launch(ALICE, spec)
        # Inside the memory budget; 200,000 steps an epoch: run 2 takes 200 epochs.
        steps = SweepSpec(
            recipe="synthetic",
            axes=(Axis("epochs", values=("1", "200")),),
            fixed={"samples": "2000000", "image_size": "8", "batch_size": "8"},
        )
        with pytest.raises(runs.OverStepBudget, match="Run 2 of the sweep: .*40,000,000 optimizer"):
            sweeps.launch(ALICE, steps)
        with pytest.raises(SweepSpecError) as bad:
            sweeps.launch(ALICE, _grid(epochs="abc"))
        assert "whole number" in bad.value.errors["epochs"]
        assert db.session.query(TrainingRun).count() == 0
        assert db.session.query(Sweep).count() == 0
    assert sum(queued_jobs(client, queue)) == 0


def test_a_sweep_counts_once_against_the_launch_rate(
    queued: tuple[Flask, redis.Redis, str],
) -> None:
    server, _client, _queue = queued
    with server.test_request_context():
        sweeps.launch(ALICE, _grid())  # 4 runs, one launch
        runs.create_run(ALICE, "digits", SMALL)  # the second launch of the minute
        with pytest.raises(runs.RunRateLimited):
            runs.create_run(ALICE, "digits", SMALL)
        with pytest.raises(runs.RunRateLimited):
            sweeps.launch(ALICE, _grid())
        assert db.session.query(TrainingRun).count() == 5


def test_viewers_cannot_launch_or_cancel_and_owners_cancel_every_run(
    queued: tuple[Flask, redis.Redis, str],
) -> None:
    server, _client, _queue = queued
    with server.test_request_context():
        with pytest.raises(runs.RunForbidden):
            sweeps.launch(User("vera", Role.VIEWER), _grid())
        sweep = sweeps.launch(ALICE, _grid())
        with pytest.raises(runs.RunForbidden):
            sweeps.cancel(User("bob", Role.TRAINER), sweep.id)
        assert sweeps.cancel(ALICE, sweep.id) == 4
        db.session.expire_all()
        assert {r.status for r in sweeps.sweep_runs(sweep.id)} == {"cancelled"}
        with pytest.raises(sweeps.SweepNotFound):
            sweeps.get_sweep(sweep.id + 1000)


def _launch_request(
    client: FlaskClient, fixed: dict[str, str], axes: dict[str, str], **sweep: str
) -> Any:
    """POST the Launch sweep button's callback as the page sends it (digits' form)."""
    recipe = load_recipes("").get("digits")
    assert recipe is not None
    values, checks = [], []
    for name, info in recipe.params.model_fields.items():
        kind = page_form.field_kind(info)
        value = fixed.get(name, page_form._default(info))
        component = ids.check_id(name) if kind == "check" else ids.param_id(name)
        entry = {"id": component, "property": "value", "value": value}
        (checks if kind == "check" else values).append(entry)
    boxes = [
        {"id": sids.axis_id(name), "property": "value", "value": axes.get(name)}
        for name, _info in sweep_form.sweepable(recipe)
    ]

    def id_entries(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"id": e["id"], "property": "id", "value": e["id"]} for e in entries]

    state = {
        f"{ids.RECIPE}.value": "digits",
        f"{ids.PARAM}.value": values,
        f"{ids.PARAM}.id": id_entries(values),
        f"{ids.PARAM_CHECK}.value": checks,
        f"{ids.PARAM_CHECK}.id": id_entries(checks),
        f"{sids.AXIS}.value": boxes,
        f"{sids.AXIS}.id": id_entries(boxes),
        f"{sids.STRATEGY}.value": sweep.get("strategy", "grid"),
        f"{sids.COUNT}.value": sweep.get("count", "8"),
        f"{sids.SEED}.value": sweep.get("seed", "0"),
        f"{sids.METRIC}.value": sweep.get("metric", "val_accuracy"),
        f"{sids.GOAL}.value": sweep.get("goal", "max"),
    }
    return callbacks_of(client.application).post(
        client, f"{sids.URL}.href", {f"{sids.START}.n_clicks": 1}, state
    )


@pytest.mark.parametrize("role", ["viewer", "trainer"])
def test_launch_button_checks_the_role_and_shows_errors_where_the_user_typed(
    settings_factory: SettingsFactory, redis_url: str, role: str
) -> None:
    queue = f"gpu-sweep-{uuid.uuid4().hex[:8]}"
    server = create_app(settings_factory(redis_url=redis_url, training_queue=queue, dev_role=role))
    client = server.test_client()
    client.get("/training")
    bad = _launch_request(client, {"epochs": "1"}, {"lr": "0.01, abc"})
    if role == "viewer":
        assert bad.status_code == 403  # refused by the server, whatever the page shows
    else:
        assert bad.status_code == 200
        answer = bad.get_json()["response"]
        assert sids.URL not in answer  # no navigation: nothing was launched
        assert answer[ids.FIELD_ERRORS]["data"] == {}  # the error is on the sweep box itself
        assert "Fix the marked boxes" in str(answer[sids.ERROR]["children"])
        # A wrong fixed field is marked on that field, as for single runs.
        fixed = _launch_request(client, {"epochs": "many"}, {"lr": "0.01, 0.1"})
        assert fixed.get_json()["response"][ids.FIELD_ERRORS]["data"] == {
            "epochs": "Enter a whole number (got 'many')"
        }
        good = _launch_request(
            client, {"epochs": "1", "max_samples": "100"}, {"lr": "0.01, 0.1"}
        ).get_json()["response"]
        assert good[sids.URL]["href"].startswith("/training?sweep=")
    with server.app_context():
        expected = 0 if role == "viewer" else 2
        assert db.session.query(TrainingRun).count() == expected
        db.session.remove()
        db.engine.dispose()
    client_redis = redis.Redis.from_url(redis_url)
    assert sum(queued_jobs(client_redis, queue)) == (0 if role == "viewer" else 2)
    client_redis.delete(queue)
    client_redis.close()


def test_sweep_address_that_names_no_sweep_says_so(app: Flask) -> None:
    with app.test_request_context("/training?sweep=abc"):
        assert sweep_view.section(None) is None
        assert "“abc” is not a sweep number." in str(sweep_view.section("abc").children)
        assert "Sweep 999 does not exist." in str(sweep_view.section("999").children)


def test_the_sweep_view_refuses_forged_ids_and_offers_no_cancel_once_all_ended(
    queued: tuple[Flask, redis.Redis, str],
) -> None:
    server, _client, _queue = queued
    callbacks = callbacks_of(server)
    client = server.test_client()
    for junk in ("abc", {"id": 1}, -3, "9" * 40):
        view = callbacks.post(
            client, f"{sids.COUNTS}.children", {f"{sids.CURRENT}.data": junk}, changed=[]
        )
        cancel = callbacks.post(
            client,
            f"{sids.ACTION_MSG}.children",
            {f"{sids.CANCEL}.n_clicks": 1},
            {f"{sids.CURRENT}.data": junk},
        )
        for response in (view, cancel):
            body = response.get_data(as_text=True)
            assert response.status_code == 400, (junk, response.status_code, body[:200])
            assert "sweep id is a whole number" in body
    with server.test_request_context():
        sweep_id = sweeps.launch(ALICE, _grid()).id
        sweeps.cancel(ALICE, sweep_id)
    view = callbacks.post(
        client, f"{sids.COUNTS}.children", {f"{sids.CURRENT}.data": sweep_id}, changed=[]
    )
    assert view.status_code == 200, view.get_data(as_text=True)[:300]
    assert view.get_json()["response"][sids.CANCEL]["disabled"] is True
