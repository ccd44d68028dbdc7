"""Saved data views: each use case is one function owning its transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from dashapp.dataview import grid_state
from dashapp.dataview.binding import current_dataview
from dashapp.dataview.errors import GridQueryError
from dashapp.extensions import db
from dashapp.models.dataview import SavedView, utcnow
from dashapp.settings import current_settings

MAX_NAME = 80
# A deleted view can be brought back by its owner this long (the page offers Undo for 8 s).
UNDO_SECONDS = 15
# Saved views per user, all tables together (each holds up to grid_state's state bound).
MAX_VIEWS = 500


@dataclass(frozen=True)
class ViewInfo:
    """A saved view as the page shows it."""

    id: int
    owner: str
    table: str
    name: str
    state: dict[str, Any]


def _info(view: SavedView) -> ViewInfo:
    return ViewInfo(view.id, view.owner, view.table_name, view.name, dict(view.state))


def clean_state(state: object) -> dict[str, Any]:
    """A view's state in the grid state's validated form (grid_state.VIEW_KEYS, bounded);
    GridQueryError saying why for anything else."""
    try:
        return grid_state.clean(state, grid_state.VIEW_KEYS)
    except grid_state.GridStateError as exc:
        raise GridQueryError(f"This view cannot be saved: {exc}") from None


def list_views(owner: str, table: str) -> list[ViewInfo]:
    """The owner's views of `table`, by name."""
    stmt = (
        select(SavedView)
        .where(
            SavedView.owner == owner,
            SavedView.table_name == table,
            SavedView.deleted_at.is_(None),
        )
        .order_by(SavedView.name)
    )
    return [_info(v) for v in db.session.scalars(stmt)]


def _view_id(view_id: object) -> int | None:
    if isinstance(view_id, str) and view_id.isdigit() and len(view_id) < 19:
        view_id = int(view_id)
    if not isinstance(view_id, int) or isinstance(view_id, bool) or not 0 < view_id < 2**63:
        return None
    return view_id


def get_view(view_id: object, viewer: str) -> ViewInfo | None:
    """The viewer's own view by id; None for a missing id or someone else's (no id walking)."""
    found = _view_id(view_id)
    view = db.session.get(SavedView, found) if found is not None else None
    if view is None or view.owner != viewer or view.deleted_at is not None:
        return None
    return _info(view)


def _signature(view_id: int, owner: str) -> str:
    key = current_settings().effective_secret_key.encode()
    message = f"saved-view:{view_id}:{owner}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def share_token(view: ViewInfo) -> str:
    """An unguessable link token that opens `view` read-only for anyone who may see the data."""
    return f"{view.id}-{_signature(view.id, view.owner)}"


def open_shared(token: object) -> ViewInfo | None:
    """The view a share token names; None for a forged, stale or malformed token."""
    if not isinstance(token, str) or len(token) > 60 or token.count("-") != 1:
        return None
    raw_id, signature = token.split("-")
    found = _view_id(raw_id)
    view = db.session.get(SavedView, found) if found is not None else None
    if view is None or not hmac.compare_digest(signature, _signature(view.id, view.owner)):
        return None
    if view.deleted_at is not None:
        return None
    return _info(view)


def _clean_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
        raise GridQueryError(f"A view needs a name of 1 to {MAX_NAME} characters.")
    if any(unicodedata.category(char) in {"Cc", "Cs"} for char in name):
        raise GridQueryError("A view name cannot contain control characters.")
    return name.strip()


def _check_room(owner: str) -> None:
    """Refuse a new view past MAX_VIEWS (views deleted within the undo window count too)."""
    undo_since = utcnow() - dt.timedelta(seconds=UNDO_SECONDS)
    count = db.session.scalar(
        select(func.count(SavedView.id)).where(
            SavedView.owner == owner,
            or_(SavedView.deleted_at.is_(None), SavedView.deleted_at >= undo_since),
        )
    )
    if (count or 0) >= MAX_VIEWS:
        raise GridQueryError(
            f"You have {MAX_VIEWS} saved views, the most one person may keep. "
            "Delete some, or save over one of the same name."
        )


def save_view(owner: str, table: str, name: object, state: object) -> ViewInfo:
    """Create the owner's view `name`, or overwrite it when it exists."""
    label = _clean_name(name)
    current_dataview().table(table)  # an allowed table, or GridQueryError ("not available")
    cleaned = clean_state(state)
    stmt = select(SavedView).where(
        SavedView.owner == owner, SavedView.table_name == table, SavedView.name == label
    )
    try:
        view = db.session.scalars(stmt).first()
        if view is None:
            _check_room(owner)
            view = SavedView(owner=owner, table_name=table, name=label, state=cleaned)
            db.session.add(view)
        else:
            view.state = cleaned
            view.deleted_at = None  # saving a just-deleted name makes it a live view again
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # saved twice at once: the other request won, and it is the same
        raise GridQueryError(f"A view called {label!r} was just saved; try again.") from None
    return _info(view)


def delete_view(owner: str, view_id: object) -> bool:
    """Delete one of the owner's views (undoable for UNDO_SECONDS); False when it is not
    theirs or does not exist."""
    view = get_view(view_id, owner)
    if view is None:
        return False
    try:
        row = db.session.get(SavedView, view.id)
        assert row is not None
        row.deleted_at = utcnow()
        # Views deleted longer ago than the undo window go for good now.
        db.session.execute(
            delete(SavedView).where(
                SavedView.owner == owner,
                SavedView.deleted_at < utcnow() - dt.timedelta(seconds=UNDO_SECONDS),
            )
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return True


def undo_delete(owner: str, view_id: object) -> ViewInfo | None:
    """Bring back the owner's view deleted less than UNDO_SECONDS ago; None when too late."""
    found = _view_id(view_id)
    row = db.session.get(SavedView, found) if found is not None else None
    if row is None or row.owner != owner or row.deleted_at is None:
        return None
    if utcnow() - row.deleted_at > dt.timedelta(seconds=UNDO_SECONDS):
        return None
    try:
        row.deleted_at = None
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return _info(row)
