"""A tour of every page an officer or a reviewer meets, with data on them: a notice
published at FRA and received at IRQ (where it raises alerts against a national list
and the UN list), screenings (one name, a batch, errors), and the reviewer pages.

Used by the catalogue test (every visible word in the page's language) and the
accessibility test (axe in Chromium): both walk the same pages.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import coalition
from flask.testing import FlaskClient
from PIL import Image
from web_helpers import add_watchlist, csrf_of, sign_in

from fts_share.app import create_app
from fts_share.clock import utcnow
from fts_share.services import jobqueue, listimports
from fts_share.services.unit import Work
from fts_share.services.watchlist_import import import_un_file

UN_LIST = Path(__file__).resolve().parents[2] / "fixtures" / "un-excerpt.xml"
NOTICE = {"name_latin": "Karim Benali", "name_ar": "كريم بن علي",
          "alias-0-full": "Abou Souleymane", "alias-0-kind": "nom_de_guerre", "dob": "1994",
          "dob_approx": "1", "nationality-0": "FRA", "doc-0-type": "passport",
          "doc-0-number": "12AB34567", "doc-0-country": "FRA", "movement_kind": "departure",
          "movement_place": "Paris", "movement_country": "FRA", "legal_basis": "UNSCR-2178",
          "audience": "named", "recipients": "IRQ", "caveats": "ct-only", "action": "publish"}
SADDAM = {"name_latin": "Saddam Hussein al-Tikriti", "name_ar": "صدام حسين التكريتي",
          "dob": "1937-04-28", "nationality-0": "IRQ", "movement_kind": "detention",
          "movement_place": "Baghdad", "movement_country": "IRQ",
          "legal_basis": "UNSCR-2178", "audience": "named", "recipients": "IRQ",
          "caveats": "ct-only", "action": "publish"}
PURPOSE = {"purpose": "border_screening", "legal_basis": "UNSCR-2178"}
#: The notice details (issue 17 item 4) both tour notices carry, with a photo.
DETAILS = {"case_summary": "Left Paris for Istanbul on 2026-11-20.\nTravelled with two others.",
           "desc_height": "178", "desc_build": "slim", "desc_eyes": "brown",
           "desc_hair": "black", "desc_marks": "Scar on the left hand.",
           "aff-0-name": "ISIL", "aff-0-un": "QDe.115", "aff-1-name": "كتيبة الأنصار",
           "contact_unit": "DGSI, FTF liaison desk", "contact_phone": "+33 1 23 45 67 89",
           "contact_email": "ftf-desk@example.fr", "photo_legal_basis": "UNSCR-2396"}


def photo() -> tuple[io.BytesIO, str]:
    """A small JPEG photo, as the form uploads it."""
    out = io.BytesIO()
    Image.new("RGB", (60, 80), (10, 120, 200)).save(out, "JPEG")
    return io.BytesIO(out.getvalue()), "subject.jpg"


def post(client: FlaskClient, url: str, data: dict[str, Any], page: str, **kw: Any) -> Any:
    """POST with the CSRF token of ``page``."""
    return client.post(url, data={**data, "csrf_token": csrf_of(client.get(page).text)}, **kw)


def prepare(c: coalition.Coalition) -> dict[str, str]:
    """Publish two notices from FRA to IRQ (with their details and a photo: photos are
    on at both), poll at IRQ, decide one alert; the ids."""
    for code in ("FRA", "IRQ"):
        c[code].node.config.handling.photos = True
    add_watchlist(c["IRQ"])
    with c["IRQ"].node.store.transaction() as db:
        import_un_file(Work(db, utcnow(), c["IRQ"].node), UN_LIST, actor="system")
    fra = client_of(c["FRA"], "officer")
    for data in (NOTICE, SADDAM):
        assert post(fra, "/officer/publish", {**data, **DETAILS, "photo": photo()},
                    "/officer/publish", content_type="multipart/form-data").status_code == 302
    c["IRQ"].poll()
    irq = client_of(c["IRQ"], "officer")
    alerts = re.findall(r'id="alert-(\d+)"', irq.get("/officer/alerts").text)
    assert len(alerts) >= 2, "the notices raise alerts at IRQ"
    post(irq, f"/officer/alerts/{alerts[0]}/decision",
         {"decision": "confirmed", "reason": "Same date of birth and passport."},
         "/officer/alerts")
    notice_id = re.findall(r"/officer/notices/([0-9a-f-]{36})", irq.get("/officer/").text)[0]
    mine = re.findall(r"/officer/notices/([0-9a-f-]{36})",
                      fra.get("/officer/?box=published").text)[0]
    return {"received": notice_id, "published": mine, "alert": alerts[-1],
            "decided": alerts[0]}


def client_of(member: coalition.Member, role: str, lang: str = "en") -> FlaskClient:
    """A test client of ``member``'s pages, signed in with ``role``, in ``lang``."""
    app = create_app(node=member.node)
    app.config["TESTING"] = True
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    assert sign_in(client, member.tokens[role]).status_code == 302
    return client


