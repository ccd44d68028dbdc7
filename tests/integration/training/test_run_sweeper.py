"""The periodic lost-run sweep: Celery beat in production, one lock-holding thread in the
embedded mode; reads never write."""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from dashapp import create_app
from dashapp.extensions import db
from dashapp.models.training import TrainingRun, utcnow
from dashapp.pages.training import render
from dashapp.periodic import SWEEPER_KEY, EmbeddedSweeper
from dashapp.training import queue_state, run_sweeper, runs
from dashapp.web.identity import Role, User
from tests.conftest import SettingsFactory
from tests.integration.training.support import launch, launched_run_id, run_row, start_job
from tests.support.domain import list_runs
from tests.support.worker import start_beat, start_worker, worker_env

LONG = {"recipe": "synthetic", "epochs": 50, "samples": 4096, "image_size": 32, "batch_size": 32}


def _row_values(app: Flask, run_id: int) -> dict[str, object]:
    with app.app_context():
        run = db.session.get(TrainingRun, run_id)
        assert run is not None
        values = {c.name: getattr(run, c.name) for c in TrainingRun.__table__.columns}
        db.session.remove()
        return values


def _make_stale(app: Flask, run_id: int, minutes: int = 5) -> None:
    with app.app_context():
        run = db.session.get(TrainingRun, run_id)
        assert run is not None
        old = utcnow() - dt.timedelta(minutes=minutes)
        run.status, run.started_at, run.heartbeat_at, run.eta_s = "running", old, old, 42.0
        db.session.commit()
        db.session.remove()


@pytest.mark.postgres
def test_reads_do_not_write(pg_settings_factory: SettingsFactory) -> None:
    app = create_app(pg_settings_factory())
    try:
        with app.test_request_context():
            user = User("sweep-reader", Role.ADMIN)
            run_id = runs.create_run(user, "digits", {"epochs": 1}).id
        _make_stale(app, run_id)
        before = _row_values(app, run_id)
        with app.test_request_context():
            assert runs.get_run(run_id).status == "running"
            assert run_id in [r.id for r in list_runs(user, "all")]
            assert run_id in [r.id for r in list_runs(user, "mine")]
            db.session.remove()
        assert _row_values(app, run_id) == before
        with app.app_context():
            assert run_sweeper.sweep().lost >= 1
            db.session.remove()
        after = _row_values(app, run_id)
        assert after["status"] == "lost" and after["eta_s"] is None
    finally:
        with app.app_context():
            db.engine.dispose()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.celery
def test_a_queued_run_no_worker_takes_is_reported_then_marked_after_its_timeout(
    pg_settings_factory: SettingsFactory, redis_url: str
) -> None:
    queue = f"gpu-nobody-{uuid.uuid4().hex[:8]}"
    app = create_app(
        # Users of their own: launches are rate limited per user on the shared database.
        pg_settings_factory(
            redis_url=redis_url,
            training_queue=queue,
            training_queued_timeout_s=3,
            dev_user="sweep-queued",
        )
    )
    try:
        client = app.test_client()
        run_id = launched_run_id(launch(client, {"recipe": "digits", "epochs": 1}))
        start_job(client, run_id)  # the job goes to a queue nobody serves
        with app.test_request_context():
            run = runs.get_run(run_id)
            assert queue_state.workers_serving_training() == []
            assert "No training worker is serving" in str(render.eta_text(run, [], 1))
            # Before its timeout the sweep leaves it queued.
            run_sweeper.sweep()
            assert runs.get_run(run_id).status == "queued"
            db.session.remove()
        time.sleep(3.5)
        with app.app_context():
            # Runs of other tests on the shared database may be running: this sweep is the
            # one that must mark ours, so wait for no run to be running (they get swept too).
            deadline = time.monotonic() + 60
            while run_row(app, run_id).status == "queued":
                assert time.monotonic() < deadline, "the sweep never marked the queued run"
                run_sweeper.sweep()
                db.session.remove()
                time.sleep(0.5)
        run = run_row(app, run_id)
        assert run.status == "lost" and run.finished_at is not None
        assert run.error and "No worker started this run within 3 s" in run.error
    finally:
        with app.app_context():
            db.engine.dispose()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.celery
