"""Search and filter the runs list: by recipe, tag, status, archived, free text, and
conditions on parameters and metrics ("lr<0.01 val_accuracy>=0.9 optimizer=adam").

Recipe, tag, status, scope, archived and text filter in SQL; parameter and metric conditions
are checked on at most SCAN_LIMIT of the newest matching rows (their values live in JSON).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, or_, select

from dashapp.extensions import db
from dashapp.models.training import RunStatus, RunTag, TrainingRun
from dashapp.training.runs import RunError
from dashapp.web.identity import User

MAX_QUERY = 300
MAX_CONDITIONS = 8
SCAN_LIMIT = 5_000
CONDITION = re.compile(
    r"^(?:(params?|metrics?)\.)?([A-Za-z_][A-Za-z0-9_.]{0,99})(>=|<=|!=|=|>|<)(.*)$"
)
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "!=": operator.ne,
    "=": operator.eq,
    ">": operator.gt,
    "<": operator.lt,
}


class SearchError(RunError):
    """A search the page cannot run; the message says what to fix."""


@dataclass(frozen=True)
class Condition:
    """`key op value` on a parameter (config) or a metric (last logged value)."""

    key: str
    op: str
    value: str
    where: str | None = None  # "params", "metrics" or None for either

    def _number(self) -> float | None:
        try:
            return float(self.value)
        except ValueError:
            return None

    def matches(self, run: TrainingRun) -> bool:
        """True when the run has the key and its value satisfies the condition."""
        found: Any = None
        if self.where in (None, "params") and self.key in (run.config or {}):
            found = (run.config or {})[self.key]
        elif self.where in (None, "metrics") and self.key in (run.summary or {}):
            found = (run.summary or {})[self.key]
        if found is None:
            return False
        number = self._number()
        if number is not None and isinstance(found, int | float) and not isinstance(found, bool):
            return OPERATORS[self.op](float(found), number)
        if self.op not in ("=", "!="):
            return False
        return OPERATORS[self.op](str(found).lower(), self.value.lower())


@dataclass(frozen=True)
class RunQuery:
    """What the runs list shows."""

    scope: str = "mine"
    text: str = ""
    recipe: str | None = None
    status: str | None = None
    tag: str | None = None
    show_archived: bool = False
    terms: tuple[str, ...] = field(default=())
    conditions: tuple[Condition, ...] = field(default=())


def parse_query(text: str | None, **filters: Any) -> RunQuery:
    """A RunQuery from the search box's text and the page's filters; SearchError on bad input."""
    text = (text or "").strip()
    if len(text) > MAX_QUERY:
        raise SearchError(f"A search has at most {MAX_QUERY} characters.")
    terms: list[str] = []
    conditions: list[Condition] = []
    for token in text.split():
        match = CONDITION.match(token)
        if match is None:
            terms.append(token)
            continue
        where, key, op, value = match.groups()
        if not value:
            raise SearchError(f"{token!r}: give a value after {op!r}, e.g. {key}{op}0.5")
        if op in (">", "<", ">=", "<=") and Condition(key, op, value)._number() is None:
            raise SearchError(f"{token!r}: {op!r} compares numbers; {value!r} is not a number.")
        plural = {"param": "params", "metric": "metrics"}.get(where or "", where)
        conditions.append(Condition(key, op, value, plural))
    if len(conditions) > MAX_CONDITIONS:
        raise SearchError(f"A search has at most {MAX_CONDITIONS} conditions.")
    status = filters.get("status") or None
    if status is not None and status not in {s.value for s in RunStatus}:
        raise SearchError(f"There is no status {status!r}.")
    return RunQuery(
        scope=filters.get("scope") or "mine",
        text=text,
        recipe=filters.get("recipe") or None,
        status=status,
        tag=(filters.get("tag") or None),
        show_archived=bool(filters.get("show_archived")),
        terms=tuple(terms),
        conditions=tuple(conditions),
    )


def _text_filter(term: str) -> Any:
    if re.fullmatch(r"#\d{1,18}", term):
        return TrainingRun.id == int(term[1:])
    # Escape LIKE's wildcards: the text is searched for as typed.
    pattern = "%" + term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    columns = (TrainingRun.name, TrainingRun.notes, TrainingRun.recipe, TrainingRun.owner)
    return or_(
        *(db.func.lower(c).like(pattern, escape="\\") for c in columns),
        TrainingRun.id.in_(select(RunTag.run_id).where(RunTag.tag == term.lower())),
    )


def _statement(user: User | None, query: RunQuery) -> Select[Any]:
    statement = select(TrainingRun).order_by(TrainingRun.id.desc())
    if query.scope != "all":
        statement = statement.where(TrainingRun.owner == (user.username if user else ""))
    if not query.show_archived:
        statement = statement.where(TrainingRun.archived_at.is_(None))
    if query.recipe:
        statement = statement.where(TrainingRun.recipe == query.recipe)
    if query.status:
        statement = statement.where(TrainingRun.status == query.status)
    if query.tag:
        tagged = select(RunTag.run_id).where(RunTag.tag == query.tag.lower())
        statement = statement.where(TrainingRun.id.in_(tagged))
    for term in query.terms:
        statement = statement.where(_text_filter(term))
    return statement


def search_runs(user: User | None, query: RunQuery, limit: int = 500) -> list[TrainingRun]:
    """Newest matching runs first, at most `limit`."""
    statement = _statement(user, query)
    if not query.conditions:
        return list(db.session.scalars(statement.limit(limit)))
    found: list[TrainingRun] = []
    for run in db.session.scalars(statement.limit(SCAN_LIMIT)):
        if all(c.matches(run) for c in query.conditions):
            found.append(run)
            if len(found) >= limit:
                break
    return found


def known_tags(user: User | None, scope: str = "mine") -> list[str]:
    """Every tag used on the runs in scope (the tag filter's options)."""
    statement = select(RunTag.tag).distinct().order_by(RunTag.tag)
    if scope != "all":
        owned = select(TrainingRun.id).where(TrainingRun.owner == (user.username if user else ""))
        statement = statement.where(RunTag.run_id.in_(owned))
    return list(db.session.scalars(statement.limit(500)))
