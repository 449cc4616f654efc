"""The officer's alert page shows an alert's group: its matches ranked, best first, and
the sightings of its subject from each partner, in English, French and Arabic."""

from __future__ import annotations

import re

import pytest
from coalition import Coalition, notice
from page_tour import client_of

PASSPORT = [{"type": "passport", "number": "P7654321", "issuer": "FRA"}]
SEEN = {"en": "Sightings of this subject", "fr": "Signalements de cette personne",
        "ar": "مشاهدات هذا الشخص"}


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_the_alert_page_shows_ranked_matches_and_sightings(coalition: Coalition,
                                                           lang: str) -> None:
    fra, irq, mli = coalition["FRA"], coalition["IRQ"], coalition["MLI"]
    for member, subject in ((fra, {}), (irq, {"nationalities": ["IRQ"]}),
                            (fra, {"nationalities": ["TUN"]})):
        status, body, _ = member.api("POST", "/api/v1/notices", token="officer",
                                     body=notice(recipients=["MLI"], documents=PASSPORT,
                                                 **subject))
        assert status == 201, body
        assert all(r.ok for r in mli.poll())
    page = client_of(mli, "officer", lang).get("/officer/alerts")
    assert page.status_code == 200
    html = page.text
    assert len(re.findall(r'<article class="alert-card" id="alert-\d+"', html)) == 1
    group = html[html.index('<section class="group"'):]
    group = group[:group.index("</section>")]
    assert SEEN[lang] in group
    origins = re.findall(r"\((?:<bdi[^>]*>)?(FRA|IRQ)(?:</bdi>)?\)", group)
    assert origins == ["FRA", "IRQ", "FRA"]
    scores = [float(s) for s in re.findall(r"<td><bdi dir=\"ltr\">(\d\.\d\d)</bdi></td>", group)]
    assert len(scores) >= 2 and scores == sorted(scores, reverse=True)
