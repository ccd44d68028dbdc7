"""Component ids of the compositor page (all prefixed `comp-`); tests import them."""

from __future__ import annotations

PAGE = "page-compositor"
EDITOR = "comp-editor"

# Uploads
UPLOAD_BG = "comp-upload-bg"
UPLOAD_FG = "comp-upload-fg"
# The names of the files in a foreground drop, in the order chosen (written by the browser)
UPLOAD_ORDER = "comp-upload-order"
MESSAGES = "comp-messages"  # the server's answer to an upload
# Said by the browser: refused before sending, sending, no answer.
UPLOAD_STATUS = "comp-upload-status"

# Editor <-> server
COMMAND = "comp-command"
PLACEMENT = "comp-placement"
APPLIED = "comp-applied"
SAVED = "comp-saved"  # a nonce per save: the editor marks its work clean

# Download
FORMAT = "comp-format"
QUALITY = "comp-quality"
DOWNLOAD_BTN = "comp-download-btn"
DOWNLOAD = "comp-download"
EXPORT_MSG = "comp-export-msg"
EXPORT_STATUS = "comp-export-status"  # said by the browser: rendering, failed

# Save, with the question asked on a name clash
NAME = "comp-name"
SAVE_BTN = "comp-save-btn"
SAVE_MSG = "comp-save-msg"
CLASH = "comp-clash"
CLASH_TEXT = "comp-clash-text"
CLASH_REPLACE = "comp-clash-replace"
CLASH_NEW = "comp-clash-new"
CLASH_CANCEL = "comp-clash-cancel"

# Gallery, with delete confirmation and undo
GALLERY = "comp-gallery"
GALLERY_VERSION = "comp-gallery-version"
GALLERY_MSG = "comp-gallery-msg"
OPEN_TYPE = "comp-open"
DELETE_TYPE = "comp-delete"
GALLERY_DOWNLOAD_TYPE = "comp-gallery-download"
DELETE_ASK = "comp-delete-ask"
DELETE_TEXT = "comp-delete-text"
DELETE_CONFIRM = "comp-delete-confirm"
DELETE_CANCEL = "comp-delete-cancel"
DELETE_PENDING = "comp-delete-pending"
UNDO = "comp-undo"  # the toast offering undo
UNDO_TEXT = "comp-undo-text"
UNDO_BTN = "comp-undo-btn"
UNDO_DATA = "comp-undo-data"


def open_id(composite_id: object) -> dict[str, object]:
    """The id of a gallery card's Open button (or dash.ALL)."""
    return {"type": OPEN_TYPE, "id": composite_id}


def gallery_download_id(composite_id: object) -> dict[str, object]:
    """The id of a gallery card's Download button (or dash.ALL)."""
    return {"type": GALLERY_DOWNLOAD_TYPE, "id": composite_id}


def delete_id(composite_id: object) -> dict[str, object]:
    """The id of a gallery card's Delete button (or dash.ALL)."""
    return {"type": DELETE_TYPE, "id": composite_id}


# Full-size renders run as background jobs
RENDER_REQ = "comp-render-req"  # {render_id} of the render the web tier queued
RENDER_DONE = "comp-render-done"  # {url, name} once the job finished it
EXPORT_PROGRESS = "comp-export-progress"
RENDER_CANCEL = "comp-render-cancel"  # shown while a render runs
EXPORT_RESULT = "comp-export-result"

# The user's stored uploads: the line against the caps, and deleting unused ones (asked first)
STORAGE = "comp-storage"
PRUNE_BTN = "comp-prune-btn"
PRUNE_ASK = "comp-prune-ask"
PRUNE_TEXT = "comp-prune-text"
PRUNE_CONFIRM = "comp-prune-confirm"
PRUNE_CANCEL = "comp-prune-cancel"
PRUNE_MSG = "comp-prune-msg"
