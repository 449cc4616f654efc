"""The notice edge schemas: every rule, every malformed input, named field paths."""

from __future__ import annotations

import copy
from datetime import UTC
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fts_share.config import DEFAULT_LEGAL_BASES, DEFAULT_PURPOSES
from fts_share.errors import ValidationError
from fts_share.notices.schemas import (
    AUDIENCES,
    CAVEATS,
    DOC_TYPES,
    LABELS,
    MINIMUM_CRITERIA,
    MOVEMENT_KINDS,
    SEXES,
    NoticeInputSchema,
    dump_notice,
    load_decision,
    load_notice_input,
    load_open_request,
    load_screen_request,
    load_withdrawal,
    notice_input_class,
    notice_input_schema,
)

VOCAB = {"legal_bases": DEFAULT_LEGAL_BASES, "purposes": DEFAULT_PURPOSES}


def notice(**parts: Any) -> dict[str, Any]:
    """A valid notice; ``parts`` replace whole sections or, with "sec__key", one key."""
    doc: dict[str, Any] = {
        "subject": {
            "names": [{"full": "إبراهيم عواد إبراهيم البدري", "kind": "primary"},
                      {"full": "Ibrahim Awwad Ibrahim al-Badri", "kind": "spelling"},
                      {"full": "Abu Bakr al-Baghdadi", "kind": "kunya"}],
            "sex": "male",
            "dob": {"value": "1971-07-28", "approximate": False},
            "place_of_birth": "Samarra, Iraq",
            "nationalities": ["IRQ"],
            "documents": [{"type": "passport", "number": "A1234567", "issuer": "IRQ",
                           "expires": "2027-01-01"}],
            "minor": False,
        },
        "movement": {"kind": "departure", "place": "Istanbul", "country": "TUR",
                     "date": "2026-11-20", "carrier": "TK 784", "route": "IST-BGW"},
        "basis": {"legal_basis": ["UNSCR-2178", "UNSCR-2396"], "un_reference": "QDi.299"},
        "handling": {"audience": "named", "recipients": ["IRQ", "JOR"], "tlp": "AMBER",
                     "caveats": ["ct-only", "no-onward-dissemination"],
                     "purposes": ["investigation", "border_screening"],
                     "review_date": "2030-11-20", "named_users": []},
    }
    for key, value in parts.items():
        if "__" in key:
            section, field = key.split("__", 1)
            if value is DROP:
                doc[section].pop(field, None)
            else:
                doc[section][field] = value
        elif value is DROP:
            doc.pop(key)
        else:
            doc[key] = value
    return copy.deepcopy(doc)


DROP = object()


def load(data: Any) -> dict[str, Any]:
    return load_notice_input(data, **VOCAB)


