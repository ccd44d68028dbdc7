"""Cancel reaches a run in every phase, on both worker pools: here while it loads its data with
one long blocking wait that never looks at `ctx.should_stop` (the `slow-load` test recipe)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from dashapp.training import runs
from dashapp.web.identity import Role, User
from tests.integration.training.conftest import PluginApp
from tests.integration.training.support import launch, launched_run_id, start_job, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.celery]


def _wait_for_file(path: Path, timeout: float, log: str | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"the recipe never started loading\n{log or ''}"
        time.sleep(0.1)


@pytest.mark.parametrize("pool", ["solo", "prefork"])
def test_cancel_while_loading_data_ends_the_run_within_seconds(
    plugin_app_with: PluginApp, tmp_path: Path, pool: str
) -> None:
    user = f"cancel-{pool}"
    with plugin_app_with(pool=pool, dev_user=user) as (app, worker):
        client: FlaskClient = app.test_client()
        marker = tmp_path / f"loading-{pool}"
        form = {"recipe": "slow-load", "load_s": 120, "marker": str(marker)}
        run_id = launched_run_id(launch(client, form))
        start_job(client, run_id)
        _wait_for_file(marker, 60, worker.log())
        time.sleep(1.5)  # well inside the load: a heartbeat or two have passed
        with app.test_request_context():
            runs.request_cancel(User(user, Role.TRAINER), run_id)
        asked = time.monotonic()
        run = wait_for(app, run_id, {"cancelled"}, timeout=30)
        took = time.monotonic() - asked
        print(f"{pool}: cancel during data loading -> cancelled in {took:.1f} s")
        # Poll 1 s + interrupt after 3 s + the job's last writes; the load had 118 s to go.
        assert took < 10, f"cancel took {took:.1f} s"
        assert run.error is None and run.finished_at is not None
        assert f"cancel requested by {user}; stopping" in run.log
        assert "interrupted" in run.log
        assert not run.points  # it never reached training
        # The worker is free again: the next run on the same worker starts and finishes.
        form = {"recipe": "slow-load", "load_s": 0, "marker": str(tmp_path / f"again-{pool}")}
        again = launched_run_id(launch(client, form))
        start_job(client, again)
        assert wait_for(app, again, {"succeeded"}, timeout=60).progress_done == 10
