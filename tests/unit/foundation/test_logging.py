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


def test_a_request_id_from_outside_the_trusted_proxies_is_replaced(
    settings_factory: SettingsFactory, capfd: pytest.CaptureFixture[str]
) -> None:
    server = create_app(settings_factory(log_json=True, trusted_proxies=["10.0.0.0/8"]))

    @server.get("/_test/log")
    def _log_something() -> str:
        logging.getLogger("dashapp.test").warning("spoof check")
        return "ok"

    client = server.test_client()
    forged = client.get(
        "/_test/log",
        headers={"X-Request-ID": "forged-id"},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},  # a client, not the proxy
    )
    proxied = client.get(
        "/_test/log", headers={"X-Request-ID": "proxy-id"}, environ_base={"REMOTE_ADDR": "10.1.2.3"}
    )
    lines = [json.loads(x) for x in capfd.readouterr().err.splitlines() if "spoof check" in x]
    assert [line["request_id"] for line in lines][1] == "proxy-id"
    generated = lines[0]["request_id"]
    assert generated != "forged-id" and len(generated) == 32  # a fresh uuid4 hex
    assert forged.headers["X-Request-ID"] == generated
    assert proxied.headers["X-Request-ID"] == "proxy-id"
