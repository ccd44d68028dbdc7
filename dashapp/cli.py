"""Command line: `dashapp init-db`, `dashapp seed`, plus Flask's `run`, `shell` and `db`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade
from tqdm import tqdm

from dashapp.extensions import db


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema to the newest migration."""
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
    from dashapp.services.seed import order_count, seed
    from dashapp.services.seed_data import SeedPlan

    engine = db.engine
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
    """Attach our commands to the app's `flask` command group."""
    server.cli.add_command(init_db_command)
    server.cli.add_command(seed_command)


def _create_app() -> Flask:
    from dashapp import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """Manage dashapp: init-db, seed, run, shell, db (migrations)."""
