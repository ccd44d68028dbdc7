"""A user's stored images are capped in number (COMPOSITOR_MAX_STORED_IMAGES); the refusal is
said under the drop zone, and deleting unused uploads (asked first) frees room without
touching what a saved composite, the canvas or a deleted composite's Undo still needs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from dashapp import create_app
from dashapp.compositing import library, storage
from dashapp.extensions import db
from dashapp.models.compositor import CompositorImage
from dashapp.pages.compositor import ids
from dashapp.settings import current_settings
from tests.conftest import SettingsFactory
from tests.integration.compositor.test_library import data_url, layer, state
from tests.support.dash_requests import callbacks_of
from tests.support.domain import save_upload
from tests.unit.compositing.helpers import solid

CAP = 4


@pytest.fixture
def server(settings_factory: SettingsFactory) -> Iterator[Flask]:
    app = create_app(settings_factory(dev_role="viewer", compositor_max_stored_images=CAP))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def upload_click(
    client: FlaskClient, names: list[str], placement: Any, background: bool = False
) -> dict[str, Any]:
    """Drop files on a drop zone as the browser does; the callback's whole answer."""
    images = [data_url(solid(40, 30, (10 * i, 0, 0, 255))) for i in range(len(names))]
    zone = ids.UPLOAD_BG if background else ids.UPLOAD_FG
    inputs = {
        f"{zone}.contents": images[0] if background else images,
        f"{ids.OPEN_TYPE}.n_clicks": [],
    }
    given = {
        f"{zone}.filename": names[0] if background else names,
        f"{ids.PLACEMENT}.data": placement,
    }
    response = callbacks_of(client.application).post(
        client, f"{ids.COMMAND}.data", inputs, given, changed=[f"{zone}.contents"]
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["response"]  # type: ignore[no-any-return]


def storage_click(
    client: FlaskClient,
    button: str,
    placement: Any = None,
    undo: Any = None,
    undo_open: bool = False,
) -> dict[str, Any]:
    """Press one of the storage line's buttons (Delete unused uploads, then Delete or Cancel)."""
    inputs = {f"{button}.n_clicks": 1}
    given = {
        f"{ids.PLACEMENT}.data": placement,
        f"{ids.UNDO_DATA}.data": undo,
        f"{ids.UNDO}.is_open": undo_open,
    }
    response = callbacks_of(client.application).post(
        client, f"{ids.STORAGE}.children", inputs, given
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["response"]  # type: ignore[no-any-return]


def as_uploaded(image: dict[str, Any]) -> library.Uploaded:
    """An upload as the editor was told about it."""
    return library.Uploaded(
        image["image_id"], image["width"], image["height"], image["name"], "PNG"
    )


def said(answer: dict[str, Any], component: str) -> str:
    return json.dumps(answer[component], ensure_ascii=False)


def owned(server: Flask, owner: str) -> set[int]:
    with server.app_context():
        found = set(
            db.session.scalars(db.select(CompositorImage.id).where(CompositorImage.owner == owner))
        )
        db.session.remove()
        return found


def test_over_the_image_count_is_refused_under_the_drop_zone_and_unused_uploads_free_room(
    server: Flask,
) -> None:
    client = server.test_client()
    bg = upload_click(client, ["bg.png"], None, background=True)
    background = bg[ids.COMMAND]["data"]["image"]
    canvas: dict[str, Any] = {"background": background, "layers": []}
    # Three foregrounds in one request with room for three more images: stored, then the
    # fifth image (a new request) is refused by name, with how to free room.
    first = upload_click(client, ["a.png", "b.png", "c.png"], canvas)
    added = first[ids.COMMAND]["data"]["images"]
    assert [image["name"] for image in added] == ["a.png", "b.png", "c.png"]
    refused = upload_click(client, ["d.png"], canvas)
    assert ids.COMMAND not in refused  # nothing added to the canvas
    text = said(refused, ids.MESSAGES)
    assert "d.png: You already store 4 images, the most allowed" in text
    assert "Delete unused uploads" in text
    assert len(owned(server, "dev")) == CAP

    # a.png is on a saved composite, b.png on the canvas, c.png was removed from the canvas.
    with server.app_context():
        uploads = {image["name"]: as_uploaded(image) for image in added}
        bg_upload = as_uploaded(background)
        library.save_composite(
            "dev", "Card", state(bg_upload, layer(uploads["a.png"], 1, 1)), current_settings()
        )
        db.session.remove()
    canvas = state(bg_upload, layer(uploads["b.png"], 2, 2))

    # The line under the drop zones says where the user stands.
    line = storage_click(client, ids.PRUNE_CANCEL, canvas)
    assert f"4 of {CAP} images" in said(line, ids.STORAGE)

    # Delete unused uploads asks first, naming how many; Cancel deletes nothing.
    asked = storage_click(client, ids.PRUNE_BTN, canvas)
    assert asked[ids.PRUNE_ASK]["hidden"] is False
    assert "Delete 1 upload (" in said(asked, ids.PRUNE_TEXT)
    storage_click(client, ids.PRUNE_CANCEL, canvas)
    assert len(owned(server, "dev")) == CAP

    done = storage_click(client, ids.PRUNE_CONFIRM, canvas)
    assert "Deleted 1 unused upload" in said(done, ids.PRUNE_MSG)
    assert f"3 of {CAP} images" in said(done, ids.STORAGE)
    kept = owned(server, "dev")
    assert uploads["c.png"].image_id not in kept
    assert {bg_upload.image_id, uploads["a.png"].image_id, uploads["b.png"].image_id} == kept

    # Room again: the same file is stored now, and the saved composite still renders.
    again = upload_click(client, ["d.png"], canvas)
    assert [image["name"] for image in again[ids.COMMAND]["data"]["images"]] == ["d.png"]
    with server.app_context():
        cid = library.list_composites("dev")[0]["id"]
        name, saved = library.composite_state("dev", cid)
        assert library.export("dev", saved, "png", 90, current_settings()).data
        db.session.remove()

    # Nothing unused left (all in use): said, nothing asked.
    d_layer = layer(as_uploaded(again[ids.COMMAND]["data"]["images"][0]), 5, 5)
    full = storage_click(
        client, ids.PRUNE_BTN, state(bg_upload, layer(uploads["b.png"], 2, 2), d_layer)
    )
    assert full[ids.PRUNE_ASK]["hidden"] is True
    assert "Nothing to delete" in said(full, ids.PRUNE_MSG)


def test_a_deleted_composites_images_stay_while_undo_shows_then_can_be_freed(
    server: Flask,
) -> None:
    client = server.test_client()
    with server.app_context():
        settings = current_settings()
        bg = save_upload("dev", "bg.png", data_url(solid(50, 40, (0, 0, 9, 255))), settings)
        fg = save_upload("dev", "fg.png", data_url(solid(10, 10, (9, 0, 0, 255))), settings)
        cid = library.save_composite("dev", "Old", state(bg, layer(fg, 0, 0)), settings)
        name, kept_state = library.delete_composite("dev", cid)
        db.session.remove()
    undo = {"name": name, "state": kept_state}
    # While the Undo toast shows, its images are in use.
    shown = storage_click(client, ids.PRUNE_BTN, None, undo, undo_open=True)
    assert "Nothing to delete" in said(shown, ids.PRUNE_MSG)
    # Once it is gone, both uploads can go.
    storage_click(client, ids.PRUNE_BTN, None, undo, undo_open=False)
    done = storage_click(client, ids.PRUNE_CONFIRM, None, undo, undo_open=False)
    assert "Deleted 2 unused uploads" in said(done, ids.PRUNE_MSG)
    assert owned(server, "dev") == set()


def test_the_cap_is_per_user_and_checked_for_a_single_upload_too(server: Flask) -> None:
    with server.app_context():
        settings = current_settings()
        image = data_url(solid(8, 8, (1, 2, 3, 255)))
        for i in range(CAP):
            save_upload("fran", f"{i}.png", image, settings)
        with pytest.raises(library.ImageInputError, match="the most allowed"):
            save_upload("fran", "more.png", image, settings)
        assert storage.usage("fran").images == CAP
        # Someone else stores their own.
        assert save_upload("gil", "x.png", image, settings).width == 8
        db.session.remove()
