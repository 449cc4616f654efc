"""The notice details on the officer's pages (issue 17 item 4), through Flask's test
client on SQLite and PostgreSQL: the publish form takes them (the photo as an upload,
only where photos are on), the notice page shows them, the photo comes from a route
that checks access and logs the opening, and a received notice shows them at the
recipient."""

from __future__ import annotations

import io
import re
from html import unescape
from typing import Any

import coalition
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from web_helpers import csrf_of, shown

from fts_share.app import create_app
from fts_share.storage.audit_tables import AuditEntry

GOOD = {"name_latin": "Karim Benali", "name_ar": "كريم بن علي", "dob": "1994",
        "nationality-0": "FRA", "movement_kind": "departure", "movement_place": "Paris",
        "movement_country": "FRA", "legal_basis": "UNSCR-2178", "audience": "named",
        "recipients": "IRQ", "caveats": "ct-only", "action": "publish"}
DETAILS = {"case_summary": "Left Paris for Istanbul.\nTravelled with two others.",
           "desc_height": "178", "desc_build": "slim", "desc_eyes": "brown",
           "desc_hair": "black", "desc_marks": "Scar on the left hand.",
           "aff-0-name": "ISIL", "aff-0-un": "QDe.115", "aff-1-name": "كتيبة الأنصار",
           "contact_unit": "DGSI, FTF liaison desk", "contact_phone": "+33 1 23 45 67 89",
           "contact_email": "ftf-desk@example.fr"}
OPEN = {"purpose": "investigation", "legal_basis": "UNSCR-2178"}


