"""Launch guards: a per-user rate limit, and a clear message while the job queue is down."""

from __future__ import annotations

import pytest

from dashapp import create_app
from dashapp.training import runs
from dashapp.web.identity import Role, User
from tests.conftest import SettingsFactory
from tests.integration.training.support import launch
from tests.support.domain import list_runs

FORM = {"epochs": 1, "max_samples": 100}


def test_launches_past_the_per_user_limit_are_refused(settings_factory: SettingsFactory) -> None:
    server = create_app(settings_factory(training_launches_per_minute=2))
    with server.app_context():
        alice, bob = User("alice", Role.TRAINER), User("bob", Role.TRAINER)
        runs.create_run(alice, "digits", FORM)
        runs.create_run(alice, "digits", FORM)
        with pytest.raises(runs.RunRateLimited, match="2 runs in the last minute"):
            runs.create_run(alice, "digits", FORM)
        assert runs.create_run(bob, "digits", FORM).owner == "bob"  # the limit is per user


def test_start_while_the_queue_is_down_says_so_and_creates_no_run(
    settings_factory: SettingsFactory,
) -> None:
    server = create_app(settings_factory(redis_url="redis://127.0.0.1:1/0", dev_role="trainer"))
    client = server.test_client()
    client.get("/training")
    response = launch(client, {"recipe": "digits", **FORM})
    assert response.status_code == 200
    assert "job queue is unavailable" in response.get_data(as_text=True)
    with server.app_context():
        assert list_runs(User("dev", Role.ADMIN), scope="all") == []
