"""The dashboards file: the minimal form, ${VAR} expansion, and errors naming file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashapp.dataview.config import DashboardsError, load_dashboards, parse_dashboards
from dashapp.dataview.config.startup import DEMO_FILE

MINIMAL = """\
sources:
  music:
    url: ${MUSIC_DATABASE_URL}     # ${VAR} expands from the environment
tables:
  - source: music
    name: public.invoice
    id: invoices
  - source: music
    name: public.customer
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(DashboardsError) as caught:
        parse_dashboards(text, "d.yml")
    return caught.value.problems


def test_minimal_form_with_environment_and_default_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUSIC_DATABASE_URL", "postgresql://reader:secret@db/music")
    loaded = parse_dashboards(MINIMAL, "d.yml")
    assert loaded.config.sources["music"].url == "postgresql://reader:secret@db/music"
    assert [t.key for t in loaded.config.tables] == ["invoices", "music.public.customer"]
    assert loaded.config.tables[0].schema_and_table == ("public", "invoice")
    assert loaded.where(("tables", 1, "name")) == "d.yml:9"


def test_unset_variable_is_named_with_its_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MUSIC_DATABASE_URL", raising=False)
    problems = _problems(MINIMAL)
    assert problems[0].startswith("d.yml:3: environment variable ${MUSIC_DATABASE_URL} is not set")


def test_default_value_in_a_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MUSIC_DATABASE_URL", raising=False)
    text = MINIMAL.replace("${MUSIC_DATABASE_URL}", "${MUSIC_DATABASE_URL:-sqlite://}")
    assert parse_dashboards(text).config.sources["music"].url == "sqlite://"


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (
            (
                "source: music\n    name: public.customer",
                "source: musci\n    name: public.customer",
            ),
            8,
            "unknown source 'musci'",
        ),
        (("id: invoices", "id: invoices\n    colour: red"), 8, "Extra inputs are not permitted"),
        (
            ("id: invoices", "id: invoices\n    columns: {total: {format: money}}"),
            8,
            "unknown format 'money'",
        ),
        (
            ("id: invoices", "id: invoices\n    kpis: [{label: X, agg: median, column: total}]"),
            8,
            "kpis.0.agg",
        ),
        (
            ("id: invoices", "id: invoices\n    kpis: [{label: X, agg: sum}]"),
            8,
            "sum needs a column",
        ),
        (("id: invoices", "id: 'in voices'"), 7, "an id is 1-80 letters"),
        (
            ("name: public.customer", "name: public.invoice\n    id: invoices"),
            10,
            "table id 'invoices' is used twice",
        ),
        (("tables:", "tables: [\n"), 6, "YAML syntax"),
    ],
)
def test_problems_name_the_file_and_line(
    monkeypatch: pytest.MonkeyPatch, change: tuple[str, str], line: int, message: str
) -> None:
    monkeypatch.setenv("MUSIC_DATABASE_URL", "sqlite://")
    problems = _problems(MINIMAL.replace(*change, 1))
    assert any(p.startswith(f"d.yml:{line}:") and message in p for p in problems), problems


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DashboardsError, match="missing.yml: cannot read"):
        load_dashboards(tmp_path / "missing.yml")


def test_the_shipped_demo_file_is_valid() -> None:
    loaded = load_dashboards(DEMO_FILE)
    orders = loaded.config.tables[0]
    assert orders.key == "orders"
    assert [k.label for k in orders.kpis or ()] == ["Net revenue", "Return rate"]


def test_an_unreachable_source_is_a_message_not_a_crash(sqlite_engine: object) -> None:
    import sqlalchemy as sa

    from dashapp.dataview.config.catalog import build_catalog
    from dashapp.dataview.config.checks import check_catalog
    from dashapp.dataview.errors import GridQueryError
    from dashapp.dataview.service import DataView, GridState
    from dashapp.dataview.sources import check_health

    text = "sources:\n  gone:\n    url: postgresql://nobody@127.0.0.1:1/none\n"
    text += "tables:\n  - {source: gone, name: public.t, id: t, title: T}\n"
    assert isinstance(sqlite_engine, sa.Engine)
    catalog = build_catalog(parse_dashboards(text, "d.yml"), sqlite_engine, 1000)
    problems, unreachable = check_catalog(catalog)
    assert problems == [] and "gone" in unreachable
    assert not check_health(catalog.sources["gone"]).ok
    with pytest.raises(GridQueryError, match="data source 'gone' did not answer"):
        DataView(catalog).rows("t", GridState(), 0, 10)
    catalog.dispose()


def test_date_presets_cover_whole_days() -> None:
    import datetime as dt

    from dashapp.pages.dataview.chips import preset_filter, preset_range

    today = dt.date(2026, 5, 17)
    assert preset_range("today", today) == (today, today)
    assert preset_range("7d", today) == (dt.date(2026, 5, 11), today)
    assert preset_range("quarter", today) == (dt.date(2026, 4, 1), today)
    assert preset_range("year", today) == (dt.date(2026, 1, 1), today)
    assert preset_filter("month", today)["dateFrom"] == "2026-05-01 00:00:00"
    with pytest.raises(ValueError):
        preset_range("forever", today)


def test_custom_date_range_is_checked_and_inclusive() -> None:
    import datetime as dt

    from dashapp.pages.dataview.chips import custom_range, range_filter

    assert custom_range("2026-01-05", "2026-02-10T00:00:00") == (
        dt.date(2026, 1, 5),
        dt.date(2026, 2, 10),
    )
    assert custom_range("2026-02-10", "2026-01-05") == "The end date is before the start date."
    assert custom_range("yesterday", "2026-01-05") == "Enter both dates as YYYY-MM-DD."
    model = range_filter(dt.date(2026, 1, 5), dt.date(2026, 1, 5))
    assert model == {
        "filterType": "date",
        "type": "inRange",
        "dateFrom": "2026-01-05 00:00:00",
        "dateTo": "2026-01-05 00:00:00",
    }
