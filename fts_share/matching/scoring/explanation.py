"""What a score is made of, as shown to an officer: the aligned parts
(:class:`PartMatch`), the features with their values and weights
(:class:`FeatureScore`), and the whole :class:`Explanation` of a hit."""

from __future__ import annotations

from dataclasses import dataclass

ALGORITHM = "bridge-v1"


@dataclass(frozen=True)
class PartMatch:
    """Two aligned name parts, and why they were aligned."""

    query_part: str
    record_part: str
    query_role: str
    record_role: str
    similarity: float
    weight: float
    reason: str


@dataclass(frozen=True)
class FeatureScore:
    """The result of one feature: its value, weight and a human detail."""

    name: str
    value: float
    weight: float
    detail: str


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

    @property
    def text(self) -> str:
        """A one-paragraph human explanation."""
        aligned = "; ".join(
            f"{p.query_part!r}~{p.record_part!r} ({p.record_role}, {p.similarity:.2f}, {p.reason})"
            for p in self.parts) or "no name parts aligned"
        feats = ", ".join(f"{f.name}={f.value:+.2f}" if f.name not in ("name_coverage",
                          "name_information") else f"{f.name}={f.value:.2f}"
                          for f in self.features)
        extra = f"; not in record: {', '.join(self.unmatched_query)}" \
            if self.unmatched_query else ""
        return (f"{self.score:.2f} {self.query_name!r} vs {self.record_name!r}: {aligned}"
                f"{extra}. [{feats}]")

    def __str__(self) -> str:
        return self.text

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form (for the API)."""
        return {
            "algorithm": self.algorithm, "query_name": self.query_name,
            "record_name": self.record_name, "score": round(self.score, 4),
            "features": [f.__dict__ for f in self.features],
            "parts": [p.__dict__ for p in self.parts],
            "unmatched_query": list(self.unmatched_query),
            "unmatched_record": list(self.unmatched_record), "text": self.text,
        }