def jpeg() -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Industries"
    Image.new("RGB", (60, 80), (10, 120, 200)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def client_of(member: coalition.Member, *, photos: bool) -> FlaskClient:
    member.node.config.handling.photos = photos
    app = create_app(node=member.node)
    app.config["TESTING"] = True
    client = app.test_client()
    page = client.get("/sign-in")
    client.post("/sign-in", data={"token": member.tokens["officer"],
                                  "csrf_token": csrf_of(page.text)})
    return client


def post(client: FlaskClient, url: str, data: dict[str, Any], page: str) -> Any:
    return client.post(url, data={**data, "csrf_token": csrf_of(client.get(page).text)},
                       content_type="multipart/form-data")


def publish(client: FlaskClient, **extra: Any) -> Any:
    return post(client, "/officer/publish", {**GOOD, **extra}, "/officer/publish")


def open_page(client: FlaskClient, notice_id: str) -> str:
    resp = post(client, f"/officer/notices/{notice_id}/open", OPEN,
                f"/officer/notices/{notice_id}")
    assert resp.status_code == 200
    return str(resp.text)


def published_id(client: FlaskClient) -> str:
    return re.findall(r"/officer/notices/([0-9a-f-]{36})",
                      client.get("/officer/?box=published").text)[0]


def opens(member: coalition.Member) -> list[AuditEntry]:
    with member.node.store.read() as db:
        return list(db.scalars(select(AuditEntry).where(AuditEntry.action == "open")))


def test_details_published_through_the_form_are_shown(pair: coalition.Coalition) -> None:
    fra = pair["FRA"]
    client = client_of(fra, photos=True)
    form = client.get("/officer/publish").text
    assert 'enctype="multipart/form-data"' in form and 'id="f-photo"' in form
    resp = publish(client, **DETAILS, photo=(io.BytesIO(jpeg()), "subject.jpg"),
                   photo_legal_basis="UNSCR-2396")
    assert resp.status_code == 302, resp.text[:2000]
    notice_id = published_id(client)
    page = open_page(client, notice_id)
    text = unescape(shown(page))
    for value in ("Left Paris for Istanbul.", "Travelled with two others.", "brown",
                  "Scar on the left hand.", "ISIL", "QDe.115", "كتيبة الأنصار",
                  "DGSI, FTF liaison desk", "+33 1 23 45 67 89", "ftf-desk@example.fr",
                  "Slim"):
        assert value in text, value
    # The photo: an <img> whose source is the access-checked route, not a data: URI.
    src = unescape(re.search(r'<img src="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    assert src.startswith(f"/officer/notices/{notice_id}/photo?") and "data:" not in page
    before = len(opens(fra))
    image = client.get(src)
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert image.headers["Cache-Control"] == "no-store"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert b"SpyCam" not in image.data
    logged = opens(fra)[before:]
    assert [(e.purpose, e.detail) for e in logged] == [("investigation", {"part": "photo"})]
    # Without a stated purpose, or for a reviewer, no photo.
    assert client.get(f"/officer/notices/{notice_id}/photo").status_code == 422
    reviewer = create_app(node=fra.node).test_client()
    page_ = reviewer.get("/sign-in")
    reviewer.post("/sign-in", data={"token": fra.tokens["reviewer"],
                                    "csrf_token": csrf_of(page_.text)})
    assert reviewer.get(src).status_code in (302, 403)
    assert len(opens(fra)) == before + 1


def test_the_update_form_keeps_the_photo_and_the_details(pair: coalition.Coalition) -> None:
    client = client_of(pair["FRA"], photos=True)
    assert publish(client, **DETAILS, photo=(io.BytesIO(jpeg()), "subject.jpg"),
                   photo_legal_basis="UNSCR-2396").status_code == 302
    notice_id = published_id(client)
    form = post(client, f"/officer/notices/{notice_id}/open", {**OPEN, "intent": "edit"},
                f"/officer/notices/{notice_id}").text
    assert 'name="keep_photo" value="1" checked' in form
    assert "Left Paris for Istanbul." in unescape(form)
    values = dict(re.findall(r'<input type="(?:text|tel|email|hidden)" id="f-([^"]+)" '
                             r'name="[^"]+" value="([^"]*)"', form))
    assert values["contact_unit"] == "DGSI, FTF liaison desk"
    data = {**GOOD, **DETAILS, "version": "1", "keep_photo": "1",
            "case_summary": "Now in Gaziantep."}
    resp = post(client, f"/officer/notices/{notice_id}/update", data,
                f"/officer/notices/{notice_id}")
    assert resp.status_code == 302, resp.text[:2000]
    page = open_page(client, notice_id)
    assert "Now in Gaziantep." in page and f"/officer/notices/{notice_id}/photo?" in page
    assert client.get(unescape(re.search(  # type: ignore[union-attr]
        r'<img src="([^"]+)"', page).group(1))).status_code == 200


def test_photos_off_hide_the_upload_and_refuse_a_photo(pair: coalition.Coalition) -> None:
    client = client_of(pair["FRA"], photos=False)
    assert 'id="f-photo"' not in client.get("/officer/publish").text
    resp = publish(client, photo=(io.BytesIO(jpeg()), "subject.jpg"),
                   photo_legal_basis="UNSCR-2396")
    assert resp.status_code == 422
    assert "Photos are off at this node" in unescape(resp.text)
    # Bad details are shown next to their field; nothing is published.
    client = client_of(pair["FRA"], photos=True)
    resp = publish(client, desc_height="tall", contact_unit="Desk", aff_0_un="x",
                   photo=(io.BytesIO(b"GIF89a not an image"), "x.gif"),
                   photo_legal_basis="UNSCR-2396")
    assert resp.status_code == 422
    errors = dict(re.findall(r'<ul class="field-errors" id="err-([^"]+)">\s*<li>([^<]+)',
                             resp.text))
    assert set(errors) >= {"desc_height", "contact_phone", "photo"}, errors
    assert "/officer/notices/" not in client.get("/officer/?box=published").text


def test_a_received_notice_shows_its_details(pair: coalition.Coalition) -> None:
    fra, irq = pair["FRA"], pair["IRQ"]
    client = client_of(fra, photos=True)
    assert publish(client, **DETAILS, photo=(io.BytesIO(jpeg()), "subject.jpg"),
                   photo_legal_basis="UNSCR-2396").status_code == 302
    fra.start()
    irq.start()
    irq.poll()
    # IRQ's photos are off: the details are shown, the photo is not served.
    at_irq = client_of(irq, photos=False)
    notice_id = re.findall(r"/officer/notices/([0-9a-f-]{36})", at_irq.get("/officer/").text)[0]
    page = open_page(at_irq, notice_id)
    assert "DGSI, FTF liaison desk" in unescape(page) and "<img" not in page
    assert "photos are off at this node" in page
    photo = f"/officer/notices/{notice_id}/photo?purpose=investigation&legal_basis=UNSCR-2178"
    assert at_irq.get(photo).status_code == 404
    # With photos on, IRQ's officer sees it.
    at_irq = client_of(irq, photos=True)
    assert f"/officer/notices/{notice_id}/photo?" in open_page(at_irq, notice_id)
    assert at_irq.get(photo).mimetype == "image/jpeg"