def errors_of(data: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        load(data)
    return info.value.errors


# -- the valid notice --------------------------------------------------------------

def test_valid_notice_loads_and_keeps_its_content() -> None:
    out = load(notice())
    assert out["subject"]["names"][0] == {"full": "إبراهيم عواد إبراهيم البدري",
                                          "kind": "primary"}
    assert out["subject"]["dob"] == {"value": "1971-07-28", "approximate": False}
    assert out["movement"]["country"] == "TUR"
    assert out["basis"] == {"legal_basis": ["UNSCR-2178", "UNSCR-2396"],
                            "un_reference": "QDi.299"}
    assert out["handling"]["tlp"] == "AMBER"
    assert out["handling"]["recipients"] == ["IRQ", "JOR"]


def test_constants() -> None:
    assert LABELS == ("RED", "AMBER+STRICT", "AMBER", "GREEN", "CLEAR")
    assert set(CAVEATS) == {"ct-only", "no-judicial-use", "no-onward-dissemination", "other"}
    assert "death_reported" in MOVEMENT_KINDS and len(MOVEMENT_KINDS) == 9
    assert SEXES == ("male", "female", "unknown")
    assert "id_card" in DOC_TYPES
    assert AUDIENCES == ("named", "all-members", "members-and-observers")


def test_minimal_notice_gets_defaults() -> None:
    out = load({
        "subject": {"names": [{"full": "Abu Bakr"}], "nationalities": ["IRQ"]},
        "movement": {"kind": "transit", "place": "Gaziantep"},
        "basis": {"legal_basis": ["UNSCR-2178"]},
        "handling": {"audience": "all-members"},
    })
    assert out["subject"]["sex"] == "unknown"
    assert out["subject"]["dob"] is None and out["subject"]["documents"] == []
    assert out["subject"]["minor"] is False
    assert out["subject"]["names"] == [{"full": "Abu Bakr", "kind": "primary"}]
    assert out["movement"]["date"] is None and out["movement"]["country"] is None
    assert out["basis"]["un_reference"] is None
    h = out["handling"]
    assert h["tlp"] == "AMBER"
    assert h["caveats"] == ["ct-only"]
    assert h["purposes"] == list(DEFAULT_PURPOSES)
    assert h["recipients"] == [] and h["named_users"] == [] and h["review_date"] is None


# -- normalisation -----------------------------------------------------------------

def test_names_are_nfc_without_bidi_marks_and_stripped() -> None:
    decomposed = "Jose\u0301"  # e + combining acute
    out = load(notice(subject__names=[
        {"full": "\u200f\u202bأبو بكر\u202c\u200e ", "kind": "kunya"},
        {"full": f"  {decomposed} \u2066Ali\u2069", "kind": "alias"}]))
    names = [n["full"] for n in out["subject"]["names"]]
    assert names == ["أبو بكر", "José Ali"]


def test_duplicate_names_and_nationalities_are_merged() -> None:
    out = load(notice(subject__names=[{"full": "Abu Bakr"}, {"full": "Abu Bakr", "kind": "alias"}],
                      subject__nationalities=["IRQ", "iq", "Iraq", "SYR"]))
    assert [n["full"] for n in out["subject"]["names"]] == ["Abu Bakr"]
    assert out["subject"]["nationalities"] == ["IRQ", "SYR"]


@pytest.mark.parametrize("given_, code", [("irq", "IRQ"), ("IQ", "IRQ"), ("Irak", "IRQ"),
                                          ("العراق", "IRQ"), ("Syrie", "SYR")])
def test_countries_accept_names_and_codes(given_: str, code: str) -> None:
    out = load(notice(subject__nationalities=[given_], movement__country=given_))
    assert out["subject"]["nationalities"] == [code]
    assert out["movement"]["country"] == code


def test_document_numbers_are_normalised_icao_style() -> None:
    out = load(notice(subject__documents=[
        {"type": "id_card", "number": " ab-12 34<5 ", "issuer": "jor"},
        {"type": "travel_document", "number": "X1", "issuer": "XXA"}]))
    docs = out["subject"]["documents"]
    assert docs[0] == {"type": "id_card", "number": "AB1234<5", "issuer": "JOR",
                       "expires": None}
    assert docs[1]["issuer"] == "XXA"


def test_partner_codes_upper_cased() -> None:
    out = load(notice(handling__recipients=["irq", "EUR", "irq"]))
    assert out["handling"]["recipients"] == ["IRQ", "EUR"]


@pytest.mark.parametrize("value", ["1971", "1971-07", "1971-07-28", "2000-02-29"])
def test_partial_dates_stay_partial(value: str) -> None:
    out = load(notice(subject__dob={"value": value, "approximate": True}, movement__date=value))
    assert out["subject"]["dob"] == {"value": value, "approximate": True}
    assert out["movement"]["date"] == value


def test_dob_string_shorthand() -> None:
    out = load(notice(subject__dob="1971"))
    assert out["subject"]["dob"] == {"value": "1971", "approximate": False}


def test_dob_may_be_null_with_another_identifier() -> None:
    out = load(notice(subject__dob=None))
    assert out["subject"]["dob"] is None


# -- the rules, each naming its field ----------------------------------------------

def test_minimum_criteria_is_an_error_on_subject() -> None:
    errors = errors_of(notice(subject__dob=DROP, subject__nationalities=[],
                              subject__documents=[]))
    assert errors == {"subject": [MINIMUM_CRITERIA]}


@pytest.mark.parametrize("keep", ["dob", "nationalities", "documents"])
def test_one_identifier_besides_a_name_is_enough(keep: str) -> None:
    parts: dict[str, Any] = {f"subject__{k}": DROP for k in ("dob", "nationalities", "documents")
                             if k != keep}
    assert load(notice(**parts))["subject"]["names"]


def test_at_least_one_name() -> None:
    assert "subject.names" in errors_of(notice(subject__names=[]))
    assert "subject.names" in errors_of(notice(subject__names=DROP))


def test_at_most_twenty_names_ten_nationalities_ten_documents() -> None:
    names = [{"full": f"Name {chr(65 + i)}"} for i in range(21)]
    assert "subject.names" in errors_of(notice(subject__names=names))
    assert load(notice(subject__names=names[:20]))
    assert "subject.nationalities" in errors_of(notice(subject__nationalities=["IRQ"] * 11))
    doc = {"type": "passport", "number": "A1"}
    assert "subject.documents" in errors_of(notice(subject__documents=[doc] * 11))


@pytest.mark.parametrize("full", ["", "   ", "\u200f\u200e", "x" * 201, "--", "..."])
def test_bad_names(full: str) -> None:
    assert "subject.names.1.full" in errors_of(
        notice(subject__names=[{"full": "Abu Bakr"}, {"full": full}]))


@pytest.mark.parametrize("full", ["Abu\x00Bakr", "Abu\nBakr", "Abu\x1bBakr", "Abu\ud800"])
def test_control_characters_in_names(full: str) -> None:
    assert "subject.names.0.full" in errors_of(notice(subject__names=[{"full": full}]))


def test_name_of_200_chars_is_fine() -> None:
    assert load(notice(subject__names=[{"full": "a" * 200}]))


def test_ten_megabyte_strings_are_refused() -> None:
    huge = "a" * (10 * 1024 * 1024)
    errors = errors_of(notice(subject__names=[{"full": huge}], movement__place=huge,
                              subject__documents=[{"type": "passport", "number": huge}]))
    assert {"subject.names.0.full", "subject.documents.0.number"} <= set(errors)
    assert "movement.place" not in errors or errors["movement.place"]


@pytest.mark.parametrize("value", ["1971-13", "1971-02-30", "abc", "1971-7-28", "71",
                                   "1971-00", "1971-01-00", "0000", "1971-07-28T00:00",
                                   "1971/07/28", "", "١٩٧١"])
def test_bad_partial_dates(value: str) -> None:
    assert "subject.dob.value" in errors_of(notice(subject__dob={"value": value}))
    assert "movement.date" in errors_of(notice(movement__date=value))


@pytest.mark.parametrize("value", ["2027", "2027-01", "2027-02-30", "tomorrow"])
def test_full_dates_only_where_full_dates_are_needed(value: str) -> None:
    assert "subject.documents.0.expires" in errors_of(notice(subject__documents=[
        {"type": "passport", "number": "A1", "expires": value}]))
    assert "handling.review_date" in errors_of(notice(handling__review_date=value))


def test_unknown_country() -> None:
    assert "subject.nationalities.0" in errors_of(notice(subject__nationalities=["Atlantis"]))
    assert "movement.country" in errors_of(notice(movement__country="XX"))
    assert "subject.documents.0.issuer" in errors_of(notice(subject__documents=[
        {"type": "passport", "number": "A1", "issuer": "ZZZ"}]))


@pytest.mark.parametrize("number", ["", "A 1 2 $", "A" * 21, "Ä123", "12.34"])
def test_bad_document_numbers(number: str) -> None:
    assert "subject.documents.0.number" in errors_of(notice(subject__documents=[
        {"type": "passport", "number": number}]))


@pytest.mark.parametrize("path, value", [
    ("subject__sex", "m"), ("movement__kind", "travel"), ("handling__audience", "everyone"),
    ("handling__tlp", "WHITE"), ("handling__tlp", "amber")])
def test_closed_vocabularies(path: str, value: str) -> None:
    assert path.replace("__", ".") in errors_of(notice(**{path: value}))


def test_document_type_vocabulary() -> None:
    assert "subject.documents.0.type" in errors_of(notice(subject__documents=[
        {"type": "library_card", "number": "A1"}]))


def test_legal_basis_from_configured_vocabulary() -> None:
    assert "basis.legal_basis.0" in errors_of(notice(basis__legal_basis=["UNSCR-9999"]))
    assert "basis.legal_basis" in errors_of(notice(basis__legal_basis=[]))
    assert "basis.legal_basis" in errors_of(notice(basis__legal_basis=DROP))
    custom = load_notice_input(notice(basis__legal_basis=["NATIONAL-LAW-1"]),
                               legal_bases=["NATIONAL-LAW-1"], purposes=DEFAULT_PURPOSES)
    assert custom["basis"]["legal_basis"] == ["NATIONAL-LAW-1"]


@pytest.mark.parametrize("ref", ["QDi.299", "QDe.001", "TAi.012", "IQi.100", "KPe.003",
                                 "CDi.001", "SOe.002"])
def test_un_reference_ok(ref: str) -> None:
    assert load(notice(basis__un_reference=ref))["basis"]["un_reference"] == ref


@pytest.mark.parametrize("ref", ["QDi299", "qdi.299", "QDi.2990", "QDx.299", "Q.299", ""])
def test_un_reference_bad(ref: str) -> None:
    assert "basis.un_reference" in errors_of(notice(basis__un_reference=ref))


def test_named_audience_needs_recipients() -> None:
    assert "handling.recipients" in errors_of(notice(handling__recipients=[]))
    assert "handling.recipients" in errors_of(notice(handling__recipients=DROP))


@pytest.mark.parametrize("audience", ["all-members", "members-and-observers"])
def test_other_audiences_take_no_recipients(audience: str) -> None:
    assert "handling.recipients" in errors_of(notice(handling__audience=audience))
    out = load(notice(handling__audience=audience, handling__recipients=[]))
    assert out["handling"]["recipients"] == []


@pytest.mark.parametrize("code", ["IR", "IRAQ", "I1Q", "", "ÎRQ"])
def test_recipient_codes(code: str) -> None:
    assert "handling.recipients.1" in errors_of(notice(handling__recipients=["JOR", code]))


def test_caveats_vocabulary_and_default() -> None:
    assert "handling.caveats.0" in errors_of(notice(handling__caveats=["no-press"]))
    assert load(notice(handling__caveats=DROP))["handling"]["caveats"] == ["ct-only"]
    assert load(notice(handling__caveats=[]))["handling"]["caveats"] == []


def test_purposes_from_configured_vocabulary() -> None:
    assert "handling.purposes.0" in errors_of(notice(handling__purposes=["curiosity"]))
    assert "handling.purposes" in errors_of(notice(handling__purposes=[]))
    assert load(notice(handling__purposes=DROP))["handling"]["purposes"] == list(DEFAULT_PURPOSES)


def test_default_tlp_amber() -> None:
    assert load(notice(handling__tlp=DROP))["handling"]["tlp"] == "AMBER"


def test_minor_defaults_to_amber_strict() -> None:
    out = load(notice(subject__minor=True, handling__tlp=DROP))
    assert out["handling"]["tlp"] == "AMBER+STRICT"


@pytest.mark.parametrize("tlp", ["GREEN", "CLEAR"])
def test_minor_cannot_be_green_or_clear(tlp: str) -> None:
    assert "handling.tlp" in errors_of(notice(subject__minor=True, handling__tlp=tlp))
    assert load(notice(handling__tlp=tlp))["handling"]["tlp"] == tlp


@pytest.mark.parametrize("tlp", ["RED", "AMBER+STRICT", "AMBER"])
def test_minor_may_be_strict(tlp: str) -> None:
    assert load(notice(subject__minor=True, handling__tlp=tlp))["handling"]["tlp"] == tlp


def test_named_users_only_for_red() -> None:
    out = load(notice(handling__tlp="RED", handling__named_users=["alice", "bob.k"]))
    assert out["handling"]["named_users"] == ["alice", "bob.k"]
    assert "handling.named_users" in errors_of(notice(handling__named_users=["alice"]))
    assert "handling.named_users.0" in errors_of(
        notice(handling__tlp="RED", handling__named_users=["bad name"]))


# -- malformed input ---------------------------------------------------------------

@pytest.mark.parametrize("data", [None, [], "notice", 42, 1.5, True, [notice()]])
def test_non_object_input(data: Any) -> None:
    assert errors_of(data) == {"_schema": ["Invalid input type: expected a JSON object."]}


@pytest.mark.parametrize("section", ["subject", "movement", "basis", "handling"])
def test_missing_sections(section: str) -> None:
    assert errors_of(notice(**{section: DROP})) == {section: ["Missing data for required field."]}


@pytest.mark.parametrize("section", ["subject", "movement", "basis", "handling"])
def test_sections_must_be_objects(section: str) -> None:
    assert any(k.startswith(section) for k in errors_of(notice(**{section: ["x"]})))


@pytest.mark.parametrize("path", [
    "extra", "subject__extra", "movement__extra", "basis__extra", "handling__extra"])
def test_unknown_fields_are_named(path: str) -> None:
    errors = errors_of(notice(**{path: 1}))
    assert errors == {path.replace("__", "."): ["Unknown field."]}


def test_nested_unknown_fields_are_named() -> None:
    errors = errors_of(notice(
        subject__names=[{"full": "Abu Bakr", "script": "Latn"}],
        subject__dob={"value": "1971", "circa": True},
        subject__documents=[{"type": "passport", "number": "A1", "mrz": "P<IRQ"}]))
    assert errors == {"subject.names.0.script": ["Unknown field."],
                      "subject.dob.circa": ["Unknown field."],
                      "subject.documents.0.mrz": ["Unknown field."]}


@pytest.mark.parametrize("path, value, where", [
    ("subject__names", "Abu Bakr", "subject.names"),
    ("subject__names", [["Abu"]], "subject.names.0"),
    ("subject__names", [{"full": 42}], "subject.names.0.full"),
    ("subject__minor", "yes", "subject.minor"),
    ("subject__minor", 1, "subject.minor"),
    ("subject__dob", 1971, "subject.dob"),
    ("subject__dob", {"value": 1971}, "subject.dob.value"),
    ("subject__dob", {"value": "1971", "approximate": "no"}, "subject.dob.approximate"),
    ("subject__nationalities", "IRQ", "subject.nationalities"),
    ("subject__nationalities", [None], "subject.nationalities.0"),
    ("subject__documents", [{"type": "passport", "number": 1234}], "subject.documents.0.number"),
    ("movement__place", None, "movement.place"),
    ("movement__place", {"city": "x"}, "movement.place"),
    ("basis__legal_basis", "UNSCR-2178", "basis.legal_basis"),
    ("handling__recipients", [3], "handling.recipients.0"),
    ("handling__tlp", None, "handling.tlp"),
])
def test_wrong_types_name_the_field(path: str, value: Any, where: str) -> None:
    assert where in errors_of(notice(**{path: value}))


def test_all_errors_are_reported_together() -> None:
    errors = errors_of(notice(subject__sex="x", movement__kind="x", handling__tlp="x"))
    assert {"subject.sex", "movement.kind", "handling.tlp"} <= set(errors)


# -- factory, partial loading, output ----------------------------------------------

def test_factory_returns_stable_named_classes() -> None:
    a = notice_input_schema(**VOCAB)
    b = notice_input_schema(legal_bases=list(DEFAULT_LEGAL_BASES),
                            purposes=list(DEFAULT_PURPOSES))
    assert type(a) is type(b)
    assert isinstance(a, NoticeInputSchema)
    assert type(a).__name__ == "NoticeInputSchema"
    assert notice_input_class(("X",), ("y",)) is not type(a)


def test_partial_schema_loads_a_patch_without_defaults() -> None:
    schema = notice_input_schema(**VOCAB, partial=True)
    out = schema.load({"handling": {"review_date": "2028-01-01"}})
    assert out == {"handling": {"review_date": "2028-01-01"}}


def test_dump_notice_view() -> None:
    from datetime import datetime
    content = load(notice())
    view = {**content, "status": "active", "provenance": {
        "id": "n-1", "version": 2, "origin": "IRQ", "officer": "alice",
        "created": datetime(2026, 11, 20, 8, 0, tzinfo=UTC), "supersedes": 1}}
    out = dump_notice(view)
    assert out["subject"] == content["subject"]
    assert out["provenance"]["created"].startswith("2026-11-20T08:00:00")
    assert out["provenance"]["created"].endswith("Z")
    assert out["status"] == "active"


# -- the small requests ------------------------------------------------------------

def test_withdrawal() -> None:
    assert load_withdrawal({"reason": " Duplicate of n-7 \n"}) == {"reason": "Duplicate of n-7"}
    for bad, where in [({}, "reason"), ({"reason": ""}, "reason"), ({"reason": "x" * 501}, "reason"),
                       ({"reason": "ok", "by": "me"}, "by"), ([], "_schema")]:
        with pytest.raises(ValidationError) as info:
            load_withdrawal(bad)
        assert where in info.value.errors


def test_decision() -> None:
    assert load_decision({"decision": "confirmed", "reason": "same passport"}) \
        == {"decision": "confirmed", "reason": "same passport"}
    assert load_decision({"decision": "reopened", "reason": "different dob\nchecked"})["reason"] \
        == "different dob\nchecked"
    assert load_decision({"decision": "confirmed", "reason": "x", "note": "call us"})["note"] \
        == "call us"  # a note for the origin (hit feedback)
    for bad, where in [({"decision": "maybe", "reason": "x"}, "decision"), ({}, "decision"),
                       ({"decision": "confirmed"}, "reason"),
                       ({"decision": "confirmed", "reason": "  "}, "reason"),
                       ({"decision": "confirmed", "reason": "x", "extra": "y"}, "extra"),
                       ({"decision": "confirmed", "reason": "x", "note": "y" * 501}, "note"),
                       ({"decision": "confirmed", "reason": "x" * 1001}, "reason"),
                       ({"decision": "confirmed", "reason": "a\x00"}, "reason")]:
        with pytest.raises(ValidationError) as info:
            load_decision(bad)
        assert where in info.value.errors


def test_open_request() -> None:
    out = load_open_request({"purpose": "investigation", "legal_basis": ["UNSCR-2178"] * 2},
                            **VOCAB)
    assert out == {"purpose": "investigation", "legal_basis": ["UNSCR-2178"]}
    for bad, where in [({"purpose": "fun", "legal_basis": ["UNSCR-2178"]}, "purpose"),
                       ({"purpose": "investigation", "legal_basis": []}, "legal_basis"),
                       ({"purpose": "investigation", "legal_basis": ["X"]}, "legal_basis.0"),
                       ({"purpose": "investigation"}, "legal_basis"),
                       ({"legal_basis": ["UNSCR-2178"]}, "purpose")]:
        with pytest.raises(ValidationError) as info:
            load_open_request(bad, **VOCAB)
        assert where in info.value.errors


SCREEN = {"purpose": "border_screening", "legal_basis": ["UNSCR-2396"]}


def screen(data: Any, max_rows: int = 5) -> dict[str, Any]:
    return load_screen_request(data, **VOCAB, max_rows=max_rows)


def screen_errors(data: Any, max_rows: int = 5) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        screen(data, max_rows)
    return info.value.errors


def test_screen_single() -> None:
    out = screen({**SCREEN, "name": " Abu Bakr ", "dob": "1971", "nationality": "Irak",
                  "documents": ["a123-45", {"number": "b9", "type": "passport", "issuer": "IQ"}]})
    assert out == {**SCREEN, "name": "Abu Bakr", "dob": "1971", "nationality": "IRQ",
                   "documents": [{"number": "A12345", "type": None, "issuer": None},
                                 {"number": "B9", "type": "passport", "issuer": "IRQ"}]}
    assert screen({**SCREEN, "name": "x"}) == {**SCREEN, "name": "x", "dob": None,
                                               "nationality": None, "documents": []}


def test_screen_batch() -> None:
    out = screen({**SCREEN, "batch": [{"name": "A"}, {"ref": "r-2", "name": "B",
                                                      "dob": "1980-02", "nationality": "sy"}]})
    assert out == {**SCREEN, "batch": [
        {"ref": "1", "name": "A", "dob": None, "nationality": None},
        {"ref": "r-2", "name": "B", "dob": "1980-02", "nationality": "SYR"}]}


@pytest.mark.parametrize("data, where", [
    ({**SCREEN}, "name"),
    ({**SCREEN, "name": "A", "batch": [{"name": "B"}]}, "batch"),
    ({**SCREEN, "batch": []}, "batch"),
    ({**SCREEN, "batch": [{"name": "A"}] * 6}, "batch"),
    ({**SCREEN, "batch": [{"name": "A", "extra": 1}]}, "batch.0.extra"),
    ({**SCREEN, "batch": [{"name": "A"}, {"dob": "1970"}]}, "batch.1.name"),
    ({**SCREEN, "batch": [{"name": "A", "dob": "1970-13"}]}, "batch.0.dob"),
    ({**SCREEN, "batch": [{"name": "A"}], "dob": "1970"}, "dob"),
    ({**SCREEN, "batch": "A"}, "batch"),
    ({**SCREEN, "name": "A", "dob": "1971-02-30"}, "dob"),
    ({**SCREEN, "name": "A", "nationality": "Atlantis"}, "nationality"),
    ({**SCREEN, "name": "A", "documents": ["$$"]}, "documents.0.number"),
    ({**SCREEN, "name": "A", "documents": [{"number": "A1", "x": 1}]}, "documents.0.x"),
    ({**SCREEN, "name": ""}, "name"),
    ({**SCREEN, "name": "A", "purpose": "fun"}, "purpose"),
    ({**SCREEN, "name": "A", "legal_basis": []}, "legal_basis"),
    ({**SCREEN, "name": "A", "limit": 3}, "limit"),
    ("Abu Bakr", "_schema"),
])
def test_screen_errors(data: Any, where: str) -> None:
    assert where in screen_errors(data)


def test_screen_max_rows_is_configurable() -> None:
    rows = [{"name": f"N{i}"} for i in range(50)]
    assert len(screen({**SCREEN, "batch": rows}, max_rows=50)["batch"]) == 50
    assert "batch" in screen_errors({**SCREEN, "batch": rows}, max_rows=49)


# -- arbitrary JSON ----------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20)

KEYS = st.sampled_from(["subject", "movement", "basis", "handling", "names", "full", "kind",
                        "dob", "value", "nationalities", "documents", "number", "type",
                        "minor", "audience", "recipients", "tlp", "purpose", "legal_basis",
                        "name", "batch", "reason", "decision", "note"])
SHAPED = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20)
    | st.sampled_from(["IRQ", "1971", "1971-02-30", "named", "AMBER", "UNSCR-2178",
                       "investigation", "passport", "\u200f", "\x00"]),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=25)


