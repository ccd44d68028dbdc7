"""Command line: `dashapp init-db`, `dashapp seed`, plus Flask's `run`, `shell`, `routes`, `db`.

`dashapp --help` and `--version` must answer at once, so this module imports no part of the app
(Dash, SQLAlchemy, the models): each command imports what it needs when it runs, and the group
lists its commands without building the app.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

import click
from flask.cli import FlaskGroup, with_appcontext

if TYPE_CHECKING:
    from flask import Flask


def _dashapp_version() -> str:
    try:
        return version("dashapp")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema to the newest migration."""
    from flask_migrate import upgrade

    upgrade(revision="heads")
    click.echo("Database schema is up to date.")


@click.command("seed")
@click.option(
    "--rows",
    default=100_000,
    show_default=True,
    type=click.IntRange(1, 50_000_000),
    help="Number of orders to generate.",
)
@click.option("--if-empty", is_flag=True, help="Do nothing when orders already exist.")
@with_appcontext
def seed_command(rows: int, if_empty: bool) -> None:
    """Fill the demo tables (customers, products, orders) with realistic data."""
    from tqdm import tqdm

    from dashapp.extensions import db
    from dashapp.schema_state import schema_status
    from dashapp.seeding.seed import order_count, seed
    from dashapp.seeding.seed_data import SeedPlan

    engine = db.engine
    status = schema_status(engine)
    if not status.at_head:
        raise click.ClickException(f"Cannot seed yet. {status.describe()}")
    if if_empty and order_count(engine) > 0:
        click.echo("Demo data already present; skipping (drop --if-empty to reseed).")
        return
    with tqdm(total=rows, unit="orders", unit_scale=True, desc="seeding") as bar:
        result = seed(engine, SeedPlan.for_orders(rows), on_rows=bar.update)  # type: ignore[arg-type]
    click.echo(
        f"Seeded {result.orders:,} orders, {result.customers:,} customers, "
        f"{result.products:,} products in {result.seconds:.1f} s "
        f"({result.orders_per_second:,.0f} orders/s) on {engine.dialect.name}."
    )


def register_cli(server: Flask) -> None:
    """Attach our commands to the app's `flask` command group (for `flask --app wsgi ...`)."""
    server.cli.add_command(init_db_command)
    server.cli.add_command(seed_command)


def _create_app() -> Flask:
    from dashapp import create_app

    return create_app()


class DashappGroup(FlaskGroup):
    """Flask's command group, minus building the app just to list the commands."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Our commands, Flask's built-ins and plugins (`db`), without loading the app."""
        self._load_plugin_commands()
        return sorted(click.Group.list_commands(self, ctx))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """Look the command up on the group first; only unknown names load the app."""
        self._load_plugin_commands()
        command = click.Group.get_command(self, ctx, name)
        if command is not None:
            return command
        return super().get_command(ctx, name)


@click.group(
    cls=DashappGroup,
    create_app=_create_app,
    add_default_commands=True,
    add_version_option=False,
    load_dotenv=False,
)
@click.version_option(_dashapp_version(), "--version", "-V", prog_name="dashapp")
def main() -> None:
    """Manage dashapp: init-db, seed, run, shell, routes, db (migrations)."""


main.add_command(init_db_command)
main.add_command(seed_command)


if __name__ == "__main__":  # `python -m dashapp.cli`, as the screenshot script runs it
    main()
