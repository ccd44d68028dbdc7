"""What a data source holds: its tables and views, columns with types, primary and foreign keys.

Read for the admin page, inside the source's read-only transaction with its statement timeout,
and bounded: at most MAX_TABLES tables per schema are described (the rest are counted).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Inspector

from dashapp.dataview.session import read_connection
from dashapp.dataview.sources.sources import DataSource

log = logging.getLogger(__name__)

# Enough for a warehouse schema to read well on one page; larger schemas are counted, not shown.
MAX_TABLES = 150


@dataclass(frozen=True)
class ColumnInfo:
    """One discovered column."""

    name: str
    type: str
    nullable: bool
    primary_key: bool = False
    references: str | None = None  # "schema.table.column" of a foreign key


@dataclass(frozen=True)
class TableInfo:
    """One discovered table or view."""

    schema: str | None
    name: str
    kind: str  # "table" or "view"
    columns: tuple[ColumnInfo, ...]

    @property
    def qualified(self) -> str:
        """`schema.name`, or the bare name in a database without schemas."""
        return f"{self.schema}.{self.name}" if self.schema else self.name


@dataclass(frozen=True)
class Inventory:
    """A source's discovered tables; `error` says why it could not be read."""

    default_schema: str | None
    tables: tuple[TableInfo, ...] = ()
    left_out: int = 0  # tables beyond MAX_TABLES per schema
    error: str = ""

    def find(self, name: str) -> TableInfo | None:
        """The table a configured (possibly schema-qualified) name refers to."""
        schema, _, table = name.rpartition(".")
        wanted = (schema or self.default_schema, table)
        return next((t for t in self.tables if (t.schema, t.name) == wanted), None)


def _type_text(column: Any) -> str:
    try:
        return str(column["type"])
    except sa.exc.CompileError:  # a type the dialect reflects but cannot print
        return type(column["type"]).__name__


def _describe_schema(
    inspector: Inspector, schema: str | None, only: set[str] | None
) -> tuple[list[TableInfo], int]:
    """The tables and views of one schema (at most MAX_TABLES; `only` limits to these names)."""
    kinds = [(name, "table") for name in inspector.get_table_names(schema=schema)]
    kinds += [(name, "view") for name in inspector.get_view_names(schema=schema)]
    if only is not None:
        kinds = [item for item in kinds if item[0] in only]
    kinds.sort()
    shown, left_out = kinds[:MAX_TABLES], max(0, len(kinds) - MAX_TABLES)
    tables = []
    for name, kind in shown:
        columns = inspector.get_columns(name, schema=schema)
        primary = inspector.get_pk_constraint(name, schema=schema)
        keys = set(primary.get("constrained_columns") or [])
        references: dict[str, str] = {}
        if kind == "table":
            for fk in inspector.get_foreign_keys(name, schema=schema):
                target_schema = fk.get("referred_schema") or schema
                target = ".".join(s for s in (target_schema, fk["referred_table"]) if s)
                for local, remote in zip(
                    fk["constrained_columns"], fk["referred_columns"], strict=False
                ):
                    references[local] = f"{target}.{remote}"
        tables.append(
            TableInfo(
                schema,
                name,
                kind,
                tuple(
                    ColumnInfo(
                        c["name"],
                        _type_text(c),
                        bool(c.get("nullable", True)),
                        c["name"] in keys,
                        references.get(c["name"]),
                    )
                    for c in columns
                ),
            )  # fmt: skip
        )
    return tables, left_out


def _read(conn: Connection, schemas: dict[str | None, set[str] | None]) -> Inventory:
    inspector = sa.inspect(conn)
    default = inspector.default_schema_name
    merged: dict[str | None, set[str] | None] = {}
    for schema, only in schemas.items():  # "invoice" and "public.invoice" are one schema
        key = schema or default
        if only is None or (key in merged and merged[key] is None):
            merged[key] = None
        else:
            merged[key] = (merged.get(key) or set()) | only
    tables: list[TableInfo] = []
    left_out = 0
    for schema, only in merged.items():
        found, skipped = _describe_schema(inspector, schema, only)
        tables += found
        left_out += skipped
    return Inventory(default, tuple(tables), left_out)


def read_inventory(
    source: DataSource, names: Iterable[str], whole_schemas: bool = True
) -> Inventory:
    """Describe the schemas holding `names` (configured tables; the default schema when none).

    With `whole_schemas` every table of those schemas is listed (what could be configured
    next); without, only the named ones (the app's own database, where the rest is the app's).
    """
    schemas: dict[str | None, set[str] | None] = {}
    for name in names:
        schema, _, table = name.rpartition(".")
        key = schema or None
        if whole_schemas:
            schemas[key] = None
        else:
            listed = schemas.setdefault(key, set())
            assert listed is not None
            listed.add(table)
    if not schemas and whole_schemas:
        schemas[None] = None
    try:
        with read_connection(source.engine, source.timeout_ms) as conn:
            return _read(conn, schemas)
    except Exception as exc:  # any driver error is a finding for the admin, not a crash
        log.warning("could not read the schema of source %s: %s", source.name, exc)
        message = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        return Inventory(None, error=(message[0] if message else type(exc).__name__)[:300])
