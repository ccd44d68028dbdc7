"""The Excel button in headless Chromium: a background job with progress, then a download link."""

from __future__ import annotations

import io
import time
from typing import Any

import requests
from flask_migrate import upgrade
from openpyxl import load_workbook

from dashapp import create_app
from dashapp.extensions import db
from dashapp.pages.dataview import ids
from dashapp.seeding.seed import seed
from dashapp.seeding.seed_data import SeedPlan
from tests.conftest import SettingsFactory
from tests.support.browser import start

ROWS = 60_000


def test_excel_button_builds_the_file_in_the_background(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory
) -> None:
    settings = settings_factory()
    server = create_app(settings)
    with server.app_context():
        upgrade(revision="heads")
        seed(db.engine, SeedPlan.for_orders(ROWS))
        db.engine.dispose()
    base = start(dash_duo, dash_app_for(settings))
    dash_duo.wait_for_element('#dash-grid .ag-row[row-index="0"]', timeout=30)
    assert not dash_duo.find_element(f"#{ids.XLSX_PROGRESS_WRAP}").is_displayed()
    dash_duo.find_element(f"#{ids.EXPORT_XLSX}").click()
    # While the job runs: the button is disabled and the page shows how far it got.
    dash_duo.wait_for_element(f"#{ids.EXPORT_XLSX}:disabled", timeout=20)
    seen = set()
    deadline = time.monotonic() + 240
    link = []
    while time.monotonic() < deadline and not link:
        text = dash_duo.driver.execute_script(
            "var e = document.getElementById(arguments[0]);"
            "return e && !e.closest('[hidden]') ? e.textContent : '';",
            ids.XLSX_PROGRESS_TEXT,
        )
        if text:
            seen.add(text)
        link = dash_duo.driver.find_elements("css selector", f"#{ids.XLSX_RESULT} a")
        time.sleep(0.1)
    assert link, "no download link appeared"
    assert any(t.startswith("Building the Excel file") for t in seen), seen
    assert dash_duo.find_element(f"#{ids.EXPORT_XLSX}").is_enabled()
    assert "Ready:" in dash_duo.find_element(f"#{ids.XLSX_RESULT}").text
    assert not dash_duo.find_element(f"#{ids.XLSX_PROGRESS_WRAP}").is_displayed()
    href = link[0].get_attribute("href")
    response = requests.get(href, timeout=60)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Order", "Date") and len(rows) == ROWS + 1
    assert base in href