def officer_pages(client: FlaskClient, ids: dict[str, str]) -> Iterator[tuple[str, Any]]:
    """(what, response) for every officer page at IRQ, in the client's language."""
    notice = ids["received"]
    yield "inbox", client.get("/officer/")
    yield "inbox published", client.get("/officer/?box=published")
    yield "publish", client.get("/officer/publish")
    yield "publish errors", post(client, "/officer/publish",
                                 {"name_latin": "12345", "dob": "1994-13-01", "nationality-0": "XXX",
                                  "audience": "named", "action": "publish"}, "/officer/publish")
    yield "publish preview", post(client, "/officer/publish",
                                  {**NOTICE, "action": "preview"}, "/officer/publish")
    yield "open", client.get(f"/officer/notices/{notice}")
    yield "open errors", post(client, f"/officer/notices/{notice}/open", {},
                              f"/officer/notices/{notice}")
    yield "notice", post(client, f"/officer/notices/{notice}/open",
                         {"purpose": "investigation", "legal_basis": "UNSCR-2178"},
                         f"/officer/notices/{notice}")
    for status in ("new", "confirmed", "dismissed"):
        yield f"alerts {status}", client.get(f"/officer/alerts?status={status}")
    yield "alert", client.get(f"/officer/alerts/{ids['alert']}")
    yield "decided alert", client.get(f"/officer/alerts/{ids['decided']}")
    yield "screen", client.get("/officer/screen/")
    yield "screen errors", post(client, "/officer/screen/", {"dob": "19x4"}, "/officer/screen/")
    yield "screen one", post(client, "/officer/screen/",
                             {**PURPOSE, "name": "Saddam Hussein", "dob": "1937"},
                             "/officer/screen/")
    csv = "ref,name,dob\nR1,Saddam Hussein,1937\nR2,Omar Haddad,1980\nR3,Jean Dupont,1970\n"
    done = post(client, "/officer/screen/batch",
                {**PURPOSE, "file": (io.BytesIO(csv.encode()), "l.csv", "text/csv")},
                "/officer/screen/", content_type="multipart/form-data")
    batch = client.get(done.headers["Location"])
    yield "screen batch", batch
    yield "screen batch filtered", client.get(done.headers["Location"] + "?min_score=0.9&hits=1")
    yield "screen batch by decision", client.get(done.headers["Location"] + "?decision=none")
    entry = re.findall(r'href="(/officer/screen/entries/[^"]+)"', batch.text)
    assert entry, "a list hit links to its list entry"
    yield "list entry", client.get(entry[0])
    yield "screen batch errors", post(
        client, "/officer/screen/batch",
        {"file": (io.BytesIO(b"name,dob\nAli,19x0\n"), "l.csv", "text/csv")},
        "/officer/screen/", content_type="multipart/form-data")
    yield "search", client.get("/officer/search/")
    yield "search errors", post(client, "/officer/search/",
                                {"dob_from": "19x4", "dated_to": "2026-02-30"},
                                "/officer/search/")
    yield "search no criterion", post(client, "/officer/search/", PURPOSE, "/officer/search/")
    yield "search results", post(client, "/officer/search/",
                                 {**PURPOSE, "name": "صدام حسين"}, "/officer/search/")
    yield "search nothing found", post(client, "/officer/search/",
                                       {**PURPOSE, "origin": "FRA", "dob_to": "1900"},
                                       "/officer/search/")
    yield "not found", client.get("/officer/notices/00000000-0000-0000-0000-000000000000")


def reviewer_pages(client: FlaskClient) -> Iterator[tuple[str, Any]]:
    """(what, response) for every reviewer page."""
    yield "log", client.get("/review/")
    yield "log errors", client.get("/review/?actor=nobody&since=2026-99-01&partner=x1")
    yield "tree", client.get("/review/tree")
    yield "proof", client.get("/review/proof?index=1")
    yield "proof errors", client.get("/review/proof?index=x")
    yield "report", client.get("/review/report")
    yield "forbidden", client.get("/officer/")


def an_import(node: Any) -> str:
    """A finished UN list import (run as a job) at ``node``, made on first use."""
    done = [i for i in listimports.recent(node, now=utcnow()) if i["status"] == "done"]
    if done:
        return str(done[0]["id"])
    import_id = jobqueue.submit_import(node, UN_LIST.read_bytes(), file_name=UN_LIST.name,
                                       owner="user:admin")
    listimports.wait(node, import_id, clock=utcnow)
    return import_id


def every_page(c: coalition.Coalition, ids: dict[str, str],
               lang: str) -> Iterator[tuple[str, Any]]:
    """(what, response) for every page of the tour in ``lang``: the officer and reviewer
    pages at IRQ, the notice FRA published (and its withdrawal form), the admin page,
    and the pages of someone not signed in."""
    yield from officer_pages(client_of(c["IRQ"], "officer", lang), ids)
    yield from reviewer_pages(client_of(c["IRQ"], "reviewer", lang))
    fra = client_of(c["FRA"], "officer", lang)
    yield "published notice", fra.get(f"/officer/notices/{ids['published']}")
    yield "update form", post(fra, f"/officer/notices/{ids['published']}/open",
                              {"purpose": "investigation", "legal_basis": "UNSCR-2178",
                               "intent": "edit"}, f"/officer/notices/{ids['published']}")
    yield "withdraw", fra.get(f"/officer/notices/{ids['published']}/withdraw")
    admin = client_of(c["IRQ"], "admin", lang)
    yield "admin peers", admin.get("/admin/peers")
    imported = an_import(c["IRQ"].node)
    yield "admin imports", admin.get("/admin/imports")
    yield "admin import", admin.get(f"/admin/imports/{imported}")
    yield "no pages", admin.get("/no-pages")
    anonymous = create_app(node=c["IRQ"].node).test_client()
    anonymous.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    yield "sign in", anonymous.get("/sign-in")
    yield "sign in errors", post(anonymous, "/sign-in", {"token": "not-a-token"}, "/sign-in")
