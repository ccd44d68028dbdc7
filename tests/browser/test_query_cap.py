"""At the per-user cap on data queries the page waits its turn: the server answers 429 and the
page sends the same request again after the Retry-After, with nothing lost and no error shown."""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Response

from dashapp.extensions import db
from dashapp.pages.dataview import ids
from dashapp.seeding.seed import seed
from dashapp.seeding.seed_data import SeedPlan
from dashapp.web.slots import SlotKind, user_slots
from tests.conftest import SettingsFactory
from tests.support.browser import start

HOLD_S = 2.5


def test_queries_over_the_cap_are_retried_until_the_page_is_whole(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory
) -> None:
    app = dash_app_for(settings_factory(dataview_queries_per_user=1))
    server = app.server
    with server.app_context():
        seed(db.engine, SeedPlan.for_orders(2_000))
    refused: list[str] = []

    @server.after_request
    def _count_refusals(response: Response) -> Response:
        if response.status_code == 429:
            refused.append(response.headers.get("Retry-After", ""))
        return response

    # Another tab of the same user holds the only slot while this page opens.
    held = threading.Event()

    def other_tab() -> None:
        with server.app_context(), user_slots(SlotKind.QUERY).held("dev"):
            held.set()
            time.sleep(HOLD_S)

    holder = threading.Thread(target=other_tab)
    holder.start()
    assert held.wait(10)
    start(dash_duo, app)
    dash_duo.wait_for_text_to_equal(f"#{ids.KPI_ROWS}", "2,000", timeout=30)
    dash_duo.wait_for_element(f"#{ids.GRID} .ag-row", timeout=30)
    holder.join()
    assert refused and set(refused) == {"1"}, refused  # the cap was met, and retried
    assert dash_duo.find_elements("#dashapp-request-errors .alert") == []
