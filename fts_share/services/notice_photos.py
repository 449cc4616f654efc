"""A notice's photo, for the officer's page: opened like the rest of the notice (an
officer, a stated purpose and legal basis, the source's restrictions), logged as an
``open`` of the part ``photo``, and shown only where this node's ``[handling] photos``
is on."""

from __future__ import annotations

from collections.abc import Sequence

from fts_share.errors import NotFound
from fts_share.notices.details import known_details, photo_bytes
from fts_share.services import publishing
from fts_share.services.publishing import Actor
from fts_share.services.unit import Work

PHOTOS_OFF = "photos are off at this node"


def open_photo(work: Work, *, notice_id: str, version: int | None, actor: Actor,
               purpose: str, legal_basis: Sequence[str]) -> tuple[bytes, str]:
    """The photo of a notice version as ``(image, media_type)``; ``NotFound`` when
    photos are off here or the notice has none (or one whose bytes are not of its
    declared type), and the refusals of :func:`~fts_share.services.publishing.open_notice`."""
    if not work.settings.handling.photos:
        raise NotFound(PHOTOS_OFF)
    view = publishing.open_notice(work, notice_id=notice_id, actor=actor, purpose=purpose,
                                  legal_basis=legal_basis, version=version, part="photo")
    photo = photo_bytes(known_details(view["notice"].get("ext")).get("photo"))
    if photo is None:
        raise NotFound(f"notice {notice_id} has no photo")
    return photo
