"""Download names in any script through real gunicorn: both compositor download routes answer
200 with an ASCII `filename=` and the name itself in `filename*=UTF-8''...` (a raw name in the
header made gunicorn answer a bare 500)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
import requests
from flask import Flask
from PIL import Image
from werkzeug.http import parse_options_header

from dashapp import create_app
from dashapp.compositing import library
from dashapp.extensions import db
from dashapp.models.compositor import CompositorRender
from dashapp.settings import current_settings, load_settings
from tests.integration.compositor.test_library import layer, state, upload
from tests.integration.production.conftest import production_env
from tests.support.gunicorn import WebProcess, start_web
from tests.unit.compositing.helpers import solid

OWNER = "victor"
VIEWER = {"X-Forwarded-User": OWNER, "X-Forwarded-Groups": "staff"}
NAMES = ["Ωmega 日本", "Привет мир", "שלום عربي", "🎉 party", "日本"]

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("names-instance")


@pytest.fixture(scope="module")
def made(pg_url: str, instance: Path) -> Iterator[dict[str, tuple[int, int]]]:
    """For each name: a saved composite and a finished render of `OWNER`'s, by the app's code."""
    app: Flask = create_app(
        load_settings(
            instance_path=instance, database_url=pg_url, redis_url=None, log_json=False,
            training_sweep_every_s=0,
        )
    )  # fmt: skip
    ids: dict[str, tuple[int, int]] = {}
    with app.app_context():
        bg = upload(OWNER, solid(64, 48, (0, 0, 255, 255)), "bg.png")
        fg = upload(OWNER, solid(8, 8, (255, 0, 0, 255)), "fg.png")
        placed = state(bg, layer(fg, 4, 4))
        for name in NAMES:
            cid = library.save_composite(OWNER, name, placed, current_settings())
            render = CompositorRender(
                owner=OWNER, name=name, format="png", quality=90, state={}, status="done",
                data=b"\x89PNG fake", mimetype="image/png",
            )  # fmt: skip
            db.session.add(render)
            db.session.commit()
            ids[name] = (cid, render.id)
        db.session.remove()
        db.engine.dispose()
    yield ids


@pytest.fixture(scope="module")
def web(
    pg_url: str, redis_url: str, instance: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WebProcess]:
    process = start_web(
        production_env(pg_url, redis_url, instance),
        tmp_path_factory.mktemp("names-web"),
        workers=1,
        threads=2,
    )
    yield process
    process.stop()


def _filename_star(header: str) -> str:
    star = header.split("filename*=", 1)[1].split(";", 1)[0]
    assert star.startswith("UTF-8''")
    return unquote(star.removeprefix("UTF-8''"), encoding="utf-8", errors="strict")


@pytest.mark.parametrize("name", NAMES)
def test_both_compositor_downloads_keep_the_name_in_any_script(
    web: WebProcess, made: dict[str, tuple[int, int]], name: str
) -> None:
    composite_id, render_id = made[name]
    composite = requests.get(
        f"{web.url}/compositor/composites/{composite_id}/download",
        params={"format": "png"}, headers=VIEWER, timeout=30,
    )  # fmt: skip
    render = requests.get(
        f"{web.url}/compositor/renders/{render_id}/download", headers=VIEWER, timeout=30
    )
    for response in (composite, render):
        assert response.status_code == 200, (response.status_code, response.text[:200])
        header = response.headers["Content-Disposition"]
        header.encode("ascii")
        kind, options = parse_options_header(header)
        assert kind == "attachment" and options["filename"] == f"{name}.png"
        assert _filename_star(header) == f"{name}.png"
        fallback = header.split("filename=", 1)[1].split(";", 1)[0].strip('"')
        assert fallback.isascii() and fallback.endswith(".png") and fallback != ".png"
    assert Image.open(io.BytesIO(composite.content)).size == (64, 48)
    assert render.content == b"\x89PNG fake"
    if name == "Ωmega 日本":
        assert "filename=mega.png;" in composite.headers["Content-Disposition"]
