"""KPIs, chart series and exports under the grid's filters."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from dashapp.dataview import aggregates
from dashapp.dataview.aggregates import ChartSpec, KpiSpec, MeasureSpec
from dashapp.dataview.config.spec import dashboard_spec
from dashapp.dataview.errors import GridQueryError
from dashapp.dataview.export import csv_chunks
from dashapp.dataview.query import build_query
from dashapp.dataview.schema import GridTable, discover_table
from dashapp.dataview.service import DataView, GridState
from dashapp.dataview.sheet import write_sheet
from tests.unit.grid.conftest import ROWS

FILTER = {"amount": {"filterType": "number", "type": "greaterThan", "filter": 100}}


def _kept() -> list[dict[str, object]]:
    return [r for r in ROWS if r["amount"] > 100]


def test_default_dashboard_finds_measure_date_and_dimensions(items: GridTable) -> None:
    spec = dashboard_spec(items)
    assert [k.measure for k in spec.kpis] == [
        MeasureSpec("sum", "amount"),
        MeasureSpec("avg", "amount"),
    ]
    assert spec.trend is not None and spec.trend.column == "created"
    assert spec.breakdown is not None and "category" in spec.dimensions
    assert spec.notes == {}


SUM_AMOUNT = MeasureSpec("sum", "amount")
RETURN_RATE = KpiSpec(
    "Return rate",
    ratio=(MeasureSpec("count", filter=(("status", "eq", "returned"),)), MeasureSpec("count")),
)


def test_kpis_trend_and_breakdown_follow_filters(engine: sa.Engine, items: GridTable) -> None:
    query = build_query(items, filter_model=FILTER)
    kept = _kept()
    specs = (KpiSpec("Revenue", SUM_AMOUNT), RETURN_RATE)
    with engine.connect() as conn:
        revenue, rate = aggregates.kpis(conn, query, specs)
        trend = aggregates.trend(conn, query, ChartSpec("trend", "created", SUM_AMOUNT))
        bars = aggregates.breakdown(conn, query, ChartSpec("breakdown", "category", SUM_AMOUNT))
    assert revenue.value == pytest.approx(float(sum(r["amount"] for r in kept)))  # type: ignore[misc]
    returned = sum(r["status"] == "returned" for r in kept)
    assert rate.value == pytest.approx(returned / len(kept))
    months = {r["created"].strftime("%Y-%m") for r in kept}  # type: ignore[attr-defined]
    assert [m for m, _, _ in trend] == sorted(months)
    assert sum(n for _, n, _ in trend) == len(kept)
    assert {v for v, _, _ in bars} == {r["category"] for r in kept}
    assert [s for _, _, s in bars] == sorted((s for _, _, s in bars), reverse=True)


def test_breakdown_refuses_unknown_dimension(engine: sa.Engine, items: GridTable) -> None:
    query = build_query(items)
    with engine.connect() as conn, pytest.raises(GridQueryError):
        aggregates.breakdown(conn, query, ChartSpec("breakdown", "amount; --"))


def test_csv_export_is_the_filtered_sorted_result(engine: sa.Engine, items: GridTable) -> None:
    query = build_query(
        items, filter_model=FILTER, sort_model=[{"colId": "amount", "sort": "desc"}]
    )
    columns = ["id", "name", "amount", "created"]
    text = "".join(csv_chunks(engine, query, columns, limit=10_000, timeout_ms=5000))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Id", "Name", "Amount", "Created"]
    kept = sorted(_kept(), key=lambda r: (-r["amount"], -r["id"]))  # type: ignore[operator]
    assert [int(r[0]) for r in rows[1:]] == [r["id"] for r in kept]
    assert [Decimal(r[2]) for r in rows[1:]] == [r["amount"] for r in kept]
    names = {r[1] for r in rows[1:]}
    assert "=SUM(A1)" not in names  # formula-looking text is quoted against CSV injection
    if any(r["name"] == "=SUM(A1)" for r in kept):
        assert "'=SUM(A1)" in names


def test_csv_export_respects_limit(engine: sa.Engine, items: GridTable) -> None:
    text = "".join(csv_chunks(engine, build_query(items), ["id"], limit=7, timeout_ms=5000))
    assert text.splitlines() == ["Id", *(str(i) for i in range(1, 8))]  # headed by its label


def test_xlsx_export_writes_rows_and_keeps_text_as_text(
    engine: sa.Engine, items: GridTable
) -> None:
    query = build_query(items, sort_model=[{"colId": "id", "sort": "asc"}])
    target = io.BytesIO()
    written = write_sheet(
        engine, query, ["id", "name", "amount"], target, limit=100, timeout_ms=5000
    )
    assert written == 100
    sheet = load_workbook(io.BytesIO(target.getvalue()), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Id", "Name", "Amount")
    assert [v[0] for v in values[1:]] == list(range(1, 101))
    formula_rows = [v for v in values[1:] if v[1] == "=SUM(A1)"]
    assert formula_rows == [v for v in values[1:] if ROWS[v[0] - 1]["name"] == "=SUM(A1)"]


def test_dataview_rows_counts_and_whitelist(engine: sa.Engine) -> None:
    view = DataView(engine, ["items"], timeout_ms=5000)
    state = GridState.from_mapping({"filterModel": FILTER, "sortModel": [], "quick": ""})
    result = view.rows("items", state, 0, 25)
    assert result.row_count == len(_kept())
    assert len(result.rows) == 25
    assert isinstance(result.rows[0]["amount"], float)
    assert isinstance(result.rows[0]["created"], str)
    with pytest.raises(GridQueryError, match="not available"):
        view.rows("sqlite_master", state, 0, 25)
    with pytest.raises(GridQueryError):
        view.rows("items", state, -5, 10)
    summary = view.summary("items", state, None)
    assert view.rows_count("items", state) == len(_kept()) and summary.trend and summary.breakdown


@given(
    st.lists(
        st.text(alphabet=st.sampled_from('ab ,"\r\n\t;é日='), max_size=12), min_size=1, max_size=8
    )
)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_csv_rows_read_back_as_written_whatever_the_text(
    tmp_path_factory: pytest.TempPathFactory, texts: list[str]
) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path_factory.mktemp('csv')}/t.db")
    meta = sa.MetaData()
    notes = sa.Table(
        "notes", meta, sa.Column("id", sa.Integer, primary_key=True), sa.Column("body", sa.Text)
    )
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(notes.insert(), [{"id": i, "body": t} for i, t in enumerate(texts, 1)])
    table = discover_table(engine, "notes")
    query = build_query(table, sort_model=[{"colId": "id", "sort": "asc"}])
    text = "".join(csv_chunks(engine, query, ["id", "body"], limit=100, timeout_ms=5000))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    # A lone \r no longer splits a row; text that a spreadsheet would run gets a quote first.
    guarded = ["'" + t if t[:1] in ("=", "\t", "\r") else t for t in texts]
    assert [row[1] for row in rows[1:]] == guarded
    engine.dispose()
