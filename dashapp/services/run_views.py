"""Read models of runs for the page: grid rows, Plotly figures, comparison tables."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashapp.models.training import TrainingRun
from tasks.training.config import CONFIG_FIELDS

STATUS_COLOURS = {
    "queued": "secondary",
    "running": "primary",
    "succeeded": "success",
    "failed": "danger",
    "cancelled": "warning",
    "lost": "dark",
}


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
        "owner": run.owner,
        "status": run.status,
        "dataset": run.dataset,
        "epochs": config.get("epochs"),
        "batch_size": config.get("batch_size"),
        "lr": config.get("lr"),
        "optimizer": config.get("optimizer"),
        "val_acc": run.val_acc,
        "val_loss": run.val_loss,
        "duration_s": run.duration_s,
        "device": run.device_name or run.device,
        "samples_per_s": run.samples_per_s,
        "created": run.created_at.strftime("%Y-%m-%d %H:%M:%S"),
    }


def curves_figure(runs: list[TrainingRun], template: str = "plotly_white") -> go.Figure:
    """Loss and accuracy per epoch; one run shows train and validation, several overlay val."""
    figure = make_subplots(rows=1, cols=2, subplot_titles=("Loss", "Accuracy"))
    single = len(runs) == 1
    for run in runs:
        epochs = [m.epoch for m in run.metrics]
        label = f"#{run.id}"
        pairs = [("val_loss", 1, "val"), ("val_acc", 2, "val")]
        if single:
            pairs += [("train_loss", 1, "train"), ("train_acc", 2, "train")]
        for attribute, col, part in pairs:
            name = part if single else f"{label} {part}"
            figure.add_trace(
                go.Scatter(
                    x=epochs,
                    y=[getattr(m, attribute) for m in run.metrics],
                    mode="lines+markers",
                    name=name,
                    legendgroup=name,
                    showlegend=col == 1,
                    line={"dash": "dot" if part == "train" else "solid"},
                ),
                row=1,
                col=col,
            )
    figure.update_xaxes(title_text="epoch", dtick=1)
    figure.update_layout(
        template=template,
        height=320,
        margin={"l": 40, "r": 10, "t": 40, "b": 40},
        legend={"orientation": "h", "y": -0.25},
        uirevision="curves",
    )
    return figure


def comparison_rows(runs: list[TrainingRun]) -> list[dict[str, Any]]:
    """Configs and results side by side: one row per setting, one column per run."""
    rows: list[dict[str, Any]] = []
    for key in CONFIG_FIELDS:
        row: dict[str, Any] = {"setting": key}
        for run in runs:
            row[f"#{run.id}"] = (run.config or {}).get(key)
        rows.append(row)
    results = {
        "status": lambda r: r.status,
        "val_acc": lambda r: None if r.val_acc is None else round(r.val_acc, 4),
        "val_loss": lambda r: None if r.val_loss is None else round(r.val_loss, 4),
        "duration": lambda r: seconds_text(r.duration_s),
        "device": lambda r: r.device_name,
        "samples/s": lambda r: None if r.samples_per_s is None else round(r.samples_per_s),
        "code": lambda r: (r.code_version or "")[:10],
    }
    for name, read in results.items():
        rows.append({"setting": name, **{f"#{run.id}": read(run) for run in runs}})
    return rows
