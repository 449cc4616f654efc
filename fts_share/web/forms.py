"""The notice form: flat HTML form fields to the notice document (validated by the same
marshmallow loader as the API) and back, and validation errors to the field they
belong to."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import FileStorage, MultiDict

from fts_share.notices.vocab import MAX_AFFILIATIONS, MAX_DOCUMENTS, MAX_NAMES, MAX_NATIONALITIES
from fts_share.web import details_form
from fts_share.web.labels import message

ALIAS_ROWS, NATIONALITY_ROWS, DOCUMENT_ROWS = 3, 3, 2
FORM_ERROR = "_form"

#: Error path prefixes that have no field of their own, and where they are shown.
GROUPS = {
    "subject": "subject", "subject.names": "names", "subject.dob": "dob",
    "subject.nationalities": "nationality-0", "subject.documents": "doc-0-number",
    "movement": "movement_kind", "basis": "legal_basis", "handling": "audience",
}
SIMPLE = {
    "subject.sex": "sex", "subject.dob.value": "dob", "subject.dob.approximate": "dob_approx",
    "subject.place_of_birth": "place_of_birth", "subject.minor": "minor",
    "movement.kind": "movement_kind", "movement.place": "movement_place",
    "movement.country": "movement_country", "movement.date": "movement_date",
    "movement.carrier": "movement_carrier", "movement.route": "movement_route",
    "basis.legal_basis": "legal_basis", "basis.un_reference": "un_reference",
    "handling.audience": "audience", "handling.recipients": "recipients",
    "handling.tlp": "tlp", "handling.caveats": "caveats", "handling.purposes": "purposes",
    "handling.review_date": "review_date", "handling.named_users": "recipients",
}
LISTS = ("legal_basis", "recipients", "caveats", "purposes", *details_form.LISTS)
DOC_FIELDS = ("type", "number", "issuer", "expires")


@dataclass
class NoticeForm:
    """What the form posted, the notice built from it and where each path came from."""

    values: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    def errors(self, problems: Mapping[str, list[str]]) -> dict[str, list[str]]:
        """Validation errors (``{"subject.dob.value": [...]}``) keyed by form field."""
        out: dict[str, list[str]] = {}
        for path, msgs in problems.items():
            target = FORM_ERROR
            parts = path.split(".")
            for end in range(len(parts), 0, -1):
                prefix = ".".join(parts[:end])
                if prefix in self.paths:
                    target = self.paths[prefix]
                    break
            out.setdefault(target, []).extend(message(m) for m in msgs)
        return out


def is_arabic(text: str) -> bool:
    """Whether ``text`` has letters of the Arabic script."""
    return any("ARABIC" in unicodedata.name(ch, "") for ch in text if ch.isalpha())


def _rows(form: Mapping[str, Any], prefix: str, minimum: int, maximum: int) -> int:
    n = 0
    while n < maximum and any(k.startswith(f"{prefix}-{n}-") or k == f"{prefix}-{n}"
                              for k in form):
        n += 1
    return max(minimum, n)


def _add_name(nf: NoticeForm, names: list[dict[str, str]], full: str, kind: str, fname: str,
              kname: str | None) -> None:
    """Add a name to the subject and remember which form fields it came from."""
    nf.paths[f"subject.names.{len(names)}.full"] = fname
    nf.paths[f"subject.names.{len(names)}.kind"] = kname or fname
    nf.paths[f"subject.names.{len(names)}"] = fname
    names.append({"full": full, "kind": kind})


def _names(nf: NoticeForm, form: MultiDict[str, str]) -> list[dict[str, str]]:
    """The subject's names: Arabic and Latin primary names, then the aliases."""
    v = nf.values.get
    names: list[dict[str, str]] = []
    if name_ar := v("name_ar"):
        _add_name(nf, names, name_ar, "primary", "name_ar", None)
    if name_latin := v("name_latin"):
        _add_name(nf, names, name_latin, "spelling" if name_ar else "primary", "name_latin",
                  None)
    nf.rows["alias"] = _rows(form, "alias", ALIAS_ROWS, MAX_NAMES)
    for i in range(nf.rows["alias"]):
        if alias := v(f"alias-{i}-full"):
            _add_name(nf, names, alias, v(f"alias-{i}-kind") or "alias",
                      f"alias-{i}-full", f"alias-{i}-kind")
    if not names:
        nf.paths["subject.names"] = "name_latin"
    return names


def _nationalities(nf: NoticeForm, form: MultiDict[str, str]) -> list[Any]:
    v = nf.values.get
    nats: list[Any] = []
    nf.rows["nationality"] = _rows(form, "nationality", NATIONALITY_ROWS, MAX_NATIONALITIES)
    for i in range(nf.rows["nationality"]):
        if v(f"nationality-{i}"):
            nf.paths[f"subject.nationalities.{len(nats)}"] = f"nationality-{i}"
            nats.append(v(f"nationality-{i}"))
    return nats


def _documents(nf: NoticeForm, form: MultiDict[str, str]) -> list[Any]:
    nf.rows["doc"] = _rows(form, "doc", DOCUMENT_ROWS, MAX_DOCUMENTS)
    rows = [{k: nf.values.get(f"doc-{i}-{k}") for k in DOC_FIELDS}
            for i in range(nf.rows["doc"])]
    docs: list[Any] = []
    for i, row in enumerate(rows):
        if not any(row.values()):
            continue
        at = f"subject.documents.{len(docs)}"
        nf.paths.update({f"{at}.{k}": f"doc-{i}-{k}" for k in row})
        nf.paths[at] = f"doc-{i}-number"
        docs.append({k: val for k, val in row.items() if val})
    return docs


