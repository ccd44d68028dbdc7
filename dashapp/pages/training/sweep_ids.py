"""Component ids of the training page's sweep parts (the form's Sweep mode, the sweep view)."""

from __future__ import annotations

# Sweep mode of the launch form.
MODE = "sweep-mode"
SINGLE_PART = "sweep-single-part"
FORM = "sweep-form"
AXES = "sweep-axes"
AXIS = "sweep-axis"
AXIS_FEEDBACK = "sweep-axis-feedback"
STRATEGY = "sweep-strategy"
COUNT = "sweep-count"
SEED = "sweep-seed"
METRIC = "sweep-metric"
METRIC_NAMES = "sweep-metric-names"
GOAL = "sweep-goal"
PREVIEW = "sweep-preview"
START = "sweep-start"
ERROR = "sweep-error"
URL = "sweep-url"
# The sweep view (/training?sweep=N) and the sweeps list.
VIEW = "sweep-view"
CURRENT = "sweep-current"
POLL = "sweep-poll"
SHOWN = "sweep-shown"
TITLE = "sweep-title"
COUNTS = "sweep-counts"
PROGRESS = "sweep-progress"
CHART = "sweep-chart"
BEST = "sweep-best"
RUNS = "sweep-runs"
CANCEL = "sweep-cancel"
ACTION_MSG = "sweep-action-msg"
LIST = "sweep-list"
LIST_POLL = "sweep-list-poll"


def axis_id(name: str) -> dict[str, str]:
    """Id of the sweep-values input for parameter `name`."""
    return {"type": AXIS, "name": name}


def axis_feedback_id(name: str) -> dict[str, str]:
    """Id of the error text under parameter `name`'s sweep values."""
    return {"type": AXIS_FEEDBACK, "name": name}
