"""Read models of runs for the page: grid rows, metric series, comparison tables (no drawing:
the figures are made in pages/training/figures.py)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from dashapp.models.training import TrainingRun
from dashapp.training import recipe_catalog

# Panels first in this order; other metrics follow alphabetically. `epoch` is an x position.
METRIC_ORDER = ("loss", "val_loss", "accuracy", "val_accuracy")
NOT_CHARTED = frozenset({"epoch"})


def seconds_text(seconds: float | None) -> str:
    """12 s, 3 min 05 s, 1 h 02 min."""
    if seconds is None:
        return "–"
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def bytes_text(size: int | None) -> str:
    """Sizes in KiB/MiB/GiB."""
    if size is None:
        return "–"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} GiB"


def grid_row(run: TrainingRun) -> dict[str, Any]:
    """One row of the runs grid."""
    config = run.config or {}
    return {
        "id": run.id,
        "name": (run.name or "") + (" (archived)" if run.archived else ""),
        "tags": ", ".join(run.tags),
        "rerun_of": run.rerun_of,
        "owner": run.owner,
        "status": run.status,
        "recipe": run.recipe,
        "epochs": config.get("epochs"),
        "batch_size": config.get("batch_size"),
        "lr": config.get("lr"),
        "optimizer": config.get("optimizer"),
        "val_accuracy": run.metric("val_accuracy"),
        "val_loss": run.metric("val_loss"),
        "duration_s": run.duration_s,
        "device": run.device_name or run.device,
        "samples_per_s": run.samples_per_s,
        "created": run.created_at.strftime("%Y-%m-%d %H:%M:%S"),
    }


def series(run: TrainingRun) -> dict[str, tuple[list[int], list[float]]]:
    """Each metric of `run` as (steps, values), steps ascending."""
    found: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
    for point in sorted(run.points, key=lambda p: (p.name, p.step)):
        steps, values = found[point.name]
        steps.append(point.step)
        values.append(point.value)
    return dict(found)


def metric_names(all_series: list[dict[str, Any]]) -> list[str]:
    """The metrics to chart, in panel order."""
    names = {name for s in all_series for name in s} - NOT_CHARTED
    first = [n for n in METRIC_ORDER if n in names]
    return first + sorted(names - set(first))


def logged_metric_names(runs: list[TrainingRun]) -> list[str]:
    """Every metric any of `runs` logged (`epoch` too), charted ones first in panel order."""
    all_series = [series(run) for run in runs]
    charted = metric_names(all_series)
    others = {name for s in all_series for name in s} - set(charted)
    return charted + sorted(others)


def chosen_metrics(
    available: list[str], previous: list[str] | None, previously_offered: list[str] | None
) -> list[str]:
    """The metrics ticked once `available` is offered: what the user kept ticked stays ticked,
    what they unticked stays off, and metrics new to the list arrive ticked (except `epoch`,
    an x position, which is charted only when asked for)."""
    kept = set(previous or [])
    seen = set(previously_offered or [])
    return [
        name for name in available if name in kept or (name not in seen and name not in NOT_CHARTED)
    ]


def _differ(values: list[Any]) -> bool:
    """True when the runs do not all have the same value (a missing one counts as a value)."""
    return len({repr(v) for v in values}) > 1


def comparison_rows(runs: list[TrainingRun]) -> list[dict[str, Any]]:
    """Params and results side by side: one row per setting, one column per run.

    `setting` is what the launch form calls it, `key` the parameter's own name, `differs` True
    where the runs disagree (the page highlights those rows and can show only them).
    """
    named: list[tuple[str, str, list[Any]]] = [("Recipe", "recipe", [run.recipe for run in runs])]
    named += _setting_rows(runs) + _metric_rows(runs) + _result_rows(runs)
    return [_comparison_row(runs, setting, key, values) for setting, key, values in named]


def _comparison_row(
    runs: list[TrainingRun], setting: str, key: str, values: list[Any]
) -> dict[str, Any]:
    """One row: its labels, whether the runs differ, and a `#id` cell per run."""
    cells = {f"#{run.id}": value for run, value in zip(runs, values, strict=True)}
    return {"setting": setting, "key": key, "differs": _differ(values), **cells}


def _first_seen(names_per_run: list[list[str]]) -> list[str]:
    """Every name once, in the order the runs first mention it."""
    return list(dict.fromkeys(name for names in names_per_run for name in names))


def _setting_rows(runs: list[TrainingRun]) -> list[tuple[str, str, list[Any]]]:
    """A row per configuration key any run has, labelled as the launch form labels it."""
    rows = []
    for key in _first_seen([list(run.config or {}) for run in runs]):
        # The first run that has the key names it (recipes of one name share their labels).
        owner = next(run for run in runs if key in (run.config or {}))
        label = recipe_catalog.setting_label(owner.recipe, key)
        rows.append((label, key, [(run.config or {}).get(key) for run in runs]))
    return rows


def _metric_rows(runs: list[TrainingRun]) -> list[tuple[str, str, list[Any]]]:
    """A row per summary metric any run has (each run's names sorted), values rounded."""
    names = _first_seen([sorted(run.summary or {}) for run in runs])
    return [(name, name, [_rounded(run.metric(name)) for run in runs]) for name in names]


def _result_rows(runs: list[TrainingRun]) -> list[tuple[str, str, list[Any]]]:
    """Where and how each run ended."""
    return [
        ("Status", "status", [run.status for run in runs]),
        ("Duration", "duration", [seconds_text(run.duration_s) for run in runs]),
        # Not "Device": recipes have a device parameter ("auto"); this is where it ran.
        ("Ran on", "device", [run.device_name for run in runs]),
        ("Code version", "code", [(run.code_version or "")[:10] for run in runs]),
    ]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
