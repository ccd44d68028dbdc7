"""A second database that plays a team's warehouse, on PostgreSQL or MariaDB.

Its shape is unlike the demo's: two schemas, mixed-case quoted names, foreign keys across
schemas, a view, tables with and without dates, measures and text, NULLs, a small table.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from urllib.parse import quote

import sqlalchemy as sa

from tests.support.services import service_missing, throwaway_postgres_database, with_driver

MARIADB_URL = os.environ.get("TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
STATUSES = ("paid", "paid", "paid", "cancelled", "refunded", "pending")
COUNTRIES = ("Brazil", "Canada", "France", "Germany", "India", "USA", None, "")
GENRES = ("Blues", "Jazz", "Metal", "Pop", "Rock")
INVOICES = 1500


@dataclass(frozen=True)
class Warehouse:
    """Where the warehouse is and how its schemas are called."""

    url: str
    dialect: str
    sales: str  # schema holding invoices
    crm: str  # schema holding customers (mixed-case table "Customer")
    # What the app is given as the source's URL, when it differs from the test's own `url`.
    app_url: str | None = None

    @property
    def source_url(self) -> str:
        """The URL the dashboards file names for this warehouse."""
        return self.app_url or self.url

    def engine(self) -> sa.Engine:
        """A plain engine for the test's own SQL checks."""
        return sa.create_engine(self.url)

    def q(self, schema: str, table: str) -> str:
        """A quoted, schema-qualified name for raw SQL."""
        mark = "`" if self.dialect == "mysql" else '"'
        return f"{mark}{schema}{mark}.{mark}{table}{mark}"


def _rows() -> dict[str, list[dict[str, object]]]:
    rng = random.Random(13)
    customers = [
        {
            "CustomerId": i,
            "FirstName": f"Name{i:03d}",
            "LastName": rng.choice(("Silva", "Smith", "Müller", "O'Brien")),
            "Country": rng.choice(COUNTRIES),
        }
        for i in range(1, 61)
    ]
    invoices = []
    for i in range(1, INVOICES + 1):
        day = dt.datetime(2023, 1, 1) + dt.timedelta(hours=rng.randrange(0, 24 * 700))
        invoices.append(
            {
                "invoice_id": i,
                "CustomerId": rng.randrange(1, 61),
                "invoice_date": day,
                "status": rng.choice(STATUSES),
                "total": round(rng.uniform(-5, 400), 2),
                "notes": rng.choice((None, "rush", "gift", "")),
            }
        )
    lines = [
        {
            "line_id": i,
            "invoice_id": rng.randrange(1, INVOICES + 1),
            "quantity": rng.randrange(1, 9),
        }
        for i in range(1, 801)
    ]
    genres = [{"genre_id": i + 1, "name": g} for i, g in enumerate(GENRES)]
    return {"customers": customers, "invoices": invoices, "lines": lines, "genres": genres}


def _ddl(w: Warehouse) -> list[str]:
    pg = w.dialect == "postgresql"
    mark = '"' if pg else "`"

    def n(name: str) -> str:  # a quoted column name
        return f"{mark}{name}{mark}"

    stamp = "TIMESTAMP" if pg else "DATETIME"
    engine_clause = "" if pg else " ENGINE=InnoDB"
    customer, invoice = w.q(w.crm, "Customer"), w.q(w.sales, "invoice")
    return [
        f"CREATE TABLE {customer} ({n('CustomerId')} INTEGER PRIMARY KEY, "
        f"{n('FirstName')} VARCHAR(40) NOT NULL, {n('LastName')} VARCHAR(40), "
        f"{n('Country')} VARCHAR(40)){engine_clause}",
        f"CREATE TABLE {invoice} (invoice_id INTEGER PRIMARY KEY, "
        f"{n('CustomerId')} INTEGER NOT NULL REFERENCES {customer} ({n('CustomerId')}), "
        f"invoice_date {stamp} NOT NULL, status VARCHAR(20) NOT NULL, "
        f"total NUMERIC(10,2) NOT NULL, notes VARCHAR(200)){engine_clause}",
        f"CREATE TABLE {w.q(w.sales, 'invoice_line')} (line_id INTEGER PRIMARY KEY, "
        f"invoice_id INTEGER NOT NULL REFERENCES {invoice} (invoice_id), "
        f"quantity INTEGER NOT NULL){engine_clause}",
        f"CREATE TABLE {w.q(w.crm, 'genre')} (genre_id INTEGER PRIMARY KEY, "
        f"name VARCHAR(40) NOT NULL){engine_clause}",
        f"CREATE VIEW {w.q(w.sales, 'country_sales')} AS SELECT c.{n('Country')} AS country, "
        f"COUNT(*) AS invoices, SUM(i.total) AS revenue FROM {invoice} i "
        f"JOIN {customer} c ON c.{n('CustomerId')} = i.{n('CustomerId')} "
        f"GROUP BY c.{n('Country')}",
    ]


