"""Logs: one JSON object per line, tagged with the request id and user."""

from __future__ import annotations

import json
import logging

import pytest

from dashapp import create_app
from tests.conftest import SettingsFactory


def test_request_log_lines_are_json_with_request_id(
    settings_factory: SettingsFactory, capfd: pytest.CaptureFixture[str]
) -> None:
    server = create_app(settings_factory(log_json=True))

    @server.get("/_test/log")
    def _log_something() -> str:
        logging.getLogger("dashapp.test").warning("something happened")
        return "ok"

    server.test_client().get("/_test/log", headers={"X-Request-ID": "req-42"})
    lines = [line for line in capfd.readouterr().err.splitlines() if "something happened" in line]
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["message"] == "something happened"
    assert record["level"] == "WARNING"
    assert record["request_id"] == "req-42"
    assert record["user"] == "dev"
    assert record["path"] == "/_test/log"
