"""dashapp: a Flask server with the Dash UI mounted; `create_app` builds one."""

from __future__ import annotations

from typing import TYPE_CHECKING

# Nothing heavy is imported here: `dashapp --help` and the recipe API import this package.
if TYPE_CHECKING:
    from flask import Flask

    from dashapp.settings import Settings

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> Flask:
    """Build the Flask server, its extensions, the Dash UI and the routes for `settings`."""
    from flask import Flask
    from werkzeug.middleware.proxy_fix import ProxyFix

    from dashapp.background import MANAGERS_KEY, make_managers, start_job_processes
    from dashapp.cli import register_cli
    from dashapp.dash_app import build_dash_app
    from dashapp.database import init_database
    from dashapp.jobs.celery_apps import CELERY_APPS_KEY, make_celery_apps
    from dashapp.page_status import install_page_status, install_schema_gate
    from dashapp.routes import blueprints
    from dashapp.schema_state import upgrade_embedded_database
    from dashapp.settings import load_settings
    from dashapp.training.run_limits import hard_time_limit_s
    from dashapp.web.callback_guard import install_request_auth
    from dashapp.web.errors import register_error_handlers
    from dashapp.web.logging_setup import configure_logging, install_request_ids
    from dashapp.web.request_text import install_nul_guard
    from dashapp.web.security import install_security_headers

    settings = settings or load_settings()
    configure_logging(settings)
    settings.instance_path.mkdir(parents=True, exist_ok=True)

    server = Flask(__name__, instance_path=str(settings.instance_path))
    server.config.update(
        SECRET_KEY=settings.effective_secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=settings.max_request_mb * 1024 * 1024,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
    )
    server.extensions["dashapp_settings"] = settings
    if settings.proxy_hops:
        # Rewrites remote_addr/scheme/host from X-Forwarded-*; auth.peer_is_trusted still
        # checks the original peer before believing identity headers.
        server.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            server.wsgi_app,
            x_for=settings.proxy_hops,
            x_proto=settings.proxy_hops,
            x_host=settings.proxy_hops,
            x_prefix=settings.proxy_hops,
        )

    init_database(server, settings)
    if settings.embedded_database:
        # A fresh clone needs no `init-db`: the embedded SQLite file upgrades itself.
        upgrade_embedded_database(server, settings.instance_path)
    celery_apps = make_celery_apps(settings, hard_time_limit_s(settings))
    server.extensions[CELERY_APPS_KEY] = celery_apps
    managers = make_managers(settings, celery_apps)
    server.extensions[MANAGERS_KEY] = managers
    from dashapp.training.run_queue import install_run_queue

    install_run_queue(
        server, celery_apps, managers.training
    )  # sweeps queue runs by id, without a browser
    install_request_ids(server, settings)
    install_nul_guard(server)
    if not settings.embedded_database:
        install_schema_gate(server)
    dash_app = build_dash_app(server, settings)
    install_request_auth(server, dash_app, settings)
    install_page_status(server, dash_app, settings)
    for blueprint in blueprints():
        server.register_blueprint(blueprint)
    # After every callback is registered: the CSP hashes Dash's inline scripts.
    install_security_headers(server, dash_app, settings)
    register_error_handlers(server)
    register_cli(server)
    from dashapp.dataview.binding import install_dataview

    install_dataview(server, settings)  # a bad dashboards file stops start-up here
    start_job_processes(managers)  # it forks, and the helper must see every callback
    from dashapp.periodic import start_embedded_sweeper

    start_embedded_sweeper(server, settings)  # after the fork: the helper holds no lock file
    return server


__all__ = ["create_app"]
