"""Small conveniences over the domain services that only tests need (the app has no caller)."""

from __future__ import annotations

from sqlalchemy import select

from dashapp.compositing import storage
from dashapp.compositing.images import decode_data_url
from dashapp.compositing.library import Uploaded, limits_from, store_bytes
from dashapp.extensions import db
from dashapp.models.training import TrainingRun
from dashapp.settings import Settings
from dashapp.web.identity import User


def save_upload(owner: str, filename: str, contents: str, settings: Settings) -> Uploaded:
    """Store a dcc.Upload data URL for `owner` as the upload callback would one file."""
    data = decode_data_url(contents, limits_from(settings).max_bytes)
    return store_bytes(owner, filename, data, settings)


def storage_used(owner: str) -> int:
    """Bytes of `owner`'s stored uploads."""
    return storage.usage(owner).bytes


def list_runs(user: User | None, scope: str = "mine", limit: int = 500) -> list[TrainingRun]:
    """Newest runs first: the user's own ("mine") or everyone's ("all")."""
    query = select(TrainingRun).order_by(TrainingRun.id.desc()).limit(limit)
    if scope == "mine":
        query = query.where(TrainingRun.owner == (user.username if user else ""))
    return list(db.session.scalars(query))
