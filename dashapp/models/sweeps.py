"""A sweep: one launch that expands into N training runs over a grid or random parameter sets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from dashapp.extensions import db
from dashapp.models.training import utcnow


class Sweep(db.Model):  # type: ignore[name-defined]
    """The spec a sweep was launched with; its runs point back here through `sweep_id`."""

    __tablename__ = "training_sweeps"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(200), index=True)
    recipe: Mapped[str] = mapped_column(String(40))
    strategy: Mapped[str] = mapped_column(String(10))
    # The objective the best run is chosen by: a metric name and "min" or "max".
    metric: Mapped[str] = mapped_column(String(100))
    goal: Mapped[str] = mapped_column(String(3))
    # {"fixed": {...}, "axes": [{"name", "values" | "low"/"high"/"log"}], "count", "seed"}
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
