"""Why a hit matched, on the officer's pages, in English, French and Arabic: the reason
codes translated, names isolated in <bdi>, no engine internals."""

from __future__ import annotations

import re

import coalition
import pytest
from flask.testing import FlaskClient
from web_helpers import csrf_of

from fts_share.clock import utcnow
from fts_share.matching import NameIndex
from fts_share.services.unit import Work
from fts_share.services.watchlist_import import import_un_file
from fts_share.storage.models import Alert

SCREEN = {"purpose": "border_screening", "legal_basis": "UNSCR-2178"}
PRECISION = {"en": "are the right person", "fr": "désignent la bonne personne",
             "ar": "تخص الشخص المطلوب"}
SKELETONS = ("bkd", "mhmd", "skeleton", "bridge-v1", "name_coverage")


@pytest.fixture
def listed(pair: coalition.Coalition) -> coalition.Coalition:
    """FRA holds the UN excerpt."""
    with pair["FRA"].node.store.transaction() as s:
        import_un_file(Work(s, utcnow(), pair["FRA"].node), coalition.FIXTURES /
                       "un-excerpt.xml", actor="system")
    return pair


def screen(client: FlaskClient, lang: str, **fields: str) -> str:
    token = csrf_of(client.get("/officer/screen/").text)
    client.post("/language", data={"lang": lang, "back": "/officer/screen/",
                                   "csrf_token": token})
    token = csrf_of(client.get("/officer/screen/").text)
    resp = client.post("/officer/screen/", data={**SCREEN, **fields, "csrf_token": token})
    assert resp.status_code == 200, resp.text
    return resp.text


def reasons(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", r).strip() for r in
            re.findall(r'<li class="reason[^"]*">(.*?)</li>', html, re.DOTALL)]


@pytest.mark.parametrize("lang,given,same_dob,other", [
    ("en", "Given name: <bdi>أيمن</bdi> ≈ <bdi>Ayman</bdi> (another script)",
     "Year of birth agrees", "not in the listed name"),
    ("fr", "Prénom : <bdi>أيمن</bdi> ≈ <bdi>Ayman</bdi> (autre écriture)",
     "Année de naissance concordante", "absent du nom inscrit"),
    ("ar", "<bdi>أيمن</bdi> ≈ <bdi>Ayman</bdi> (بخط آخر)",
     "سنة الميلاد متطابقة", "غير موجود في الاسم المدرج"),
])
def test_screening_page_explains_each_hit(officer: FlaskClient, listed: coalition.Coalition,
                                          lang: str, given: str, same_dob: str,
                                          other: str) -> None:
    html = screen(officer, lang, name="أيمن الظواهري المصري", dob="1951",
                  nationality="EGY")
    found = reasons(html)
    assert any(given in r for r in found), found
    assert any(r.startswith(same_dob) for r in found), found
    assert any(other in r and "<bdi>المصري</bdi>" in r for r in found), found
    assert not [s for s in SKELETONS if s in html]
    said = re.findall(r'<p class="precision">(.*?)</p>', html)
    assert said and all(re.search(r"\b\d{1,3}%", p) and PRECISION[lang] in p for p in said)


def test_alert_page_uses_the_same_reasons_and_reads_old_alerts(
        officer: FlaskClient, listed: coalition.Coalition) -> None:
    index = NameIndex()
    index.add("QDi.006", ["AIMAN MUHAMMED RABI AL-ZAWAHIRI", "أيمن محمد ربيع الظواهري"],
              dob="1951-06-19", nationality="EGY")
    best = index.search("Aiman al-Zawahiri", dob="1951-06-19", nationality="SYR")[0]
    new = best.explanation.to_dict()
    with listed["FRA"].node.store.transaction() as s:
        work = Work(s, utcnow(), listed["FRA"].node)
        old = {"algorithm": "bridge-v1", "query_name": "x", "record_name": "y", "score": 0.9,
               "features": [], "parts": [{"query_part": "aiman", "record_part": "ayman",
                                          "query_role": "given", "record_role": "given",
                                          "similarity": 0.95, "weight": 1.0,
                                          "reason": "same skeleton 'ymn'"}],
               "text": "0.90 'aiman'~'ayman' (given, same skeleton 'ymn')"}
        for i, ex in enumerate((new, old)):
            s.add(Alert(created=work.now, notice_id=f"n-{i}", notice_version=1,
                        record_id=best.record_id, source="un", kind="sanctions_hit",
                        score=best.score, explanation=ex, measures=[], status="new"))
    token = csrf_of(officer.get("/officer/").text)
    officer.post("/language", data={"lang": "fr", "back": "/officer/", "csrf_token": token})
    html = officer.get("/officer/alerts").text
    found = reasons(html)
    assert "Date de naissance concordante : <bdi>1951-06-19</bdi> / <bdi>1951-06-19</bdi>" \
        in found, found
    assert any(r.startswith("Nationalité différente : ") for r in found), found
    assert "Prénom : <bdi>aiman</bdi> ≈ <bdi>ayman</bdi>" in found  # the old alert
    assert not [s for s in SKELETONS if s in html]


def test_screening_page_tells_each_hit_its_source(officer: FlaskClient,
                                                  listed: coalition.Coalition) -> None:
    from fts_share.services.watchlist_import import import_ftm

    with listed["FRA"].node.store.transaction() as s:
        import_ftm(Work(s, utcnow(), listed["FRA"].node),
                   (coalition.FIXTURES / "ftm-persons.jsonl").read_bytes(),
                   list_name="opensanctions", actor="system")
    html = screen(officer, "fr", name="Abu Umar the Chechen; Ayman al-Zawahiri")
    sources = re.findall(r'<td class="source">(.*?)</td>', html)
    assert "Liste FollowTheMoney (OpenSanctions) <span class=\"hint\">(<bdi>opensanctions</bdi>)</span>" \
        in sources, sources
    assert "Liste du Conseil de sécurité des Nations unies" in sources


@pytest.mark.parametrize("lang,note", [
    ("en", "(given name in the name screened)"),
    ("fr", "dans le nom recherché)"),
    ("ar", "في الاسم المبحوث عنه)"),
])
def test_a_part_in_another_place_of_the_name_says_so(officer: FlaskClient,
                                                     listed: coalition.Coalition,
                                                     lang: str, note: str) -> None:
    """Written family name first, as lists do: the page says where each part was."""
    found = reasons(screen(officer, lang, name="Zawahiri, Ayman"))
    assert any("<bdi>Zawahiri</bdi>" in r and note in r for r in found), found
