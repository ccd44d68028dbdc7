"""Server-side bounds of the compositor: per request, per user, per render; name clashes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from dashapp import create_app
from dashapp.compositing import library, uploads
from dashapp.compositing.geometry import PlacementError
from dashapp.compositing.images import ImageInputError
from dashapp.settings import current_settings
from tests.conftest import SettingsFactory
from tests.integration.compositor.test_library import data_url, layer, state, upload
from tests.support.domain import save_upload, storage_used
from tests.unit.compositing.helpers import noise_rgba, png_with_size, solid


@pytest.fixture
def server(settings_factory: SettingsFactory) -> Iterator[Flask]:
    app = create_app(
        settings_factory(
            compositor_max_files_per_upload=3,
            compositor_max_request_pixels=50_000,
            compositor_max_storage_mb=0.1,
            compositor_max_render_work=200_000,
        )
    )
    yield app
    from dashapp.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_request_bounded_in_files_and_pixels_before_decoding(server: Flask) -> None:
    small = data_url(solid(100, 100, (1, 2, 3, 255)))
    with server.app_context():
        with pytest.raises(ImageInputError, match="Too many files at once"):
            uploads.store_request("ann", [("a.png", small)] * 4, current_settings())
        with pytest.raises(ImageInputError, match="room for only 1 more"):
            uploads.store_request("ann", [("a.png", small)] * 2, current_settings(), room=1)
        # 100x100 x 5 = 50,000 pixels: the sixth file is over; a header-only bomb is refused
        # from its header alone (decoding it would take gigabytes).
        bomb = (
            "data:image/png;base64,"
            + __import__("base64").b64encode(png_with_size(40000, 40000)).decode()
        )
        outcome = uploads.store_request(
            "ann", [("a.png", small), ("bomb.png", bomb), ("b.png", small)], current_settings()
        )
        assert [u.name for u in outcome.stored] == ["a.png", "b.png"]
        assert [r.name for r in outcome.refused] == ["bomb.png"]
        many = uploads.store_request(
            "bob", [(f"{i}.png", small) for i in range(3)], current_settings()
        )
        assert len(many.stored) == 3


def test_request_pixel_total_refuses_the_file_that_goes_over(server: Flask) -> None:
    with server.app_context():
        files = [(f"{i}.png", data_url(solid(150, 150, (9, 9, 9, 255)))) for i in range(3)]
        outcome = uploads.store_request("cy", files, current_settings())
        # 22,500 pixels each: two fit in 50,000, the third does not.
        assert len(outcome.stored) == 2
        assert "megapixels" in outcome.refused[0].reason and outcome.refused[0].name == "2.png"


def test_storage_quota_per_user(server: Flask) -> None:
    noisy = data_url(noise_rgba(120, 120, seed=4))  # 50 KB each; the cap is 0.1 MB
    with server.app_context():
        outcome = uploads.store_request(
            "dee", [(f"{i}.png", noisy) for i in range(3)], current_settings()
        )
        assert len(outcome.stored) == 2
        assert "storage is full" in outcome.refused[0].reason
        assert storage_used("dee") <= 0.1 * 2**20
        # Another user has their own quota.
        assert save_upload("eve", "x.png", noisy, current_settings()).width == 120


def test_render_work_bounded(server: Flask) -> None:
    with server.app_context():
        bg = upload("fay", solid(400, 300, (0, 0, 0, 255)))
        fg = upload("fay", solid(10, 10, (255, 0, 0, 255)))
        # (1 layer + background) x 120,000 pixels = 240,000 > 200,000.
        with pytest.raises(PlacementError, match="too large"):
            library.export("fay", state(bg, layer(fg, 0, 0)), "png", 90, current_settings())


def test_name_clash_refused_unless_replace_and_delete_restores(server: Flask) -> None:
    with server.app_context():
        bg = upload("gus", solid(100, 80, (0, 0, 0, 255)))
        fg = upload("gus", solid(10, 10, (255, 0, 0, 255)))
        first = state(bg, layer(fg, 1, 1))
        cid = library.save_composite("gus", "Card", first, current_settings(), replace=False)
        with pytest.raises(library.NameTakenError, match="already exists"):
            library.save_composite(
                "gus", "Card", state(bg, layer(fg, 5, 5)), current_settings(), replace=False
            )
        assert library.composite_state("gus", cid)[1]["layers"][0]["x"] == first["layers"][0]["x"]
        assert library.free_name("gus", "Card") == "Card (2)"
        name, kept = library.delete_composite("gus", cid)
        assert library.list_composites("gus") == []
        assert library.restore_composite("gus", name, kept, current_settings()) == "Card"
        assert [c["name"] for c in library.list_composites("gus")] == ["Card"]
