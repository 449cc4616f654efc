"""What the officer and reviewer views share: the node's vocabularies, pickers and
paging."""

from __future__ import annotations

from typing import Any

from flask import request

from fts_share.countries import COUNTRIES
from fts_share.http import context
from fts_share.notices import vocab
from fts_share.services import roster
from fts_share.web import i18n
from fts_share.web.labels import label


def vocabularies() -> dict[str, Any]:
    """The configured legal bases and purposes (as the schemas take them)."""
    return context.vocabularies()


def countries() -> list[tuple[str, str]]:
    """(alpha-3, name in the page's language), sorted by name."""
    lang = i18n.current()
    return sorted(((c.alpha3, c.name(lang)) for c in COUNTRIES), key=lambda c: c[1])


def partners() -> list[dict[str, str]]:
    """The active partners on the roster, this node excluded."""
    with context.read() as work:
        return roster.partners(work)


def choices(vocab_name: str, values: Any) -> list[tuple[str, str]]:
    """(value, translated label) pairs."""
    return [(v, label(vocab_name, v)) for v in values]


def notice_form_context() -> dict[str, Any]:
    """Everything the notice form's pickers need."""
    voc = vocabularies()
    return {
        "countries": countries(), "partners": partners(),
        "legal_bases": choices("legal_basis", voc["legal_bases"]),
        "purposes": choices("purpose", voc["purposes"]),
        "tlps": [(t, "TLP:" + t) for t in vocab.LABELS],
        "caveats": choices("caveat", vocab.CAVEATS),
        "audiences": choices("audience", vocab.AUDIENCES),
        "movements": choices("movement", vocab.MOVEMENT_KINDS),
        "sexes": choices("sex", vocab.SEXES), "doc_types": choices("doc", vocab.DOC_TYPES),
        "builds": choices("build", vocab.BUILDS),
        "alias_kinds": choices("name_kind", [k for k in vocab.NAME_KINDS if k != "primary"]),
    }


def page_number() -> int:
    """The ``page`` query argument (1 when absent or bad)."""
    try:
        return max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        return 1