def _only_validation_errors(data: Any) -> None:
    for call in (lambda: load(data), lambda: load_withdrawal(data),
                 lambda: load_decision(data), lambda: load_open_request(data, **VOCAB),
                 lambda: screen(data)):
        try:
            result = call()
        except ValidationError as exc:
            assert exc.errors and all(isinstance(v, list) for v in exc.errors.values())
        else:
            assert isinstance(result, dict)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_arbitrary_json_only_raises_validation_error(data: Any) -> None:
    _only_validation_errors(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SHAPED)
def test_notice_shaped_json_only_raises_validation_error(data: Any) -> None:
    _only_validation_errors(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["subject", "movement", "basis", "handling"]), SHAPED))
def test_mutated_sections_only_raise_validation_error(parts: dict[str, Any]) -> None:
    _only_validation_errors(notice(**parts))


def test_schemas_document_cleanly_with_apispec() -> None:
    from apispec import APISpec
    from apispec.ext.marshmallow import MarshmallowPlugin

    from fts_share.notices.schemas import (
        DecisionSchema,
        NoticeSchema,
        WithdrawalSchema,
        open_request_class,
        screen_request_class,
    )
    spec = APISpec("fts-share", "1", "3.1.0", plugins=[MarshmallowPlugin()])
    spec.components.schema("NoticeInput", schema=notice_input_class(
        tuple(DEFAULT_LEGAL_BASES), tuple(DEFAULT_PURPOSES)))
    spec.components.schema("Notice", schema=NoticeSchema)
    spec.components.schema("OpenRequest", schema=open_request_class(
        tuple(DEFAULT_PURPOSES), tuple(DEFAULT_LEGAL_BASES)))
    spec.components.schema("ScreenRequest", schema=screen_request_class(
        tuple(DEFAULT_PURPOSES), tuple(DEFAULT_LEGAL_BASES), 100))
    spec.components.schema("Withdrawal", schema=WithdrawalSchema)
    spec.components.schema("Decision", schema=DecisionSchema)
    schemas = spec.to_dict()["components"]["schemas"]
    handling = schemas["HandlingInput"]["properties"]
    assert handling["tlp"]["enum"] == list(LABELS)
    assert handling["purposes"]["items"]["enum"] == list(DEFAULT_PURPOSES)
    assert schemas["Subject"]["properties"]["names"]["maxItems"] == 20
    assert schemas["Subject"]["additionalProperties"] is False
