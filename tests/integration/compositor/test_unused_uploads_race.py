"""“Delete unused uploads” in one tab and a save in another at the same instant: never a saved
composite whose image was deleted under it (SQLite and PostgreSQL, real concurrent sessions)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from dashapp import create_app
from dashapp.compositing import library, storage
from dashapp.compositing.geometry import PlacementError
from dashapp.extensions import db
from dashapp.models.compositor import Composite, CompositorImage
from dashapp.settings import current_settings
from tests.conftest import SettingsFactory
from tests.integration.compositor.test_library import layer, state, upload
from tests.unit.compositing.helpers import solid

OWNER = "rita"
WINDOW_S = 1.5  # how long one side pauses inside its step: the other side runs meanwhile


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, settings_factory: SettingsFactory) -> Iterator[Flask]:
    """The app on each database it supports."""
    if request.param == "sqlite":
        app = create_app(settings_factory())
    else:
        app = create_app(request.getfixturevalue("pg_settings_factory")())
    yield app
    with app.app_context():
        db.session.execute(db.delete(Composite).where(Composite.owner == OWNER))
        db.session.execute(db.delete(CompositorImage).where(CompositorImage.owner == OWNER))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _uploads(server: Flask) -> dict[str, Any]:
    """A background and a foreground that no saved composite uses yet."""
    with server.app_context():
        bg = upload(OWNER, solid(120, 80, (0, 0, 200, 255)), "bg.png")
        fg = upload(OWNER, solid(20, 10, (200, 0, 0, 255)), "fg.png")
        db.session.remove()
    return {"bg": bg, "fg": fg, "state": state(bg, layer(fg, 5, 5))}


def _in_thread(server: Flask, work: Callable[[], Any], out: dict[str, Any], name: str) -> Any:
    def run() -> None:
        with server.app_context():
            try:
                out[name] = work()
            except Exception as exc:  # noqa: BLE001 - the test reads what happened
                out[name] = exc
            finally:
                db.session.remove()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def _save_in_thread(server: Flask, made: dict[str, Any], out: dict[str, Any]) -> Any:
    """Save the composite of `made` as "poster" in another thread (another tab's request)."""

    def save() -> int:
        return library.save_composite(
            OWNER, "poster", made["state"], current_settings(), replace=False
        )

    return _in_thread(server, save, out, "save")


def _slowed(real: Callable[..., Any], entered: threading.Event) -> Callable[..., Any]:
    """`real`, pausing WINDOW_S after it ran (inside its transaction): the race window."""

    def slow(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        entered.set()
        time.sleep(WINDOW_S)
        return found

    return slow


def _every_saved_composite_has_its_images(server: Flask) -> None:
    with server.app_context():
        stored = set(
            db.session.scalars(db.select(CompositorImage.id).where(CompositorImage.owner == OWNER))
        )
        for saved in db.session.scalars(db.select(Composite).where(Composite.owner == OWNER)):
            missing = storage.image_ids_in(saved.state) - stored
            assert not missing, f"“{saved.name}” lost images {missing}"
        db.session.remove()


def test_a_save_during_the_delete_waits_and_says_its_image_is_gone(
    server: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _uploads(server)
    entered, out = threading.Event(), {}
    # The delete has read what is in use and pauses before deleting; the save comes then.
    monkeypatch.setattr(storage, "_in_use", _slowed(storage._in_use, entered))
    deleting = _in_thread(
        server, lambda: storage.delete_unused(OWNER, keep={made["bg"].image_id}), out, "delete"
    )
    assert entered.wait(10)
    saving = _save_in_thread(server, made, out)
    deleting.join(30)
    saving.join(30)
    assert isinstance(out["delete"], storage.Usage) and out["delete"].images == 1
    assert isinstance(out["save"], PlacementError), out["save"]
    assert "was deleted" in str(out["save"]) and "upload it again" in str(out["save"])
    _every_saved_composite_has_its_images(server)


def test_a_delete_during_the_save_keeps_the_images_the_save_uses(
    server: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _uploads(server)
    entered, out = threading.Event(), {}
    # The save has checked its images and pauses before committing; the delete comes then.
    monkeypatch.setattr(library, "clean_state", _slowed(library.clean_state, entered))
    saving = _save_in_thread(server, made, out)
    assert entered.wait(10)
    deleting = _in_thread(server, lambda: storage.delete_unused(OWNER), out, "delete")
    saving.join(30)
    deleting.join(30)
    assert isinstance(out["save"], int), out["save"]
    assert isinstance(out["delete"], storage.Usage) and out["delete"].images == 0
    _every_saved_composite_has_its_images(server)
