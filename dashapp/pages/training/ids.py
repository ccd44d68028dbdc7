"""Component ids of the training page (tests import these too)."""

from __future__ import annotations

PAGE = "page-training"
# Launch form.
RECIPE = "train-recipe"
RECIPE_DESCRIPTION = "train-recipe-description"
FORM_FIELDS = "train-form-fields"
PARAM = "train-param"
PARAM_CHECK = "train-param-check"
FEEDBACK = "train-param-feedback"
FIELD_ERRORS = "train-field-errors"
FORM_ERROR = "train-form-error"
START = "train-start"
START_SPINNER = "train-start-spinner"
# Run panel.
PANEL = "train-panel"
COMPARE_BODY = "train-compare-body"  # the comparison chart and table, hidden until runs are ticked
RUN_TITLE = "train-run-title"
RUN_STATUS = "train-run-status"
STATUS_BADGE = "train-status-badge"
PROGRESS = "train-progress"
ETA = "train-eta"
JOB_PROGRESS = "train-job-progress"
JOB_RESULT = "train-job-result"
ACTION_MSG = "train-action-msg"
STATS = "train-stats"
ERROR = "train-error"
CURVES = "train-curves"
GALLERY = "train-gallery"
CONFIG = "train-config"
LOG = "train-log"
CANCEL = "train-cancel"
RERUN = "train-rerun"
# State.
CURRENT = "train-current"
LAUNCH = "train-launch"
FORCE_CANCEL = "train-force-cancel"
RENDERED = "train-rendered"
POLL = "train-poll"
GRID_POLL = "train-grid-poll"
URL_SYNC = "train-url-sync"
# History and comparison.
SCOPE = "train-scope"
GRID = "train-grid"
COMPARE_GRAPH = "train-compare-graph"
COMPARE_TABLE = "train-compare-table"
COMPARE_HINT = "train-compare-hint"
COMPARE_DIFF_ONLY = "train-compare-diff-only"  # the table shows only rows where runs differ
COMPARE_METRICS = "train-compare-metrics"  # which logged metrics the comparison charts
# Run management (run_manage.py): details of the open run, and the runs list's filters.
DETAILS = "train-details"
RUN_NAME = "train-run-name"
RUN_TAGS = "train-run-tags"
RUN_NOTES = "train-run-notes"
RUN_NAME_FEEDBACK = "train-run-name-feedback"
RUN_TAGS_FEEDBACK = "train-run-tags-feedback"
RUN_NOTES_FEEDBACK = "train-run-notes-feedback"
SAVE_DETAILS = "train-save-details"
ARCHIVE = "train-archive"
DELETE = "train-delete"
DELETE_MODAL = "train-delete-modal"
DELETE_CONFIRM = "train-delete-confirm"
DELETE_DISMISS = "train-delete-dismiss"
METRICS_CSV = "train-metrics-csv"
RERUN_FROM = "train-rerun-from"
MANAGE_MSG = "train-manage-msg"
MANAGE_VERSION = "train-manage-version"
MANAGE_REDIRECT = "train-manage-redirect"
DELETED_NOTICE = "train-deleted-notice"
SEARCH = "train-search"
SEARCH_FEEDBACK = "train-search-feedback"
FILTER_RECIPE = "train-filter-recipe"
FILTER_STATUS = "train-filter-status"
FILTER_TAG = "train-filter-tag"
SHOW_ARCHIVED = "train-show-archived"


def param_id(name: str) -> dict[str, str]:
    """Id of the input for parameter `name` (number, text or select)."""
    return {"type": PARAM, "name": name}


def check_id(name: str) -> dict[str, str]:
    """Id of the checkbox for boolean parameter `name`."""
    return {"type": PARAM_CHECK, "name": name}


def feedback_id(name: str) -> dict[str, str]:
    """Id of the error text under parameter `name`."""
    return {"type": FEEDBACK, "name": name}


def help_id(name: str) -> str:
    """Id of the help text under parameter `name`."""
    return f"train-help-{name.replace('_', '-')}"


def dom_id(component_id: dict[str, str]) -> str:
    """The DOM id Dash gives a dict id (for CSS selectors in tests)."""
    import json

    return json.dumps(component_id, sort_keys=True, separators=(",", ":"))
