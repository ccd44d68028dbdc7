"""The admin page in headless Chromium, on a PostgreSQL warehouse and a source that is down."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dashapp.components import ids as shell_ids
from dashapp.pages.admin import ids
from tests.conftest import SettingsFactory
from tests.support.browser import horizontal_overflow, set_viewport, start
from tests.support.warehouse import Warehouse, postgres_warehouse

DASHBOARDS = """\
sources:
  warehouse:
    url: {url}
    title: Sales warehouse
  down:
    url: postgresql://nobody@127.0.0.1:1/none
tables:
  - source: warehouse
    name: sales.invoice
    id: invoices
    columns:
      total: {{label: Total, format: "currency:EUR"}}
    labels: {{CustomerId: FirstName}}
    kpis:
      - {{label: Revenue, agg: sum, column: total, format: "currency:EUR"}}
  - {{source: down, name: public.invoice, id: old_invoices}}
"""


@pytest.fixture(scope="module")
def warehouse() -> Iterator[Warehouse]:
    """The test warehouse on PostgreSQL."""
    with postgres_warehouse() as built:
        yield built


def _text(dash_duo: Any, css: str) -> str:
    return str(dash_duo.find_element(css).text)


def test_admin_sees_health_and_schema_beside_the_configuration(
    dash_duo: Any,
    dash_app_for: Any,
    settings_factory: SettingsFactory,
    warehouse: Warehouse,
    tmp_path: Path,
) -> None:
    path = tmp_path / "dashboards.yml"
    path.write_text(DASHBOARDS.format(url=warehouse.url))
    base = start(dash_duo, dash_app_for(settings_factory(dashboards=path)))
    # The navigation leads there (the development user is an admin).
    dash_duo.wait_for_element(".navbar .nav-link[href='/admin']", timeout=10).click()
    dash_duo.wait_for_text_to_equal(f"#{ids.health_badge('warehouse')}", "reachable", timeout=20)
    dash_duo.wait_for_text_to_equal(f"#{ids.health_badge('down')}", "unreachable", timeout=20)
    card = _text(dash_duo, f"#{ids.source_card('warehouse')}")
    assert "Sales warehouse" in card and "postgresql+psycopg2" in card
    # The configured table is open, its columns beside their labels and formats.
    assert "sales.invoice · configured as invoices" in card
    assert "Revenue: sum(total) (currency:EUR)" in card
    rows = dash_duo.driver.execute_script(
        "return [...document.querySelectorAll(arguments[0] + ' .accordion-collapse.show tr')]"
        ".map(r => [...r.children].map(c => c.textContent.trim()));",
        f"#{ids.source_card('warehouse')}",
    )
    assert ["total", "NUMERIC(10, 2)", "no", "", "Total", "currency:EUR", "yes"] in rows
    assert [
        "CustomerId", "INTEGER", "no", "→ CRM.Customer.CustomerId (label: FirstName)", "", "", "yes"
    ] in rows  # fmt: skip
    # Tables not configured are listed (collapsed), views marked.
    assert "sales.invoice_line" in card and "sales.country_sales (view)" in card
    down = _text(dash_duo, f"#{ids.source_card('down')}")
    assert "The source did not answer" in down
    assert dash_duo.driver.current_url == base + "/admin"
    set_viewport(dash_duo, 390, 844)
    assert horizontal_overflow(dash_duo) == 0  # wide column tables scroll inside their region
    assert dash_duo.find_elements(f"#{shell_ids.PAGE_DENIED}") == []
