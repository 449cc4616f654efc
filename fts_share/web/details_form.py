"""The notice details on the notice form: case summary, physical description,
affiliations, point of contact and photo (the members of the notice's ``ext``,
:mod:`fts_share.notices.details`), from flat form fields and back."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import FileStorage

AFFILIATION_ROWS = 2
DESCRIPTION = {"height_cm": "desc_height", "build": "desc_build", "eyes": "desc_eyes",
               "hair": "desc_hair", "marks": "desc_marks"}
CONTACT = {"unit": "contact_unit", "phone": "contact_phone", "email": "contact_email"}
#: Error paths of the details and the form field each is shown at.
PATHS = {"ext": "case_summary", "ext.case_summary": "case_summary",
         "ext.description": "desc_height", "ext.affiliations": "aff-0-name",
         "ext.contact": "contact_unit", "ext.photo": "photo", "ext.photo.data": "photo",
         "ext.photo.legal_basis": "photo_legal_basis",
         **{f"ext.description.{k}": v for k, v in DESCRIPTION.items()},
         **{f"ext.contact.{k}": v for k, v in CONTACT.items()}}
#: Form fields that hold several values.
LISTS = ("photo_legal_basis",)


def _height(value: str) -> Any:
    """A height as an integer when it is one (the schema names anything else)."""
    return int(value) if value.isdigit() and len(value) < 6 else value


def _affiliations(values: Mapping[str, Any], rows: int,
                  paths: dict[str, str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(rows):
        name, ref = values.get(f"aff-{i}-name"), values.get(f"aff-{i}-un")
        if not (name or ref):
            continue
        at = f"ext.affiliations.{len(out)}"
        paths.update({at: f"aff-{i}-name", f"{at}.name": f"aff-{i}-name",
                      f"{at}.un_reference": f"aff-{i}-un"})
        item: dict[str, Any] = {"name": name or ""}
        if ref:
            item["un_reference"] = ref
        out.append(item)
    return out


def read_details(values: Mapping[str, Any], photo: FileStorage | None, *, rows: int,
                 paths: dict[str, str]) -> dict[str, Any]:
    """The ``ext`` of the notice from the posted values (and the uploaded photo);
    empty parts are left out. ``paths`` learns which field each error path names."""
    paths.update(PATHS)
    ext: dict[str, Any] = {}
    if values.get("case_summary"):
        ext["case_summary"] = values["case_summary"]
    description = {k: values[f] for k, f in DESCRIPTION.items() if values.get(f)}
    if "height_cm" in description:
        description["height_cm"] = _height(description["height_cm"])
    if description:
        ext["description"] = description
    affiliations = _affiliations(values, rows, paths)
    if affiliations:
        ext["affiliations"] = affiliations
    contact = {k: values[f] for k, f in CONTACT.items() if values.get(f)}
    if contact:
        ext["contact"] = contact
    if photo is not None and photo.filename:
        ext["photo"] = {"data": base64.b64encode(photo.read()).decode("ascii"),
                        "legal_basis": list(values.get("photo_legal_basis") or [])}
    elif values.get("photo_legal_basis") and not values.get("keep_photo"):
        ext["photo"] = {"legal_basis": list(values["photo_legal_basis"])}
    return ext


def details_values(ext: Mapping[str, Any] | None, values: dict[str, Any]) -> int:
    """Fill the form values from a stored notice's details; return the number of
    affiliation rows to show."""
    ext = ext or {}
    values["case_summary"] = ext.get("case_summary") or ""
    for k, f in DESCRIPTION.items():
        values[f] = str((ext.get("description") or {}).get(k) or "")
    for k, f in CONTACT.items():
        values[f] = (ext.get("contact") or {}).get(k) or ""
    affiliations = ext.get("affiliations") or []
    for i, item in enumerate(affiliations):
        values[f"aff-{i}-name"] = item.get("name") or ""
        values[f"aff-{i}-un"] = item.get("un_reference") or ""
    photo = ext.get("photo")
    if isinstance(photo, Mapping):
        values["has_photo"] = "1"
        values["keep_photo"] = "1"
    return max(AFFILIATION_ROWS, len(affiliations) + 1)
