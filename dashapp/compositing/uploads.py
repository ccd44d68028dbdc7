"""One upload request (several files): bounded in count and pixels before anything is decoded."""

from __future__ import annotations

from dataclasses import dataclass, field

from dashapp.compositing import library, storage
from dashapp.compositing.images import ImageInputError, decode_data_url, probe
from dashapp.settings import Settings


@dataclass(frozen=True)
class Refused:
    """A file we did not store, and why (in words for the user)."""

    name: str
    reason: str


@dataclass
class Outcome:
    """What became of an upload request's files."""

    stored: list[library.Uploaded] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1e6:g} megapixels"


def check_count(count: int, settings: Settings, room: int | None = None) -> None:
    """Refuse a request with more files than allowed at once, or than there is room for layers."""
    most = settings.compositor_max_files_per_upload
    if count > most:
        raise ImageInputError(f"Too many files at once ({count}); upload at most {most} at a time.")
    if room is not None and count > room:
        limit = settings.compositor_max_layers
        left = "no more" if room <= 0 else f"only {room} more"
        raise ImageInputError(
            f"Too many layers: a composite holds at most {limit}; there is room for {left}."
        )


def in_selection_order(files: list[tuple[str, str]], chosen: object) -> list[tuple[str, str]]:
    """`files` (name, data URL) put back in the order the user chose them.

    dcc.Upload lists a multi-file drop in the order its FileReaders finish, so a small file
    chosen second can arrive first and land under the large one. The page records the names in
    the order of the selection (`chosen`, from the browser); each name takes the next unused
    place of that name there. Names it does not list keep their order, after the others.
    """
    if not isinstance(chosen, list):
        return files
    places: dict[str, list[int]] = {}
    for place, name in enumerate(chosen):
        if isinstance(name, str):
            places.setdefault(name, []).append(place)
    ranked = []
    for arrived, (name, contents) in enumerate(files):
        free = places.get(name)
        place = free.pop(0) if free else len(chosen) + arrived
        ranked.append((place, arrived, name, contents))
    return [(name, contents) for _place, _arrived, name, contents in sorted(ranked)]


def store_request(
    owner: str, files: list[tuple[str, str]], settings: Settings, room: int | None = None
) -> Outcome:
    """Store each (name, data URL) of one request for `owner`; `room` = layers still allowed.

    Count, bytes and header sizes are checked for the whole request first; only files that pass
    are decoded, one at a time. Files past the user's stored-image cap are refused by name.
    """
    check_count(len(files), settings, room)
    limits = library.limits_from(settings)
    outcome = Outcome()
    accepted: list[tuple[str, bytes]] = []
    pixels = 0
    image_room = storage.image_room(owner, settings)
    for name, contents in files:
        if len(accepted) >= image_room:
            outcome.refused.append(Refused(name, storage.count_refusal(settings)))
            continue
        try:
            data = decode_data_url(contents, limits.max_bytes)
            width, height = probe(data, limits)
        except ImageInputError as exc:
            outcome.refused.append(Refused(name, str(exc)))
            continue
        if pixels + width * height > settings.compositor_max_request_pixels:
            outcome.refused.append(
                Refused(
                    name,
                    f"Together with the other files this upload is over "
                    f"{_megapixels(settings.compositor_max_request_pixels)}; "
                    "upload this file on its own.",
                )
            )
            continue
        pixels += width * height
        accepted.append((name, data))
    for name, data in accepted:
        try:
            outcome.stored.append(library.store_bytes(owner, name, data, settings))
        except ImageInputError as exc:
            outcome.refused.append(Refused(name, str(exc)))
    return outcome
