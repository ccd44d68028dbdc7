"""Names vulture cannot see used (make lint): each is used by a framework, by name in a string,
by the browser, or is public API. A name goes here only with its reason."""

# ruff: noqa
# mypy: ignore-errors

from dashapp.compositing.geometry import Layer
from dashapp.components import ids as shell_ids
from dashapp.dataview import counting, sheet
from dashapp.dataview.service import DataView
from dashapp import embedded_jobs, periodic
from dashapp.recipes import api, registry, runner, status
from dashapp.training.run_sweeper import SweepResult
from dashapp.web import gunicorn_worker, identity, request_limits
from tasks.training import builtin_recipes, job, reporting

# Element ids the tests and assets/*.js select by (the shell's live regions and notices).
shell_ids.PAGES_CONTENT
shell_ids.REQUEST_ERRORS
shell_ids.PAGE_DENIED
# The inverse of Layer.to_background: the property test's oracle that placements invert.
Layer.to_foreground
# SQLAlchemy's compiler extension reads these (the @compiles hook and its cache flag).
counting._compile_explain
counting.ExplainCount.inherit_cache
# openpyxl reads attributes we set on its objects.
sheet.data_type
sheet.freeze_panes
# Public recipe API (docs/recipes.md): an offline sink for recipe authors' own tests.
api.MemorySink
api.checkpoints
# io.RawIOBase protocol methods, called by io.BufferedReader.
runner.writable
request_limits.readable
request_limits.readinto
# Werkzeug and Flask read these attributes.
_.direct_passthrough
request_limits.max_content_length
identity.required_role
identity.email
# gunicorn loads the worker by its dotted name (gunicorn.conf.py) and calls its hooks.
gunicorn_worker.BufferedThreadWorker
gunicorn_worker.BufferedThreadWorker.on_client_socket_readable
_.nr_conns
_.data_ready
# Celery reads its beat configuration from these attributes.
_.beat_schedule
_.beat_schedule_filename
# torch reads this flag; the loop's best epoch is reported through the run record.
_.benchmark
_.best_epoch
# The sweep's result is logged whole (periodic.py) and read by its tests.
SweepResult.never_started
# The built-in recipes by name, and the training job without the app around it: the bench
# (bench/bench_training_gpu.py) and the CUDA tests drive the loop through them.
builtin_recipes.BUILTINS
job.run_training
# Test hooks, not yet gone (issue 22 point 3: the app should own and stop its helper processes,
# sweeper threads and loaded recipes): the test session stops them through these today.
embedded_jobs.live_helpers
periodic.live_sweepers
registry.forget_loaded
# Read by dashapp/models/training.py, which the scan leaves out (pyproject: its columns).
status.FINAL_STATUSES
# Handed to a recipe's on_start hook (the recipe API's RunInfo): recipes may read them.
reporting.RunInfo.train_size
reporting.RunInfo.val_size
# Whether this view's landmark passes are still running: bench/bench_jumps.py and the landmark
# tests wait on it.
DataView.landmark_builds
