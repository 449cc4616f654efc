"""Notice details across the federation (issue 17 item 4): they travel inside the
sealed notice, so they arrive decrypted at a recipient only; a node that does not know
them accepts the notice and ignores them; an old-style notice still arrives at a node
that knows them; and a link full of notices with photos is served in pages that each
stay within the page byte budget."""

from __future__ import annotations

import base64
import copy
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from coalition import Coalition, Member, build, notice, sqlite_databases
from helpers import PURPOSE, audit, notice_ids
from PIL import Image
from sqlalchemy import select

from fts_share.federation import feed
from fts_share.notices import details
from fts_share.storage.models import OutboxEnvelope

pytestmark = pytest.mark.timeout(240)
SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
SUMMARY = "Left Paris for Istanbul; travelled with two others."
DETAILS = {"case_summary": SUMMARY,
           "description": {"height_cm": 178, "eyes": "brown"},
           "affiliations": [{"name": "ISIL", "un_reference": "QDe.115"}],
           "contact": {"unit": "DGSI, FTF liaison desk", "email": "ftf-desk@example.fr"}}


def photo(seed: int = 0, side: int = 200) -> dict[str, Any]:
    """A noisy JPEG (it compresses badly: a large photo), with its legal basis."""
    img = Image.effect_noise((side, side), 60 + seed).convert("RGB")
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return {"data": base64.b64encode(out.getvalue()).decode(), "legal_basis": ["UNSCR-2396"]}


@pytest.fixture
def federation(tmp_path: Path) -> Iterator[Coalition]:
    urls = sqlite_databases(tmp_path)
    c = build(tmp_path, urls, [("FRA", "member"), ("IRQ", "member"), ("JOR", "member")],
              post_quantum={"FRA": False, "IRQ": False, "JOR": False})
    for member in c.members.values():
        member.node.config.handling.photos = True
    yield c
    c.close()


def publish(member: Member, recipients: list[str], ext: dict[str, Any] | None) -> str:
    body = notice(recipients=recipients)
    if ext is not None:
        body["ext"] = copy.deepcopy(ext)
    status, doc, headers = member.api("POST", "/api/v1/notices", token="officer", body=body)
    assert status == 201, doc
    return str(headers["Location"]).rsplit("/", 1)[1]


def opened(member: Member, notice_id: str) -> dict[str, Any]:
    status, doc, _ = member.api("GET", f"/api/v1/notices/{notice_id}{PURPOSE}",
                                token="officer")
    assert status == 200, doc
    return dict(doc["notice"])


def clean_poll(member: Member) -> None:
    reports = member.poll()
    assert all(r.ok for r in reports), [(r.peer, r.error) for r in reports]
    assert all(r.result.rejected == 0 for r in reports), [(r.peer, r.result) for r in reports]


def test_details_reach_the_recipient_only(federation: Coalition) -> None:
    fra, irq, jor = federation["FRA"], federation["IRQ"], federation["JOR"]
    ext = {**DETAILS, "photo": photo()}
    notice_id = publish(fra, ["IRQ"], ext)
    sent = opened(fra, notice_id)["ext"]
    clean_poll(irq)
    clean_poll(jor)
    # The recipient opens them decrypted, exactly as the origin sealed them.
    assert opened(irq, notice_id)["ext"] == sent
    assert sent["photo"]["media_type"] == "image/jpeg"
    # The non-recipient holds nothing of the notice.
    assert notice_ids(jor, "FRA") == []
    status, _, _ = jor.api("GET", f"/api/v1/notices/{notice_id}{PURPOSE}", token="officer")
    assert status == 404
    # On the wire, nothing of the details is in clear (the relays see ciphertext only).
    with fra.node.store.read() as s:
        bodies = [json.dumps(json.loads(b)) for b in s.scalars(
            select(OutboxEnvelope.envelope)).all()]
    assert bodies
    for secret in ("Istanbul", "liaison", "ISIL", sent["photo"]["data"][100:160]):
        assert not any(secret in b for b in bodies), secret


def test_a_node_that_ignores_the_details_still_takes_the_notice(
        federation: Coalition, monkeypatch: pytest.MonkeyPatch) -> None:
    """A node of the previous revision knows no member of ``ext``: its notice schema
    has ``ext`` as a free object (the registered members' ``properties`` absent). The
    notice with details is valid under that schema, and a node that knows no
    details receives it, keeps them in the signed statement and shows the rest."""
    fra, irq = federation["FRA"], federation["IRQ"]
    notice_id = publish(fra, ["IRQ"], {**DETAILS, "photo": photo()})
    wire = opened(fra, notice_id)
    wire.pop("status", None)
    old = json.loads((SCHEMAS / "notice.schema.json").read_text())
    del old["$defs"]["ext"]["properties"]
    jsonschema.Draft202012Validator(old).validate(wire)
    # The receiver, not knowing any detail, accepts and shows the notice.
    monkeypatch.setattr(details, "KNOWN", ())
    clean_poll(irq)
    assert not audit(irq, action="reject")
    got = opened(irq, notice_id)
    assert got["subject"]["names"][0]["full"] == "Karim Benali"
    assert got["ext"]["case_summary"] == SUMMARY  # kept whole, inside the signed notice
    assert details.known_details(got["ext"]) == {}


def test_an_old_style_notice_reaches_a_node_that_knows_the_details(
        federation: Coalition) -> None:
    fra, irq = federation["FRA"], federation["IRQ"]
    plain = publish(fra, ["IRQ"], None)
    clean_poll(irq)
    got = opened(irq, plain)
    assert "ext" not in got and details.known_details(got.get("ext")) == {}


def test_pages_of_notices_with_photos_stay_within_the_byte_budget(
        federation: Coalition, monkeypatch: pytest.MonkeyPatch) -> None:
    fra, irq = federation["FRA"], federation["IRQ"]
    ids = [publish(fra, ["IRQ"], {"photo": photo(seed, side=300)}) for seed in range(4)]
    with fra.node.store.read() as s:
        sizes = [len(b) for b in s.scalars(select(OutboxEnvelope.envelope)).all()]
    assert min(sizes) > 40_000
    # A budget of about one envelope: every page carries exactly one, and stays valid.
    monkeypatch.setattr(feed, "PAGE_BYTES", max(sizes) + 1)
    reports = irq.poll()
    (report,) = [r for r in reports if r.peer == "FRA"]
    assert report.ok and report.result.rejected == 0, report
    assert report.pages >= 4
    assert set(notice_ids(irq, "FRA")) == set(ids)
    for notice_id in ids:
        assert opened(irq, notice_id)["ext"]["photo"]["media_type"] == "image/jpeg"
