"""Notice details (issue 17 item 4): case summary, physical description, affiliations,
point of contact and photo, in the notice's ``ext`` (docs/protocol.md, "Notice
details"), as an officer's API client meets them: what is accepted comes back as sent
(normalised), a photo comes back re-encoded without its metadata, and every bad
input is a 422 problem+json naming the field, with nothing stored."""

from __future__ import annotations

import base64
import copy
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from coalition import Coalition, build, notice
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from fts_share.app import create_app
from fts_share.notices.vocab import PHOTO_MAX_BYTES
from fts_share.storage.audit_tables import AuditEntry
from fts_share.storage.models import Notice, OutboxEnvelope

PROBLEM = "application/problem+json"
OPEN = "?purpose=investigation&legal_basis=UNSCR-2178"
DETAILS = {
    "case_summary": "Left Paris for Istanbul on 20 November.\nTravelled with two others.",
    "description": {"height_cm": 178, "build": "slim", "eyes": "brown", "hair": "black",
                    "marks": "Scar on the left hand."},
    "affiliations": [{"name": "ISIL", "un_reference": "QDe.115"},
                     {"name": "كتيبة الأنصار"}],
    "contact": {"unit": "DGSI, FTF liaison desk", "phone": "+33 1 23 45 67 89",
                "email": "ftf-desk@interieur.example"},
}


def jpeg(size: tuple[int, int] = (120, 160), *, exif: bool = True, quality: int = 90,
         noise: bool = False) -> bytes:
    """A JPEG photo, by default with EXIF metadata a partner must never see."""
    img = Image.effect_noise(size, 80).convert("RGB") if noise else Image.new(
        "RGB", size, (180, 120, 90))
    out = io.BytesIO()
    meta = Image.Exif()
    if exif:
        meta[0x010F] = "SpyCam Industries"  # Make
        meta[0x0131] = "secret-unit-editor"  # Software
        meta[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}  # GPS info
    img.save(out, "JPEG", quality=quality, exif=meta.tobytes(), comment=b"case 2026/417")
    return out.getvalue()


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


@pytest.fixture
def coalition(tmp_path: Path, store_urls: Callable[[], str]) -> Iterator[Coalition]:
    c = build(tmp_path, store_urls, [("FRA", "member"), ("IRQ", "member")], start=False,
              post_quantum={"FRA": False, "IRQ": False})
    yield c
    c.close()


def client_of(coalition: Coalition, *, photos: bool) -> FlaskClient:
    fra = coalition["FRA"]
    fra.node.config.handling.photos = photos
    return create_app(node=fra.node).test_client()


def auth(coalition: Coalition) -> dict[str, str]:
    return {"Authorization": f"Bearer {coalition['FRA'].tokens['officer']}"}


def stored(coalition: Coalition) -> dict[str, int]:
    with coalition["FRA"].node.store.read() as s:
        def n(model: Any, *where: Any) -> int:
            return int(s.scalar(select(func.count()).select_from(model).where(*where)))

        return {"outbox": n(OutboxEnvelope), "notices": n(Notice),
                "audit": n(AuditEntry, AuditEntry.action.in_(["publish", "update"]))}


def body(**ext: Any) -> dict[str, Any]:
    doc = notice(recipients=["IRQ"])
    doc["ext"] = copy.deepcopy(ext)
    return doc


def refused(client: FlaskClient, coalition: Coalition, doc: dict[str, Any],
            field: str) -> dict[str, Any]:
    """POST ``doc``: a 422 problem naming ``field``, and nothing stored."""
    before = stored(coalition)
    resp = client.post("/api/v1/notices", json=doc, headers=auth(coalition))
    assert resp.status_code == 422, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == PROBLEM
    problem = resp.get_json()
    assert field in problem["errors"], problem["errors"]
    assert field in problem["detail"]
    assert stored(coalition) == before
    return dict(problem)


def published(client: FlaskClient, coalition: Coalition, doc: dict[str, Any]) -> dict[str, Any]:
    """POST ``doc`` and open the notice as the officer: the notice as stored."""
    resp = client.post("/api/v1/notices", json=doc, headers=auth(coalition))
    assert resp.status_code == 201, resp.get_data(as_text=True)[:500]
    opened = client.get(resp.headers["Location"] + OPEN, headers=auth(coalition))
    assert opened.status_code == 200
    return dict(opened.get_json()["notice"])


def test_details_are_kept_as_sent(coalition: Coalition) -> None:
    client = client_of(coalition, photos=False)
    got = published(client, coalition, body(**DETAILS))
    expected = copy.deepcopy(DETAILS)
    expected["affiliations"][1]["un_reference"] = None
    assert got["ext"] == expected
    # Line breaks as a browser's form sends them (CR LF) are kept as line breaks.
    got = published(client, coalition, body(case_summary="One.\r\nTwo.\r\n"))
    assert got["ext"] == {"case_summary": "One.\nTwo."}
    # A notice without details has no ext (an old-style notice is unchanged).
    assert "ext" not in published(client, coalition, notice(recipients=["IRQ"]))


