"""Compositor storage, export and HTTP routes on SQLite: per-user, limits on the server."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from flask import Flask
from PIL import Image

from dashapp import create_app
from dashapp.compositing import library
from dashapp.compositing.geometry import PlacementError
from dashapp.compositing.images import ImageInputError
from dashapp.settings import Settings, current_settings
from tests.conftest import SettingsFactory
from tests.support.domain import save_upload
from tests.unit.compositing.helpers import encoded, noise_rgba, png_with_size, solid


def data_url(image: Image.Image, fmt: str = "PNG") -> str:
    return "data:image/png;base64," + base64.b64encode(encoded(image, fmt)).decode()


@pytest.fixture
def server(settings_factory: SettingsFactory) -> Iterator[Flask]:
    app = create_app(settings_factory(compositor_max_upload_mb=1, compositor_max_pixels=4_000_000))
    yield app
    from dashapp.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def upload(owner: str, image: Image.Image, name: str = "x.png") -> library.Uploaded:
    return save_upload(owner, name, data_url(image), current_settings())


def state(bg: library.Uploaded, *layers: dict[str, Any]) -> dict[str, Any]:
    return {"background": bg.as_dict(), "layers": list(layers)}


def layer(fg: library.Uploaded, left: int, top: int, **kw: Any) -> dict[str, Any]:
    return {
        **fg.as_dict(),
        "x": left + fg.width / 2,
        "y": top + fg.height / 2,
        **kw,
    }


def test_upload_export_places_foreground_exactly(server: Flask) -> None:
    fg_image = noise_rgba(31, 17, seed=3)
    with server.app_context():
        bg = upload("ann", solid(300, 200, (0, 0, 255, 255)), "bg.png")
        fg = upload("ann", fg_image, "fg.png")
        out = library.export("ann", state(bg, layer(fg, 101, 57)), "png", 90, current_settings())
    result = np.asarray(Image.open(io.BytesIO(out.data)))
    assert np.array_equal(result[57 : 57 + 17, 101 : 101 + 31], np.asarray(fg_image))
    assert (result[:57, :, 2] == 255).all()


def test_gallery_save_list_reopen_download_delete(server: Flask) -> None:
    client = server.test_client()
    with server.app_context():
        bg = upload("dev", solid(400, 300, (0, 255, 0, 255)))
        fg = upload("dev", solid(40, 40, (255, 0, 0, 255)))
        saved = state(bg, layer(fg, 10, 10, rotation=15.0))
        cid = library.save_composite("dev", "  My   card ", saved, current_settings())
        assert library.save_composite("dev", "My card", saved, current_settings()) == cid
        assert [c["name"] for c in library.list_composites("dev")] == ["My card"]
        assert library.list_composites("someone-else") == []
        name, reopened = library.composite_state("dev", cid)
        # Stored in its validated form: every field explicit, our URLs, nothing else.
        expected_layer = {
            **saved["layers"][0],
            **{"scale_x": 1.0, "scale_y": 1.0, "opacity": 1.0, "z": 0, "visible": True},
            **{"flip_x": False, "flip_y": False, "locked": False},
            **{"crop_left": 0, "crop_top": 0, "crop_right": 0, "crop_bottom": 0},
        }
        assert name == "My card"
        assert reopened == {
            "version": 1,
            "background": saved["background"],
            "layers": [expected_layer],
        }
    thumb = client.get(f"/compositor/composites/{cid}/thumbnail")
    assert thumb.status_code == 200 and Image.open(io.BytesIO(thumb.data)).size == (320, 240)
    down = client.get(f"/compositor/composites/{cid}/download?format=jpeg&quality=80")
    assert down.status_code == 200 and down.mimetype == "image/jpeg"
    assert "My card.jpg" in down.headers["Content-Disposition"]
    assert Image.open(io.BytesIO(down.data)).size == (400, 300)
    preview = client.get(bg.url)
    assert preview.status_code == 200 and preview.mimetype == "image/png"
    with server.app_context():
        library.delete_composite("dev", cid)
        with pytest.raises(library.NotFoundError):
            library.composite_state("dev", cid)
    assert client.get(f"/compositor/composites/{cid}/download").status_code == 404


def test_other_users_cannot_see_uploads_or_composites(server: Flask) -> None:
    with server.app_context():
        bg = upload("someone", solid(10, 10, (0, 0, 0, 255)))
        with pytest.raises(PlacementError, match="no longer available"):
            library.export("dev", state(bg, layer(bg, 0, 0)), "png", 90, current_settings())
    # The dev user (test client identity) may not fetch someone's preview.
    assert server.test_client().get(bg.url).status_code == 404


@pytest.mark.parametrize(
    ("contents", "match"),
    [
        (
            "data:text/plain;base64," + base64.b64encode(b"plain text, not an image").decode(),
            "not an image",
        ),
        (
            "data:image/png;base64,"
            + base64.b64encode(encoded(noise_rgba(50, 50), "PNG")[:300]).decode(),
            "corrupt",
        ),
        (data_url(noise_rgba(700, 700)), "too large"),
        (
            "data:image/png;base64," + base64.b64encode(png_with_size(3000, 3000)).decode(),
            "megapixels",
        ),
        (
            "data:image/png;base64," + base64.b64encode(png_with_size(50000, 50000)).decode(),
            "decompression bomb",
        ),
        (data_url(solid(4, 4, (0, 0, 0, 255)).convert("RGB"), "BMP"), "BMP files are not"),
        ("garbage", "malformed"),
    ],
)
def test_bad_uploads_are_refused_on_the_server(server: Flask, contents: str, match: str) -> None:
    with server.app_context():
        with pytest.raises(ImageInputError, match=match):
            save_upload("dev", "bad", contents, current_settings())
        assert library.list_composites("dev") == []


def test_empty_placement_and_bad_format_messages(server: Flask) -> None:
    settings: Settings
    with server.app_context():
        settings = current_settings()
        bg = upload("dev", solid(10, 10, (0, 0, 0, 255)))
        with pytest.raises(PlacementError, match="background"):
            library.export("dev", None, "png", 90, settings)
        with pytest.raises(PlacementError, match="at least one"):
            library.export("dev", state(bg), "png", 90, settings)
        with pytest.raises(PlacementError, match="PNG, JPEG or WebP"):
            library.export("dev", state(bg, layer(bg, 0, 0)), "tiff", 90, settings)
        with pytest.raises(PlacementError, match="name"):
            library.save_composite("dev", "  ", state(bg, layer(bg, 0, 0)), settings)


def test_routes_need_identity_in_production(settings_factory: SettingsFactory) -> None:
    app = create_app(settings_factory(env="production"))
    assert app.test_client().get("/compositor/images/1/preview").status_code == 401


def test_thumbnail_comes_from_the_previews_without_decoding_the_originals(
    settings_factory: SettingsFactory,
) -> None:
    from dashapp.extensions import db
    from dashapp.models.compositor import CompositorImage

    # Previews at most 400 px: the background's is 1/5 of it, the layer's 1/2.
    server = create_app(settings_factory(compositor_preview_px=400))
    with server.app_context():
        bg = upload("dev", solid(2000, 1500, (0, 0, 255, 255)), "bg.png")
        fg = upload("dev", solid(800, 600, (255, 0, 0, 255)), "fg.png")
        # Spoil the originals: only the previews can have drawn the thumbnail.
        for image_id in (bg.image_id, fg.image_id):
            row = db.session.get(CompositorImage, image_id)
            assert row is not None
            row.data = b"not an image"
        db.session.commit()
        # 200 px cut off the left, flipped, drawn at a quarter: the 600 x 600 left is 150 x 150
        # at x 500..650, y 300..450.
        placed = layer(fg, 0, 0, crop_left=200, flip_x=True, scale_x=0.25, scale_y=0.25)
        placed["x"], placed["y"] = 575.0, 375.0
        cid = library.save_composite("dev", "big", state(bg, placed), current_settings())
        thumb = Image.open(io.BytesIO(library.composite_thumbnail("dev", cid))).convert("RGBA")
    assert thumb.size == (320, 240)  # 2000 x 1500 at 0.16
    px = np.asarray(thumb)
    assert tuple(px[60, 92]) == (255, 0, 0, 255)  # inside 80..104 x 48..72
    assert tuple(px[60, 75]) == (0, 0, 255, 255) and tuple(px[60, 110]) == (0, 0, 255, 255)


def test_saved_composite_downloads_in_the_request_only_when_small(
    settings_factory: SettingsFactory,
) -> None:
    server = create_app(settings_factory(compositor_sync_render_work=1_000_000))
    client = server.test_client()
    with server.app_context():
        fg = upload("dev", solid(10, 10, (255, 0, 0, 255)), "fg.png")
        small = upload("dev", solid(400, 300, (0, 0, 255, 255)), "small.png")
        large = upload("dev", solid(1000, 800, (0, 0, 255, 255)), "large.png")
        small_id = library.save_composite(
            "dev", "s", state(small, layer(fg, 1, 1)), current_settings()
        )
        large_id = library.save_composite(
            "dev", "l", state(large, layer(fg, 1, 1)), current_settings()
        )
    assert client.get(f"/compositor/composites/{small_id}/download").status_code == 200
    refused = client.get(f"/compositor/composites/{large_id}/download")
    assert refused.status_code == 409 and "gallery card" in refused.get_json()["error"]

    # The gallery's Download queues a render job for it (the file comes from the job).
    from dashapp.compositing import renders
    from dashapp.pages.compositor import ids
    from tests.support.dash_requests import callbacks_of

    callbacks = callbacks_of(server)
    key = next(
        k
        for k in callbacks.app.callback_map
        if k.startswith(f"{ids.GALLERY_MSG}.children@")
        and ids.GALLERY_DOWNLOAD_TYPE in str(callbacks.app.callback_map[k]["inputs"])
    )
    clicked = [{"id": ids.gallery_download_id(large_id), "property": "n_clicks", "value": 1}]
    body = callbacks.body(key, {f"{ids.GALLERY_DOWNLOAD_TYPE}.n_clicks": clicked}, changed=[])
    body["changedPropIds"] = [f'{{"id":{large_id},"type":"{ids.GALLERY_DOWNLOAD_TYPE}"}}.n_clicks']
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    render_id = answer.get_json()["sideUpdate"][ids.RENDER_REQ]["data"]["render_id"]
    with server.app_context():
        assert renders.run_render(render_id, current_settings()).ok
        _name, _mime, data = renders.result("dev", render_id)
    assert Image.open(io.BytesIO(data)).size == (1000, 800)


def test_render_cancel_route_needs_its_header_and_the_owner(server: Flask) -> None:
    from dashapp.extensions import db
    from dashapp.models.compositor import CompositorRender

    with server.app_context():
        mine = CompositorRender(owner="dev", name="a", format="png", quality=90, state={})
        theirs = CompositorRender(owner="ann", name="b", format="png", quality=90, state={})
        db.session.add_all([mine, theirs])
        db.session.commit()
        ids = (mine.id, theirs.id)
    client = server.test_client()
    header = {"X-Dashapp-Cancel": "1"}
    # Without the header (what a cross-site form or beacon would send): refused.
    assert client.post(f"/compositor/renders/{ids[0]}/cancel").status_code == 400
    assert client.post(f"/compositor/renders/{ids[1]}/cancel", headers=header).json == {
        "cancelled": False
    }
    assert client.post(f"/compositor/renders/{ids[0]}/cancel", headers=header).json == {
        "cancelled": True
    }
    with server.app_context():
        assert [db.session.get(CompositorRender, i).status for i in ids] == [  # type: ignore[union-attr]
            "cancelled",
            "queued",
        ]
