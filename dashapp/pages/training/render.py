"""Turn a run row into what the run panel shows (pure functions of the row)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from dashapp.models.training import RunStatus, TrainingRun
from dashapp.pages.training import ids
from dashapp.pages.training.figures import STATUS_COLOURS
from dashapp.routes.artifacts import artifact_url
from dashapp.training import recipe_catalog
from dashapp.training.run_views import bytes_text, seconds_text


def status_badge(status: str) -> dbc.Badge:
    """The run's status as a coloured badge."""
    colour = STATUS_COLOURS.get(RunStatus(status), "secondary")
    # text-bg-*: Bootstrap picks a readable text colour per background (white on yellow was 1.6:1).
    return dbc.Badge(status, color=colour, className=f"text-bg-{colour}", id=ids.STATUS_BADGE)


def progress_label(run: TrainingRun) -> str:
    """Text inside the progress bar."""
    if run.status == RunStatus.QUEUED:
        return "waiting for a worker"
    if run.progress_total:
        return f"{run.progress_done:,}/{run.progress_total:,} · {run.percent:.0f}%"
    return f"{run.percent:.0f}%"


def eta_text(
    run: TrainingRun, workers: list[str] | None = None, position: int | None = None
) -> Any:
    """ETA while running; place in the queue (and whether anyone serves it); how it ended."""
    if run.status == RunStatus.RUNNING:
        return f"ETA {seconds_text(run.eta_s)}" if run.eta_s is not None else "starting…"
    if run.status == RunStatus.QUEUED:
        where = f"queued, position {position}" if position else "queued"
        if workers is not None and not workers:
            return html.Span(
                [
                    html.Strong(f"{where}. "),
                    "No training worker is serving the queue right now: the run starts when "
                    "one comes online. Ask an admin to start a worker.",
                ],
                className="text-danger-emphasis",
                id="train-no-worker",
            )
        return where
    return f"{run.status} after {seconds_text(run.duration_s)}"


def stats(run: TrainingRun) -> list[Any]:
    """Device, worker, throughput, peak GPU memory and the error, shown beside the curves."""
    items = [
        ("Recipe", run.recipe),
        ("Device", run.device_name or "–"),
        ("Throughput", f"{run.samples_per_s:,.0f} samples/s" if run.samples_per_s else "–"),
        ("Peak GPU memory", bytes_text(run.peak_memory_bytes)),
        ("Worker", run.worker_host or "–"),
        ("Owner", run.owner),
    ]
    last = run.metric("samples_per_s")
    if last is not None and run.samples_per_s is None:
        items.insert(3, ("Last epoch", f"{last:,.0f} samples/s"))
    parts: list[Any] = [
        html.Span([html.Strong(f"{name}: "), value], className="me-3 text-nowrap")
        for name, value in items
    ]
    if run.error:
        parts.append(dbc.Alert(run.error, color="danger", className="mt-2 mb-0 py-2", id=ids.ERROR))
    return parts


def gallery(run: TrainingRun, may_take_files: bool) -> list[Any]:
    """Thumbnails (click for the lightbox) and download links: every image, and the run's other
    files (checkpoints) only for those who may take them (the route checks it too)."""
    items: list[Any] = []
    for artifact in run.artifacts:
        url = artifact_url(run.id, artifact.name)
        if artifact.kind == "image":
            # assets/training.js opens these in a lightbox; no server round trip.
            items.append(
                html.Img(
                    src=url,
                    alt=artifact.title,
                    title=f"{artifact.title} (click to enlarge)",
                    className="dashapp-thumb",
                    **{"data-download": artifact_url(run.id, artifact.name, download=True)},  # type: ignore[arg-type]
                )
            )
    links = [
        html.A(
            [html.I(className="bi bi-download me-1"), f"{a.name} ({bytes_text(a.size)})"],
            href=artifact_url(run.id, a.name, download=True),
            className="me-3 small",
        )
        for a in run.artifacts
        if a.kind == "image" or may_take_files
    ]
    if links:
        items.append(html.Div(links, className="w-100"))
    return items


def config_table(run: TrainingRun) -> dbc.Table:
    """The run's parameters (as the launch form names them, with the code's name beside) and
    what it needs to be reproduced."""
    rows: list[tuple[Any, Any]] = [("Recipe", run.recipe)]
    for key, value in (run.config or {}).items():
        label = recipe_catalog.setting_label(run.recipe, key)
        name: Any = label
        if label.lower() != key.replace("_", " "):  # "Learning rate" with "lr" beside it
            name = [label, html.Span(f" {key}", className="text-body-secondary font-monospace")]
        rows.append((name, value))
    rows.append(("Code version", (run.code_version or "–")[:12]))
    for package, version in (run.environment or {}).items():
        rows.append((package, version))
    return dbc.Table(
        html.Tbody(
            [html.Tr([html.Th(k, className="fw-normal"), html.Td(str(v))]) for k, v in rows]
        ),
        size="sm",
        className="small mb-0",
    )
