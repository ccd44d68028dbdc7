"""A training worker imports what a run's first step needs before its pool forks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.worker import worker_env

# Runs in a fresh interpreter, as `celery -A dashapp.worker:... worker` would import the module;
# the worker_init handler is called with the worker whose app it is.
PROBE = """
import json, sys, types
import dashapp.worker as w
slow = ("torch._dynamo", "sklearn.datasets")
before = [m for m in slow if m in sys.modules]
w._warm_up_training(sender=types.SimpleNamespace(app=w.{app}))
print(json.dumps({{"before": before, "after": [m for m in slow if m in sys.modules]}}))
"""


def _probe(app: str, tmp_path: Path) -> dict[str, list[str]]:
    env = worker_env(f"sqlite:///{tmp_path / 'app.db'}", "redis://127.0.0.1:6379/15", tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(app=app)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_a_training_worker_imports_the_first_steps_libraries_before_it_forks(
    tmp_path: Path,
) -> None:
    # torch._dynamo (imported by the first optimizer: 2.5 s) and scikit-learn (the digits data
    # set: about 4 s on a busy box) would otherwise be imported inside the first run.
    probe = _probe("training_celery", tmp_path)
    assert probe["before"] == []
    assert probe["after"] == ["torch._dynamo", "sklearn.datasets"]


def test_a_ui_worker_does_not_load_training_libraries(tmp_path: Path) -> None:
    assert _probe("ui_celery", tmp_path) == {"before": [], "after": []}