def test_a_photo_is_refused_while_photos_are_off(coalition: Coalition) -> None:
    client = client_of(coalition, photos=False)
    doc = refused(client, coalition,
                  body(photo={"data": b64(jpeg()), "legal_basis": ["UNSCR-2396"]}),
                  "ext.photo")
    assert "off" in doc["errors"]["ext.photo"][0]


def test_a_photo_is_reencoded_without_metadata(coalition: Coalition) -> None:
    client = client_of(coalition, photos=True)
    original = jpeg()
    assert b"SpyCam" in original and b"case 2026/417" in original
    got = published(client, coalition, body(
        case_summary="With a photo.", photo={"data": b64(original),
                                             "legal_basis": ["UNSCR-2396", "UNSCR-2396"]}))
    photo = got["ext"]["photo"]
    assert {k: v for k, v in photo.items() if k != "data"} == {
        "media_type": "image/jpeg", "width": 120, "height": 160,
        "legal_basis": ["UNSCR-2396"]}
    image = base64.b64decode(photo["data"])
    for secret in (b"SpyCam", b"secret-unit-editor", b"case 2026/417", b"Exif"):
        assert secret not in image
    with Image.open(io.BytesIO(image)) as img:
        assert img.format == "JPEG" and img.size == (120, 160)
        assert not dict(img.getexif()) and "comment" not in img.info
    # A PNG stays a PNG, its text chunks gone.
    from PIL.PngImagePlugin import PngInfo
    info = PngInfo()
    info.add_text("Author", "officer dupont")
    out = io.BytesIO()
    Image.new("RGBA", (40, 40), (0, 0, 0, 0)).save(out, "PNG", pnginfo=info)
    got = published(client, coalition, body(
        photo={"data": b64(out.getvalue()), "legal_basis": ["UNSCR-2396"]}))
    image = base64.b64decode(got["ext"]["photo"]["data"])
    assert got["ext"]["photo"]["media_type"] == "image/png" and b"dupont" not in image


def _png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("L", size, 0).save(out, "PNG", optimize=True)
    return out.getvalue()


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32)).save(out, "GIF")
    return out.getvalue()


def _bomb() -> bytes:
    """A PNG that declares 30000 x 30000 pixels in a few bytes (its header altered)."""
    raw = bytearray(_png((20, 20)))
    import struct
    import zlib
    raw[16:24] = struct.pack(">II", 30000, 30000)
    raw[29:33] = struct.pack(">I", zlib.crc32(bytes(raw[12:29])))
    return bytes(raw)


PHOTO_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "no legal basis": ({"data": b64(jpeg())}, "ext.photo.legal_basis"),
    "empty legal basis": ({"data": b64(jpeg()), "legal_basis": []}, "ext.photo.legal_basis"),
    "legal basis not in the vocabulary": ({"data": b64(jpeg()), "legal_basis": ["GDPR-9"]},
                                          "ext.photo.legal_basis.0"),
    "no image": ({"legal_basis": ["UNSCR-2396"]}, "ext.photo.data"),
    "not base64": ({"data": "not base64!", "legal_basis": ["UNSCR-2396"]}, "ext.photo.data"),
    "a number": ({"data": 42, "legal_basis": ["UNSCR-2396"]}, "ext.photo.data"),
    "a GIF": ({"data": b64(_gif()), "legal_basis": ["UNSCR-2396"]}, "ext.photo.data"),
    "a PDF": ({"data": b64(b"%PDF-1.7\n" + b"0" * 100), "legal_basis": ["UNSCR-2396"]},
              "ext.photo.data"),
    "a cut JPEG": ({"data": b64(jpeg()[:300]), "legal_basis": ["UNSCR-2396"]},
                   "ext.photo.data"),
    "too wide": ({"data": b64(_png((3000, 20))), "legal_basis": ["UNSCR-2396"]},
                 "ext.photo.data"),
    "too small": ({"data": b64(_png((8, 8))), "legal_basis": ["UNSCR-2396"]},
                  "ext.photo.data"),
    "a decompression bomb": ({"data": b64(_bomb()), "legal_basis": ["UNSCR-2396"]},
                             "ext.photo.data"),
    "an unknown member": ({"data": b64(jpeg()), "legal_basis": ["UNSCR-2396"],
                           "gps": "48.85,2.35"}, "ext.photo.gps"),
    "not an object": ("photo.jpg", "ext.photo"),  # type: ignore[dict-item]
}


@pytest.mark.parametrize("case", list(PHOTO_CASES))
def test_a_bad_photo_is_refused(coalition: Coalition, case: str) -> None:
    photo, field = PHOTO_CASES[case]
    refused(client_of(coalition, photos=True), coalition, body(photo=photo), field)


