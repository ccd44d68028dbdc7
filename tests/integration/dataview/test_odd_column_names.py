"""Columns named with `.`, brackets, spaces and quotes: their values and filters through the
grid's block callback, on a PostgreSQL warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from dashapp import create_app
from dashapp.dataview.binding import current_dataview
from dashapp.pages.dataview import ids
from tests.conftest import SettingsFactory
from tests.support.dash_requests import callbacks_of
from tests.support.warehouse import ODD_COLUMNS, add_odd_names_table, postgres_warehouse

DASHBOARDS = """\
sources:
  warehouse:
    url: ${{WAREHOUSE_URL}}
tables:
  - source: warehouse
    name: {table}
    id: odd
"""


@pytest.fixture(scope="module")
def odd_table() -> Iterator[tuple[str, str]]:
    with postgres_warehouse() as w:
        yield w.source_url, add_odd_names_table(w)


@pytest.fixture
def server(
    odd_table: tuple[str, str],
    settings_factory: SettingsFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Flask]:
    url, table = odd_table
    path = tmp_path / "dashboards.yml"
    path.write_text(DASHBOARDS.format(table=table))
    monkeypatch.setenv("WAREHOUSE_URL", url)
    app = create_app(settings_factory(dashboards=path))
    yield app
    with app.app_context():
        current_dataview().catalog.dispose()


def block(server: Flask, filter_model: dict[str, Any], sort: list[Any]) -> dict[str, Any]:
    request = {"startRow": 0, "endRow": 100, "sortModel": sort, "filterModel": filter_model}
    response = callbacks_of(server).post(
        server.test_client(),
        f"{ids.ROWS}.data",
        inputs={f"{ids.GRID}.getRowsRequest": request},
        state={f"{ids.TABLE}.data": "odd"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    answer: dict[str, Any] = response.get_json()["response"][ids.ROWS]["data"]
    assert answer["error"] == "", answer["error"]
    return answer


@pytest.mark.parametrize("column", ODD_COLUMNS)
def test_an_odd_column_reads_filters_and_sorts_by_its_real_name(server: Flask, column: str) -> None:
    everything = block(server, {}, [{"colId": column, "sort": "desc"}])
    rows = everything["rowData"]
    assert len(rows) == 6
    assert all(column in row for row in rows)  # the key is the name, not a nested path
    assert [row[column].rsplit("-", 1)[1] for row in rows] == ["6", "5", "4", "3", "2", "1"]
    model = {column: {"filterType": "text", "type": "endsWith", "filter": "-3"}}
    filtered = block(server, model, [])
    assert [row["id"] for row in filtered["rowData"]] == [3]
