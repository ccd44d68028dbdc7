"""Celery worker entry point for Dash background callbacks.

    celery -A dashapp.worker:ui_celery worker -Q dash          # UI background work
    celery -A dashapp.worker:training_celery worker -Q gpu --pool=solo   # training (GPU hosts)
    celery -A dashapp.worker:ui_celery beat        # exactly one: the periodic lost-run sweep

Dash names each background task after a hash of the callback's source, so the worker must build
the same app (same code version) to register them; that is why this module imports create_app.
"""

from __future__ import annotations

from celery import Celery
from celery.signals import worker_init, worker_process_init

from dashapp import create_app
from dashapp.extensions import db
from dashapp.jobs.celery_apps import celery_apps_for
from dashapp.periodic import install_beat
from dashapp.settings import Settings, SettingsError

server = create_app()
_apps = celery_apps_for(server)
if _apps is None:
    raise SettingsError("The Celery worker needs REDIS_URL; the embedded mode runs jobs itself.")
ui_celery: Celery = _apps.ui
training_celery: Celery = _apps.training
celery = ui_celery
_settings: Settings = server.extensions["dashapp_settings"]
# The lost-run sweep: `celery -A dashapp.worker:ui_celery beat` schedules it, UI workers run it.
install_beat(ui_celery, server, _settings)


@worker_process_init.connect
def _fresh_connections_per_child(**_kwargs: object) -> None:
    """Forked children must not share the parent's pooled database connections."""
    with server.app_context():
        db.engine.dispose(close=False)


@worker_init.connect
def _warm_up_training(sender: object = None, **_kwargs: object) -> None:
    """A training worker imports torch, the built-in data sets' libraries and every recipe
    before its pool forks: otherwise the first run a new worker takes spends seconds importing
    (torch._dynamo 2.5 s, scikit-learn 4 s on a busy 2-core box) before its first step. UI
    workers skip it."""
    if getattr(sender, "app", None) is not training_celery:
        return
    # Only imports, no tensor work: a parent that had run torch's thread pool must not fork.
    # The first optimizer built imports torch._dynamo: 2.5 s of a run's first step otherwise.
    import torch._dynamo  # noqa: F401
    import torch.optim  # noqa: F401

    from dashapp.training import recipe_catalog
    from tasks.training import datasets

    datasets.preload()
    with server.app_context():
        recipe_catalog.available()