def _subject(nf: NoticeForm, form: MultiDict[str, str]) -> dict[str, Any]:
    v = nf.values.get
    subject: dict[str, Any] = {"names": _names(nf, form), "sex": v("sex") or "unknown",
                               "minor": bool(v("minor"))}
    if v("dob"):
        subject["dob"] = {"value": v("dob"), "approximate": bool(v("dob_approx"))}
    if v("place_of_birth"):
        subject["place_of_birth"] = v("place_of_birth")
    subject["nationalities"] = _nationalities(nf, form)
    subject["documents"] = _documents(nf, form)
    return subject


def _handling(values: Mapping[str, Any]) -> dict[str, Any]:
    v = values.get
    handling: dict[str, Any] = {"caveats": values.get("caveats", [])}
    if v("audience"):
        handling["audience"] = v("audience")
    if v("audience") == "named" or values.get("recipients"):
        handling["recipients"] = values.get("recipients", [])
    for key in ("tlp", "review_date"):
        if v(key):
            handling[key] = v(key)
    if values.get("purposes"):
        handling["purposes"] = values["purposes"]
    return handling


def read_form(form: MultiDict[str, str], photo: FileStorage | None = None) -> NoticeForm:
    """Turn the posted form (and the uploaded photo, if any) into a notice document;
    empty fields are left out, so the schema's defaults and its "missing" messages
    apply."""
    values: dict[str, Any] = {k: (form.getlist(k) if k in LISTS else form.get(k, "").strip())
                              for k in form if k != "csrf_token"}
    nf = NoticeForm(values=values, paths=dict(GROUPS) | dict(SIMPLE))
    v = values.get
    subject = _subject(nf, form)
    movement = {k: v(f"movement_{k}") for k in ("kind", "place", "country", "date", "carrier",
                                                "route") if v(f"movement_{k}")}
    basis: dict[str, Any] = {"legal_basis": values.get("legal_basis", [])}
    if v("un_reference"):
        basis["un_reference"] = v("un_reference")
    nf.data = {"subject": subject, "movement": movement, "basis": basis,
               "handling": _handling(values)}
    nf.rows["aff"] = _rows(form, "aff", details_form.AFFILIATION_ROWS, MAX_AFFILIATIONS)
    ext = details_form.read_details(values, photo, rows=nf.rows["aff"], paths=nf.paths)
    if ext:
        nf.data["ext"] = ext
    return nf


def _name_values(subject: Mapping[str, Any], values: dict[str, Any]) -> list[Any]:
    """Fill the primary name slots; the other names, as aliases."""
    aliases = []
    for name in subject.get("names", []):
        slot = ("name_ar" if is_arabic(name["full"]) else "name_latin")
        if name.get("kind") in ("primary", "spelling") and slot not in values:
            values[slot] = name["full"]
        else:
            aliases.append(name)
    for i, name in enumerate(aliases):
        values[f"alias-{i}-full"], values[f"alias-{i}-kind"] = name["full"], name.get("kind", "alias")
    return aliases


def _subject_values(subject: Mapping[str, Any], values: dict[str, Any]) -> None:
    values["sex"] = subject.get("sex", "unknown")
    if subject.get("dob"):
        values["dob"] = subject["dob"]["value"]
        values["dob_approx"] = "1" if subject["dob"].get("approximate") else ""
    values["place_of_birth"] = subject.get("place_of_birth") or ""
    values["minor"] = "1" if subject.get("minor") else ""
    for i, code in enumerate(subject.get("nationalities", [])):
        values[f"nationality-{i}"] = code
    for i, doc in enumerate(subject.get("documents", [])):
        for k in DOC_FIELDS:
            values[f"doc-{i}-{k}"] = doc.get(k) or ""


def notice_values(notice: Mapping[str, Any]) -> NoticeForm:
    """Form values of a stored notice (to prefill the update form)."""
    subject, movement = notice.get("subject", {}), notice.get("movement", {})
    basis, handling = notice.get("basis", {}), notice.get("handling", {})
    values: dict[str, Any] = {}
    aliases = _name_values(subject, values)
    _subject_values(subject, values)
    for k in ("kind", "place", "country", "date", "carrier", "route"):
        values[f"movement_{k}"] = movement.get(k) or ""
    values["legal_basis"] = list(basis.get("legal_basis", []))
    values["un_reference"] = basis.get("un_reference") or ""
    values["audience"] = handling.get("audience", "named")
    values["recipients"] = list(handling.get("recipients", []))
    values["tlp"] = handling.get("tlp", "")
    values["caveats"] = list(handling.get("caveats", []))
    values["purposes"] = list(handling.get("purposes", []))
    values["review_date"] = handling.get("review_date") or ""
    aff_rows = details_form.details_values(notice.get("ext"), values)
    rows = {"aff": aff_rows, "alias": max(ALIAS_ROWS, len(aliases) + 1),
            "nationality": max(NATIONALITY_ROWS, len(subject.get("nationalities", []))),
            "doc": max(DOCUMENT_ROWS, len(subject.get("documents", [])) + 1)}
    return NoticeForm(values=values, rows=rows)


def blank() -> NoticeForm:
    """An empty form with the usual defaults."""
    return NoticeForm(values={"audience": "named", "caveats": ["ct-only"], "sex": "unknown"},
                      rows={"alias": ALIAS_ROWS, "nationality": NATIONALITY_ROWS,
                            "doc": DOCUMENT_ROWS, "aff": details_form.AFFILIATION_ROWS})