def _fill(w: Warehouse) -> None:
    engine = w.engine()
    data = _rows()
    meta = sa.MetaData()
    with engine.begin() as conn:
        for statement in _ddl(w):
            conn.exec_driver_sql(statement)
    tables = {
        "customers": sa.Table("Customer", meta, schema=w.crm, autoload_with=engine),
        "invoices": sa.Table("invoice", meta, schema=w.sales, autoload_with=engine),
        "lines": sa.Table("invoice_line", meta, schema=w.sales, autoload_with=engine),
        "genres": sa.Table("genre", meta, schema=w.crm, autoload_with=engine),
    }
    with engine.begin() as conn:
        for key in ("customers", "invoices", "lines", "genres"):
            conn.execute(tables[key].insert(), data[key])
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # The small table after ANALYZE: where pg_stats.n_distinct turns into a fraction.
        if w.dialect == "postgresql":
            conn.exec_driver_sql(f"ANALYZE {w.q(w.crm, 'genre')}")
        else:
            conn.exec_driver_sql(f"ANALYZE TABLE {w.q(w.crm, 'genre')}")
    engine.dispose()


def objects(w: Warehouse) -> set[tuple[str, str, str]]:
    """Every table, view, index, sequence and function in the warehouse (to see nothing new)."""
    engine = w.engine()
    with engine.connect() as conn:
        if w.dialect == "postgresql":
            rows = conn.exec_driver_sql(
                "SELECT n.nspname, c.relname, c.relkind::text FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') "
                "UNION ALL SELECT n.nspname, p.proname, 'f' FROM pg_proc p "
                "JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
                "UNION ALL SELECT nspname, nspname, 'schema' FROM pg_namespace"
            ).all()
        else:
            rows = conn.exec_driver_sql(
                "SELECT table_schema, table_name, table_type FROM information_schema.tables "
                "WHERE table_schema IN (%s, %s) UNION ALL SELECT routine_schema, routine_name, "
                "'routine' FROM information_schema.routines WHERE routine_schema IN (%s, %s) "
                "UNION ALL SELECT schema_name, schema_name, 'schema' "
                "FROM information_schema.schemata",
                (w.sales, w.crm, w.sales, w.crm),
            ).all()
    engine.dispose()
    return {(str(a), str(b), str(c)) for a, b, c in rows}


@contextmanager
def postgres_warehouse() -> Iterator[Warehouse]:
    """The warehouse in a throwaway PostgreSQL database (schemas sales and "CRM")."""
    with throwaway_postgres_database("dashapp_wh") as url:
        w = Warehouse(with_driver(url), "postgresql", "sales", "CRM")
        engine = w.engine()
        with engine.begin() as conn:
            conn.exec_driver_sql('CREATE SCHEMA sales; CREATE SCHEMA "CRM"')
        engine.dispose()
        _fill(w)
        yield w


# A server whose sql_mode has ANSI_QUOTES ("..." quotes names, not strings), as some teams run.
ANSI_QUOTES_INIT = "init_command=" + quote(
    "SET SESSION sql_mode=CONCAT(@@sql_mode, ',ANSI_QUOTES')"
)


@contextmanager
def mariadb_ansi_quotes_warehouse() -> Iterator[Warehouse]:
    """The MariaDB warehouse, read by the app through sessions with ANSI_QUOTES."""
    with mariadb_warehouse() as w:
        yield replace(w, app_url=f"{w.url}&{ANSI_QUOTES_INIT}")


@contextmanager
def mariadb_warehouse() -> Iterator[Warehouse]:
    """The warehouse in two throwaway MariaDB databases (MySQL's schemas)."""
    try:
        admin = sa.create_engine(MARIADB_URL, connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.OperationalError as exc:
        service_missing(f"MariaDB not reachable at {MARIADB_URL}: {exc.orig}")
        raise
    tag = uuid.uuid4().hex[:8]
    sales, crm = f"dw_{tag}_sales", f"dw_{tag}_CRM"
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE `{sales}` CHARACTER SET utf8mb4")
        conn.exec_driver_sql(f"CREATE DATABASE `{crm}` CHARACTER SET utf8mb4")
    base = MARIADB_URL.rsplit("/", 1)[0]
    try:
        w = Warehouse(f"{base}/{sales}?charset=utf8mb4", "mysql", sales, crm)
        _fill(w)
        yield w
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{sales}`")
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{crm}`")
        admin.dispose()


# Names AG Grid or SQL treat specially: a dot (AG Grid's nested path), brackets, a space, quotes.
ODD_COLUMNS = ("a.b", "x[0]", "with space", 'it\'s "quoted"')


def add_odd_names_table(w: Warehouse, rows: int = 6) -> str:
    """A table `odd_names` in the sales schema whose columns have ODD_COLUMNS' names; returns
    its name for a dashboards file. Row i holds f"{kind}-{i}" in each odd column."""
    meta = sa.MetaData()
    columns = [sa.Column(name, sa.String(40)) for name in ODD_COLUMNS]
    table = sa.Table(
        "odd_names", meta, sa.Column("id", sa.Integer, primary_key=True), *columns, schema=w.sales
    )
    engine = w.engine()
    meta.create_all(engine)
    kinds = ("dot", "bracket", "space", "quote")
    values = [
        {"id": i, **{name: f"{kind}-{i}" for name, kind in zip(ODD_COLUMNS, kinds, strict=True)}}
        for i in range(1, rows + 1)
    ]
    with engine.begin() as conn:
        conn.execute(table.insert(), values)
    engine.dispose()
    return f"{w.sales}.odd_names"