def test_sigkill_makes_the_run_lost_within_20_s_by_the_beat_sweep(
    pg_settings_factory: SettingsFactory, pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    # Queues of their own, so the session's worker neither trains this run nor sweeps.
    tag = uuid.uuid4().hex[:8]
    train_queue, ui_queue = f"gpu-kill-{tag}", f"dash-sweep-{tag}"
    app = create_app(
        pg_settings_factory(
            redis_url=redis_url,
            training_queue=train_queue,
            ui_queue=ui_queue,
            dev_user="sweep-kill",
        )
    )
    env = worker_env(pg_url, redis_url, tmp_path / "instance") | {
        "DASHAPP_TRAINING_QUEUE": train_queue,
        "DASHAPP_UI_QUEUE": ui_queue,
    }
    trainer = start_worker(
        env,
        tmp_path / "trainer",
        queues=train_queue,
        app="dashapp.worker:training_celery",
        concurrency=1,
        hostname=f"kill-{tag}@%h",
    )
    sweeper = start_worker(env, tmp_path / "ui", queues=ui_queue, concurrency=1)
    beat = start_beat(env, tmp_path / "beat")
    try:
        client = app.test_client()
        run_id = launched_run_id(launch(client, LONG))
        start_job(client, run_id)
        deadline = time.monotonic() + 60
        while run_row(app, run_id).percent <= 0:
            assert time.monotonic() < deadline, f"no progress:\n{trainer.log()}"
            time.sleep(0.2)
        assert run_row(app, run_id).eta_s is not None
        trainer.kill()
        killed = time.monotonic()
        while (run := run_row(app, run_id)).status == "running":  # a plain read: no sweeping
            assert time.monotonic() - killed < 30, f"still running\n{sweeper.log()}"
            time.sleep(0.25)
        took = time.monotonic() - killed
        print(f"SIGKILL -> {run.status} in {took:.1f} s")
        assert run.status == "lost" and took <= 20, f"{run.status} after {took:.1f} s"
        assert "heartbeat" in (run.error or "") and run.eta_s is None
        assert "dashapp.sweep_runs" in sweeper.log()  # the beat's task did it
        with app.test_request_context():
            again = runs.rerun(User("sweep-kill", Role.TRAINER), run_id)
            assert again.status == "queued" and again.rerun_of == run_id
            assert again.config == run.config
    finally:
        for process in (trainer, beat, sweeper):
            process.kill()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def two_embedded_processes(settings_factory: SettingsFactory) -> Iterator[tuple[Flask, Flask]]:
    """Two web apps on one instance folder and SQLite file, as gunicorn's workers would be."""
    settings = settings_factory(training_sweep_every_s=0.3)
    first, second = create_app(settings), create_app(settings)
    yield first, second
    for app in (first, second):
        app.extensions[SWEEPER_KEY].stop()
        with app.app_context():
            db.engine.dispose()


def test_in_the_embedded_mode_one_thread_sweeps_however_many_processes(
    two_embedded_processes: tuple[Flask, Flask],
) -> None:
    first, second = two_embedded_processes
    with first.test_request_context():
        run_id = runs.create_run(User("dev", Role.ADMIN), "digits", {"epochs": 1}).id
    _make_stale(first, run_id)
    deadline = time.monotonic() + 10
    while run_row(first, run_id).status == "running":
        assert time.monotonic() < deadline, "no embedded sweep"
        time.sleep(0.1)
    assert run_row(second, run_id).status == "lost"
    sweepers: list[EmbeddedSweeper] = [app.extensions[SWEEPER_KEY] for app in (first, second)]
    time.sleep(1.0)
    # flock is per open file: exactly one of the two holds the lock and sweeps.
    assert sorted(s.holds_lock for s in sweepers) == [False, True]
    holder = next(s for s in sweepers if s.holds_lock)
    other = next(s for s in sweepers if not s.holds_lock)
    assert holder.sweeps > 0 and other.sweeps == 0
    holder.stop()  # the holder exits: the other takes over
    deadline = time.monotonic() + 5
    while not other.holds_lock:
        assert time.monotonic() < deadline, "nobody took over the sweep"
        time.sleep(0.1)


def test_a_process_forked_while_the_lock_is_held_does_not_keep_it(
    settings_factory: SettingsFactory,
) -> None:
    # The embedded job helper is forked at the end of create_app; when another app in the same
    # process already held the sweeper lock, the helper inherited the locked file and kept the
    # lock after the holder let it go: nobody swept again (this test's sibling flaked on it).
    app = create_app(settings_factory(training_sweep_every_s=0.1))
    holder: EmbeddedSweeper = app.extensions[SWEEPER_KEY]
    deadline = time.monotonic() + 5
    while not holder.holds_lock:
        assert time.monotonic() < deadline, "the sweeper never took the lock"
        time.sleep(0.05)
    release_child, child_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child lives on, as the job helper does, until told to go
        os.close(child_end)
        os.read(release_child, 1)
        os._exit(0)
    os.close(release_child)
    successor = EmbeddedSweeper(app, 0.1, holder.lock_path)
    try:
        holder.stop()
        successor.start()
        deadline = time.monotonic() + 5
        while not successor.holds_lock:
            assert time.monotonic() < deadline, "the forked child kept the sweeper lock"
            time.sleep(0.05)
    finally:
        successor.stop()
        os.close(child_end)
        os.waitpid(pid, 0)
        with app.app_context():
            db.engine.dispose()


def test_a_queue_that_just_moved_is_not_taken_for_dead(settings_factory: SettingsFactory) -> None:
    # Between one run's end and the next one's start nothing runs: a sweep in that instant must
    # not mark the runs still waiting in a busy queue (a sweep of many runs on one worker).
    app = create_app(settings_factory(training_queued_timeout_s=600))
    now = utcnow()
    with app.app_context():
        waiting = TrainingRun(
            owner="q", recipe="digits", config={}, created_at=now - dt.timedelta(minutes=30)
        )
        long_run = TrainingRun(
            owner="q",
            recipe="digits",
            config={},
            status="succeeded",
            started_at=now - dt.timedelta(hours=2),
            finished_at=now - dt.timedelta(seconds=1),
        )
        db.session.add_all([waiting, long_run])
        db.session.commit()
        assert run_sweeper.sweep().never_started == 0
        assert db.session.get(TrainingRun, waiting.id).status == "queued"
        # Ten more minutes with nothing running, starting or finishing: it never will start.
        long_run.finished_at = now - dt.timedelta(minutes=11)
        db.session.commit()
        assert run_sweeper.sweep().never_started == 1
        db.session.expire_all()
        lost = db.session.get(TrainingRun, waiting.id)
        assert lost.status == "lost" and "No worker started this run" in (lost.error or "")
        db.session.remove()
        db.engine.dispose()
