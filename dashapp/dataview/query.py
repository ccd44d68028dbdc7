"""A validated grid query: filters, quick search, multi-select facets and sort over one table."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from dashapp.dataview.errors import GridQueryError
from dashapp.dataview.filters import filter_conditions, quick_search_condition, set_condition
from dashapp.dataview.schema import GridTable

MAX_SORT_COLUMNS = 5


@dataclass(frozen=True)
class SortKey:
    """One ORDER BY term."""

    column: str
    descending: bool = False


@dataclass(frozen=True)
class GridQuery:
    """Everything needed to select, count and page the rows a grid shows."""

    table: GridTable
    conditions: tuple[sa.ColumnElement[bool], ...] = field(compare=False)
    sort: tuple[SortKey, ...]
    filter_key: str  # canonical text of the filters: cache key for counts and aggregates

    @property
    def sort_key(self) -> str:
        """Canonical text of the sort: with `filter_key`, the cache key for page boundaries."""
        return ",".join(f"{'-' if s.descending else ''}{s.column}" for s in self.sort)

    @property
    def where(self) -> sa.ColumnElement[bool]:
        """All conditions ANDed (TRUE when there are none)."""
        return sa.and_(sa.true(), *self.conditions)

    def order_by(self) -> list[sa.ColumnElement[Any]]:
        """ORDER BY terms with PostgreSQL's NULL placement made explicit (same on SQLite)."""
        terms: list[sa.ColumnElement[Any]] = []
        for key in self.sort:
            column = self.table.sql(key.column)
            if self.table.dialect in ("mysql", "mariadb"):
                # No NULLS FIRST/LAST there, and NULL sorts low: put blanks where PostgreSQL does.
                if self.table.column(key.column).nullable:
                    blank = column.is_(None)
                    terms.append(blank.desc() if key.descending else blank.asc())
                terms.append(column.desc() if key.descending else column.asc())
                continue
            terms.append(
                column.desc().nulls_first() if key.descending else column.asc().nulls_last()
            )
        return terms

    @property
    def keyset_ready(self) -> bool:
        """True when the sort ends in a unique key and no sort column holds NULLs."""
        table = self.table
        if table.key is None or not self.sort or self.sort[-1].column != table.key:
            return False
        return all(not table.column(s.column).nullable for s in self.sort)

    def select(self, *columns: sa.ColumnElement[Any]) -> sa.Select[Any]:
        """SELECT `columns` (default: every whitelisted column) with the filters applied."""
        chosen = columns or tuple(self.table.selected(c.name) for c in self.table.columns)
        return sa.select(*chosen).select_from(self.table.table).where(self.where)


def parse_sort(table: GridTable, model: object) -> tuple[SortKey, ...]:
    """AG Grid's sortModel -> sort keys, ending in the table's unique key as a tiebreak."""
    if model is None:
        model = []
    if not isinstance(model, list) or len(model) > MAX_SORT_COLUMNS:
        raise GridQueryError(f"The sort must be a list of at most {MAX_SORT_COLUMNS} columns.")
    keys: list[SortKey] = []
    for item in model:
        if not isinstance(item, Mapping):
            raise GridQueryError("Each sort entry must be an object with colId and sort.")
        col = table.column(item.get("colId"))
        direction = item.get("sort")
        if direction not in ("asc", "desc"):
            raise GridQueryError(f"Sort direction for {col.name!r} must be 'asc' or 'desc'.")
        if any(k.column == col.name for k in keys):
            raise GridQueryError(f"Column {col.name!r} appears twice in the sort.")
        keys.append(SortKey(col.name, direction == "desc"))
    if table.key is not None and not any(k.column == table.key for k in keys):
        # A stable, unique order: pages never repeat or skip rows, and keyset paging works.
        keys.append(SortKey(table.key, keys[-1].descending if keys else False))
    return tuple(keys)


def _canonical(value: object) -> str:
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    except (TypeError, ValueError):
        raise GridQueryError("The filter model is not valid JSON data.") from None


def build_query(
    table: GridTable,
    filter_model: object = None,
    sort_model: object = None,
    quick: object = None,
    facets: Mapping[str, object] | None = None,
) -> GridQuery:
    """Validate and translate the grid's models; GridQueryError when anything is off."""
    conditions = filter_conditions(table, filter_model)
    quick_clause = quick_search_condition(table, quick)
    if quick_clause is not None:
        conditions.append(quick_clause)
    chosen_facets = {name: values for name, values in (facets or {}).items() if values}
    for name, values in chosen_facets.items():
        conditions.append(set_condition(table, name, values))
    key = _canonical([table.name, filter_model or {}, quick or "", chosen_facets])
    return GridQuery(
        table=table,
        conditions=tuple(conditions),
        sort=parse_sort(table, sort_model),
        filter_key=key,
    )