def test_an_oversized_photo_is_refused(coalition: Coalition) -> None:
    client = client_of(coalition, photos=True)
    coalition["FRA"].node.config.api.max_body_bytes = 4 * 1024 * 1024
    client = create_app(node=coalition["FRA"].node).test_client()
    big = jpeg((1400, 1400), noise=True, exif=False, quality=95)
    assert len(big) > PHOTO_MAX_BYTES
    doc = refused(client, coalition, body(photo={"data": b64(big),
                                                 "legal_basis": ["UNSCR-2396"]}),
                  "ext.photo.data")
    assert "256 KiB" in doc["errors"]["ext.photo.data"][0]


HOSTILE: dict[str, tuple[dict[str, Any], str]] = {
    "summary too long": ({"case_summary": "x" * 2001}, "ext.case_summary"),
    "summary with a control character": ({"case_summary": "a\x00b"}, "ext.case_summary"),
    "summary with a bidi override": ({"case_summary": "\u202e"}, "ext.case_summary"),
    "summary a list": ({"case_summary": ["a"]}, "ext.case_summary"),
    "height a string": ({"description": {"height_cm": "tall"}}, "ext.description.height_cm"),
    "height absurd": ({"description": {"height_cm": 900}}, "ext.description.height_cm"),
    "height a float": ({"description": {"height_cm": 178.5}}, "ext.description.height_cm"),
    "unknown build": ({"description": {"build": "giant"}}, "ext.description.build"),
    "marks too long": ({"description": {"marks": "m" * 501}}, "ext.description.marks"),
    "unknown description member": ({"description": {"dna": "AGCT"}}, "ext.description.dna"),
    "affiliation without a name": ({"affiliations": [{"un_reference": "QDe.115"}]},
                                   "ext.affiliations.0.name"),
    "affiliation reference malformed": (
        {"affiliations": [{"name": "ISIL", "un_reference": "QDe115"}]},
        "ext.affiliations.0.un_reference"),
    "too many affiliations": ({"affiliations": [{"name": f"G{i}"} for i in range(11)]},
                              "ext.affiliations"),
    "affiliations an object": ({"affiliations": {"name": "ISIL"}}, "ext.affiliations"),
    "contact without unit": ({"contact": {"phone": "+33 1 23 45 67 89"}}, "ext.contact.unit"),
    "contact unreachable": ({"contact": {"unit": "Desk"}}, "ext.contact.phone"),
    "contact phone letters": ({"contact": {"unit": "Desk", "phone": "call me"}},
                              "ext.contact.phone"),
    "contact e-mail malformed": ({"contact": {"unit": "Desk", "email": "desk@"}},
                                 "ext.contact.email"),
    "contact with the officer's name": (
        {"contact": {"unit": "Desk", "email": "a@b.example", "officer": "Jean Dupont"}},
        "ext.contact.officer"),
    "an unregistered member": ({"travel_companions": 2}, "ext.travel_companions"),
}


def test_hostile_details_are_refused_naming_the_field(coalition: Coalition) -> None:
    client = client_of(coalition, photos=True)
    for name, (ext, field) in HOSTILE.items():
        try:
            refused(client, coalition, body(**ext), field)
        except AssertionError as exc:
            raise AssertionError(name) from exc
    # ext itself must be an object.
    doc = notice(recipients=["IRQ"])
    doc["ext"] = ["case"]
    refused(client, coalition, doc, "ext")
    # The unchanged notice is accepted.
    assert published(client, coalition, body(**DETAILS))["ext"]["contact"]["unit"]


def test_an_update_keeps_or_replaces_the_photo(coalition: Coalition) -> None:
    """The API's update sends the whole notice: the photo is kept when it is sent back
    as opened (re-encoded again, same size), dropped when left out."""
    client = client_of(coalition, photos=True)
    resp = client.post("/api/v1/notices", headers=auth(coalition), json=body(
        photo={"data": b64(jpeg()), "legal_basis": ["UNSCR-2396"]}))
    location = resp.headers["Location"]
    opened = client.get(location + OPEN, headers=auth(coalition)).get_json()["notice"]
    again = {k: opened[k] for k in ("subject", "movement", "basis", "handling", "ext")}
    again["handling"] = {k: v for k, v in again["handling"].items() if k != "review_date"}
    resp = client.put(location, json=again, headers=auth(coalition))
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    kept = client.get(location + OPEN, headers=auth(coalition)).get_json()["notice"]
    assert kept["provenance"]["version"] == 2
    assert kept["ext"]["photo"]["width"] == 120
    del again["ext"]
    assert client.put(location, json=again, headers=auth(coalition)).status_code == 200
    dropped = client.get(location + OPEN, headers=auth(coalition)).get_json()["notice"]
    assert dropped["provenance"]["version"] == 3 and "ext" not in dropped
