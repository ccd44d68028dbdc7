"""First run: the embedded default sets itself up; a shared database that is behind says so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner
from flask_migrate import upgrade

from dashapp import create_app
from dashapp.cli import main
from dashapp.extensions import db
from dashapp.schema_state import RECHECK_S, schema_status
from dashapp.settings import PROJECT_ROOT, load_settings
from tests.support.gunicorn import start_web
from tests.support.services import throwaway_postgres_database, with_driver

BROWSER = {"Accept": "text/html,*/*;q=0.8"}


def clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DASHAPP_") and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(DASHAPP_LOG_JSON="false", PYTHONPATH=str(PROJECT_ROOT), **extra)
    return env


def test_embedded_app_creates_its_schema_on_a_fresh_instance(tmp_path: Path) -> None:
    server = create_app(load_settings(instance_path=tmp_path, log_json=False))
    with server.app_context():
        assert schema_status(db.engine).at_head
        db.engine.dispose()
    client = server.test_client()
    assert client.get("/", headers=BROWSER).status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_gunicorn_on_a_fresh_clone_just_works(tmp_path: Path) -> None:
    # Two workers start at once on an empty instance folder: one migrates, the other waits.
    web = start_web(clean_env(DASHAPP_INSTANCE_PATH=str(tmp_path / "instance")), tmp_path)
    try:
        assert requests.get(f"{web.url}/", timeout=10).status_code == 200
        assert requests.get(f"{web.url}/_dash-layout", timeout=10).status_code == 200
        ready = requests.get(f"{web.url}/readyz", timeout=10)
        assert ready.status_code == 200, ready.text
        assert "Traceback" not in web.log()
    finally:
        web.stop()


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    """A PostgreSQL database with no dashapp tables at all."""
    with throwaway_postgres_database("dashapp_firstrun") as url:
        yield with_driver(url)


@pytest.mark.postgres
def test_shared_database_behind_head_refuses_pages_and_fails_readiness(
    empty_postgres: str, tmp_path: Path
) -> None:
    settings = load_settings(
        instance_path=tmp_path,
        log_json=False,
        database_url=empty_postgres,
        secret_key="x",
        training_sweep_every_s=0,  # no sweeper thread outliving the dropped database
    )
    server = create_app(settings)
    client = server.test_client()

    page = client.get("/", headers=BROWSER)
    assert page.status_code == 503
    assert page.mimetype == "text/html"
    body = page.get_data(as_text=True)
    assert "being upgraded" in body
    assert "0001_initial" in body and "dashapp init-db" in body
    assert page.headers["Retry-After"]
    assert client.get("/_dash-layout").status_code == 503

    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["schema"] == "failed"
    assert "0001_initial" in ready.get_json()["missing_migrations"]
    assert client.get("/healthz").status_code == 200

    with server.app_context():
        upgrade(revision="heads")
    time.sleep(RECHECK_S + 0.2)  # the gate looks again while behind, at most this often
    assert client.get("/", headers=BROWSER).status_code == 200
    assert client.get("/readyz").get_json()["checks"]["schema"] == "ok"
    with server.app_context():
        db.engine.dispose()


@pytest.mark.postgres
def test_seed_before_init_db_says_what_to_run(empty_postgres: str, tmp_path: Path) -> None:
    env: dict[str, str | None] = {
        "DATABASE_URL": empty_postgres,
        "DASHAPP_INSTANCE_PATH": str(tmp_path),
        # Flask's CLI sets FLASK_RUN_FROM_CLI=true for good, after which app.run() returns at
        # once: every later dash_duo server in this process "failed to start". Listing it here
        # makes the runner put the variable back as it was.
        "FLASK_RUN_FROM_CLI": None,
    }
    result = CliRunner().invoke(main, ["seed", "--rows", "10"], env=env)
    assert result.exit_code != 0
    assert "Run `dashapp init-db`" in result.output
    assert "missing migrations: 0001_initial" in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, AssertionError)

    assert CliRunner().invoke(main, ["init-db"], env=env).exit_code == 0
    seeded = CliRunner().invoke(main, ["seed", "--rows", "50"], env=env)
    assert seeded.exit_code == 0, seeded.output
    assert "Seeded 50 orders" in seeded.output


def _run_cli_and_list_modules(*args: str) -> dict[str, Any]:
    """Run the CLI in a fresh interpreter; report its output and which heavy modules it loaded."""
    script = (
        "import io, json, sys, contextlib\n"
        "from dashapp.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    try:\n"
        f"        main({list(args)!r}, prog_name='dashapp')\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = ['dash', 'plotly', 'sqlalchemy', 'torch', 'celery', 'pandas', 'dashapp.models']\n"
        "print(json.dumps({'out': out.getvalue(),"
        " 'loaded': [m for m in heavy if m in sys.modules]}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=60,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_cli_help_lists_commands_without_building_the_app() -> None:
    result = _run_cli_and_list_modules("--help")
    for command in ("init-db", "seed", "run", "shell"):
        assert command in result["out"]
    # What made `dashapp --help` take 12 s: importing Dash, SQLAlchemy and torch for it.
    assert result["loaded"] == []


def test_cli_version_is_dashapps_own() -> None:
    from importlib.metadata import version

    result = _run_cli_and_list_modules("--version")
    assert result["out"].strip() == f"dashapp, version {version('dashapp')}"
    assert "Flask" not in result["out"]


def test_migrations_have_one_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
