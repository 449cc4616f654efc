"""What a score is made of, as shown to an officer: the aligned parts
(:class:`PartMatch`), the parts left over (:class:`UnmatchedPart`), the features with
their values and weights (:class:`FeatureScore`), and the whole :class:`Explanation`
of a hit.

An explanation speaks in **reason codes with parameters** (:class:`Reason`), not in
sentences: the pages translate them into the officer's language. The codes:

``part_matched``
    ``role`` (the record part's role), ``query_role``, ``query``, ``record`` (the two
    parts as they are written in the query and in the listed name: ``Muḥammad``,
    ``محمد``, never a folded reading or a skeleton), ``kind``: ``exact`` (the same spelling), ``variant`` (another
    spelling in the same script) or ``cross_script`` (the same name in another
    script), ``similarity`` in [0, 1].
``part_unmatched``
    ``side`` (``query`` or ``record``), ``role``, ``text`` (as written): a part found
    on one side only.
``dob_agrees`` / ``dob_conflicts``
    ``precision`` (``exact``, ``year`` or ``approx``; ``conflict``), ``query``, ``record``.
``nationality_agrees`` / ``nationality_conflicts``
    ``countries`` (the shared codes) / ``query`` and ``record`` (lists of codes).
``document_agrees``
    ``number``: the document number both sides hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fts_share.matching.scoring.calibration import expected_precision
from fts_share.matching.scoring.surface import surface

ALGORITHM = "bridge-v1"

#: Every reason code an explanation may carry (see the module docstring).
REASON_CODES = ("part_matched", "part_unmatched", "dob_agrees", "dob_conflicts",
                "nationality_agrees", "nationality_conflicts", "document_agrees")

#: How two aligned parts relate: the same spelling, another spelling, another script.
MATCH_KINDS = ("exact", "variant", "cross_script")


@dataclass(frozen=True)
class PartMatch:
    """Two aligned name parts, and how they relate (``kind``, one of
    :data:`MATCH_KINDS`)."""

    query_part: str
    record_part: str
    query_role: str
    record_role: str
    similarity: float
    weight: float
    kind: str


@dataclass(frozen=True)
class UnmatchedPart:
    """A name part of one side (``query`` or ``record``) that nothing was aligned with."""

    side: str
    text: str
    role: str


@dataclass(frozen=True)
class FeatureScore:
    """The result of one feature: its value, weight and structured parameters (for
    ``dob`` the agreement and both dates, for ``nationality`` the codes, ...)."""

    name: str
    value: float
    weight: float
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reason:
    """One reason of an explanation: a code of :data:`REASON_CODES` and its parameters."""

    code: str
    params: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {"code": self.code, "params": dict(self.params)}


@dataclass(frozen=True)
class Explanation:
    """Why a record matched: aligned parts, unaligned parts and feature scores."""

    algorithm: str
    query_name: str
    record_name: str
    score: float
    features: tuple[FeatureScore, ...]
    parts: tuple[PartMatch, ...]
    unmatched_query: tuple[str, ...] = ()
    unmatched_record: tuple[str, ...] = ()
    unmatched: tuple[UnmatchedPart, ...] = ()
    """the unaligned parts of both sides with their roles"""

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """The reasons, in reading order: matched parts, unmatched parts, evidence."""
        q, r = self.query_name, self.record_name
        out = [Reason("part_matched", {
            "role": p.record_role, "query_role": p.query_role,
            "query": surface(q, p.query_part, p.query_role),
            "record": surface(r, p.record_part, p.record_role),
            "kind": p.kind, "similarity": p.similarity})
            for p in self.parts]
        out += [Reason("part_unmatched", {
            "side": u.side, "role": u.role,
            "text": surface(q if u.side == "query" else r, u.text, u.role)})
            for u in self.unmatched]
        out += [r for f in self.features for r in _feature_reasons(f)]
        return tuple(out)

    @property
    def text(self) -> str:
        """The reasons in plain English, for the command line and logs (the pages
        translate :attr:`reasons` instead)."""
        said = "; ".join(english(r) for r in self.reasons) or "no name part in common"
        return f"{self.score:.2f} {self.query_name} / {self.record_name}: {said}"

    def __str__(self) -> str:
        return self.text

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form (for the API; ``schemas/explanation.schema.json``): the
        reasons as codes with parameters, and the members of version 1 with the parts
        as written. No English text: :attr:`text` is for the command line and logs."""
        q, r = self.query_name, self.record_name
        return {
            "algorithm": self.algorithm, "query_name": q, "record_name": r,
            "score": round(self.score, 4), "expected_precision": self.expected_precision,
            "reasons": [x.to_dict() for x in self.reasons],
            "features": [{"name": f.name, "value": f.value, "weight": f.weight,
                          "params": dict(f.params)} for f in self.features],
            "parts": [{**p.__dict__, "query_part": surface(q, p.query_part, p.query_role),
                       "record_part": surface(r, p.record_part, p.record_role),
                       "reason": p.kind} for p in self.parts],
            "unmatched_query": [u.text for u in self._written("query")],
            "unmatched_record": [u.text for u in self._written("record")],
        }

    @property
    def expected_precision(self) -> float | None:
        """The expected precision of hits scoring this score or more
        (:func:`~fts_share.matching.scoring.calibration.expected_precision`, at its
        default prior)."""
        return expected_precision(self.score)

    def _written(self, side: str) -> list[UnmatchedPart]:
        name = self.query_name if side == "query" else self.record_name
        return [UnmatchedPart(u.side, surface(name, u.text, u.role), u.role)
                for u in self.unmatched if u.side == side]


def _feature_reasons(f: FeatureScore) -> list[Reason]:
    p = f.params
    if f.name == "dob" and p:
        code = "dob_conflicts" if p.get("precision") == "conflict" else "dob_agrees"
        return [Reason(code, dict(p))]
    if f.name == "nationality" and p:
        code = "nationality_agrees" if p.get("countries") else "nationality_conflicts"
        return [Reason(code, dict(p))]
    if f.name == "document" and p:
        return [Reason("document_agrees", dict(p))]
    return []


_ROLE_EN = {"given": "given name", "father": "father's name", "family": "family name",
            "kunya": "kunya", "nisba": "nisba", "laqab": "epithet", "title": "title"}
_KIND_EN = {"exact": "same spelling", "variant": "other spelling",
            "cross_script": "other script"}


def english(reason: Reason) -> str:
    """One reason in plain English (the pages use their translated catalogues)."""
    p, code = reason.params, reason.code
    role = _ROLE_EN.get(str(p.get("role")), str(p.get("role")))
    if code == "part_matched":
        return f"{role} {p['query']} ≈ {p['record']} ({_KIND_EN.get(p['kind'], p['kind'])})"
    if code == "part_unmatched":
        where = "query" if p["side"] == "query" else "list"
        return f"{role} {p['text']} only in the {where}"
    if code == "dob_agrees":
        return f"date of birth agrees ({p['query']} / {p['record']})"
    if code == "dob_conflicts":
        return f"date of birth differs ({p['query']} / {p['record']})"
    if code == "nationality_agrees":
        return f"nationality agrees ({', '.join(p['countries'])})"
    if code == "nationality_conflicts":
        return (f"nationality differs ({', '.join(p['query'])} / "
                f"{', '.join(p['record'])})")
    if code == "document_agrees":
        return f"same document number {p['number']}"
    return code
