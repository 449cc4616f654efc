"""Configuration of the matching algorithm: threshold and feature weights.

Every number the scorer uses lives here, with its default. ``MatchConfig`` refuses
option names it does not know, so a typo in a node configuration is an error, not a
silently ignored setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from fts_share.errors import ValidationError

#: options of earlier versions that no longer mean anything (``common_key_df``: the
#: index now pairs common parts instead of skipping them)
RETIRED_OPTIONS = frozenset({"common_key_df"})


def _type_errors(config: Any) -> dict[str, list[str]]:
    """The options whose value is not of their kind: a number for a ``float`` option
    (an ``int`` too), an integer for an ``int`` one (never ``true`` / ``false``)."""
    errors: dict[str, list[str]] = {}
    for f in fields(config):
        value = getattr(config, f.name)
        kinds = {"float": (int, float), "int": (int,)}.get(str(f.type))
        if kinds and (isinstance(value, bool) or not isinstance(value, kinds)):
            errors[f.name] = [f"must be {'an integer' if f.type == 'int' else 'a number'}"]
    return errors


@dataclass(frozen=True)
class MatchConfig:
    """Threshold, feature weights and index limits of the ``bridge-v1`` algorithm."""

    threshold: float = 0.67
    """the engine's default match threshold: hits scoring below it are not returned by
    :meth:`NameIndex.search` unless the caller passes another ``threshold``; the one
    alerts, screenings and list screenings use (chosen by 4-fold cross-validation on
    the UN list: the fewest false alarms at recall@10 no lower than before,
    ``bench/precision_cv.py``, docs/benchmarks.md; what a score means:
    ``scoring.calibration.expected_precision``)"""
    search_threshold: float = 0.64
    """the threshold of an officer's interactive search of received notices (a name
    typed to find a notice, not a screening): lower than ``threshold``, so that a
    partial name of common parts ("Saddam Hussein" for *Saddam Hussein al-Tikriti*)
    still finds its notice; the engine itself never applies it (callers pass it as
    ``threshold`` to :meth:`NameIndex.search`)"""

    # name features
    skeleton_weight: float = 0.6
    """share of the consonant-skeleton similarity in a part similarity (rest: vowel hints)"""
    min_part_similarity: float = 0.62
    """two parts less similar than this are not aligned"""
    compound_mismatch: float = 0.75
    """factor on the similarity of a compound part (Abu X, Abd X) with a plain part"""
    coverage_best_side: float = 0.55
    """weight of the better-covered side (query or record); the rest on the other side"""
    lone_part_best_side: float = 0.5
    """``coverage_best_side`` when the better-covered side is a name of one part: a lone
    name is wholly covered by any name holding it, so its coverage says less than a
    longer name's ("Sanaullah" / "Sanaullah Ghafari"); the lower of the two applies, so
    the index's pre-scores stay upper bounds. 0.5 chosen on folds 0-3 (false alarms at
    0.67 0.010 -> 0.006, recall kept on every kind there; fold 4 lost one alias with date
    of birth of 81; docs/benchmarks.md, session 17, "lone part")"""
    whole_name_best_side: float = 0.55
    """``coverage_best_side`` when one side is a name of two parts or more that is held
    wholly in the other, every part of it aligned at least ``whole_name_similarity``
    alike, one aligned pair not of common names (``known_pair_weight``; *Gabriel Jok* /
    *Gabriel Jok Riak Makol*): lists shorten names by dropping parts, so a name kept
    whole may say more than the parts the other name adds. The higher of the two
    applies (the index's pre-scores use it as their bound). Off (= 0.55): 0.65 found 5
    more listed-person queries on folds 0-3 at 0.67 (recall@10 0.778 -> 0.781) with
    false alarms unchanged there, but one more with date of birth at 0.64-0.66, and it
    makes *Saddam Hussein* an alert for *Saddam Hussein al-Tikriti* (0.69: *Saddam*
    weighs 0.62 by the reference frequencies), which the two thresholds were chosen to
    keep for an officer's search only (issue 16, session 19; the lead's decision)"""
    whole_name_similarity: float = 0.9
    """how alike every aligned part of a name must be for ``whole_name_best_side``"""
    initial_similarity: float = 0.7
    """similarity of an initial (a one-letter part: *M.*, *A*) with a part that starts
    with a letter it can stand for (in Latin, or the Arabic letters it writes:
    *M.* / *Muhammad* / محمد; *A.* / *Abd al-Kabir*); aligned also where two common
    names need ``known_pair_similarity``, never the only aligned pair of a name (which
    then scores 0). Lower than most spellings of one name, so they are aligned first"""
    initial_weight: float = 0.15
    """rarity weight of an initial (an initial says little: many names start with its
    letter)"""
    information_scale: float = 1.6
    """matched rarity-weight at which the name evidence is fully trusted"""
    information_floor: float = 0.5
    """share of the name score kept when the matched parts carry no information"""
    given_name_conflict: float = 0.32
    """subtracted (half per side) when a name's given name is not aligned (siblings)"""
    part_conflict: float = 0.0
    """subtracted for each part of one name that stands where the other name has
    another part, between or after aligned parts (``name_score_ref.substitutions``):
    "Kim Tong Chol" is not "Kim Yong Chol"; a part only one side has costs nothing
    more than its coverage"""
    patronymic_conflict: float = 0.08
    """subtracted for each part substitution (as ``part_conflict`` counts them) when
    either name holds a patronymic (*Isaevich*, *Исаевич*: ``rarity.is_patronymic``):
    another part in the place of an East Slavic name's given name, patronymic or family
    name is often another father or family (*Shamil Isaevich Ismailov* / *Shamil
    Magomedovich Ismailov*; *Aslan Magomed Byutukaev* / *Aslan Avgazarovich
    Byutukaev*). A father's name written without its suffix is the patronymic's own
    reading (*Rajap* / *Rajapovich*, ``forms.with_patronymic_roots``), so it is aligned,
    not substituted. 0.08: the most that keeps the UN list's own alias of one man with
    another father, *Tarkhan Isaevich Gaziev* / *Tarkhan Ismailovich Gaziev* (0.76 ->
    0.68), above the threshold; 0.15 misses it (issue 16, sessions 18 and 20)"""
    other_name_conflict: float = 0.08
    """subtracted for each part substitution between two aligned parts (as
    ``part_conflict`` counts them, not after the last) where the parts that face each
    other are clearly other names: every pair of them less than ``other_name_similarity``
    alike, neither a single letter (*Anwar Jordan Abdullah Aulaqi* / *Anwar Nasser
    Abdullah Aulaqi*: Jordan / Nasser 0.07, another father between the same given and
    family name), not a spelling under the alignment floor (*Hishan* / *Hashim* 0.6), an
    initial (*M.* / *Mohammed*) or another family name at the end (a married name:
    *Safia Farkash Mohammed Al-Hadad* / *Safia Farkash Al-Barassi*); 0: off. 0.08, as
    ``patronymic_conflict``: on folds 0-3 recall at 0.67 unchanged on every kind (one
    alias with date of birth, listed with two genealogies, lost at 0.60-0.66), fewer
    false alarms at 0.56-0.59 and on five recombined sets (issue 16, session 20)"""
    other_name_similarity: float = 0.4
    """parts less alike than this are clearly other names for ``other_name_conflict``
    (at most ``min_part_similarity``: parts alike enough to be aligned are not)"""
    other_father_similarity: float = 0.4
    """two patronymics under the alignment floor are clearly other names for
    ``other_name_conflict`` when their fathers' names (the readings without -ovich,
    ``forms.with_patronymic_roots``) are less than this alike, however alike the shared
    suffix makes them (*Akhmed Magomedovich Chataev* / *Akhmed Rajapovich Chataev*:
    0.42, fathers 0.11); 0: off"""
    conflict_similarity: float = 0.0
    """aligned parts less similar than this count as standing for another part in
    ``part_conflict`` (Tong / Yong) when both are names the lists know (weight under
    ``conflict_known_weight``); 0: only unaligned parts count"""
    conflict_known_weight: float = 0.8
    """a part weighing less than this (role weight x rarity) is a name the lists know"""
    known_pair_similarity: float = 0.83
    """two parts that are both common names (weight under ``known_pair_weight``) are
    aligned only when at least this similar: two common names a letter or two apart
    are two names the lists know apart (Ahmad / Mohammad, Ahmadi / Mohammadi, Mansour
    / Nur), where a rarer spelling is more likely the same name written otherwise (0:
    ``min_part_similarity`` for every pair; chosen on folds 0-3, issue 16 round 6).
    0.83 since Latin readings keep their initial vowel (*Amir* / *Umar* 0.8: two vowels
    of four apart): recall on folds 0-3 is the same at every threshold from 0.81 to
    0.85, 0.87 loses names (session 19)"""
    known_pair_weight: float = 0.5
    """a part weighing less than this (role weight x rarity: with the reference
    frequencies, a given name held by more than about 3 % of listed people) is a
    common name for ``known_pair_similarity``"""
    common_name_weight: float = 0.35
    """rarity weight of a very common given name when the index has no statistics"""
    min_rarity_weight: float = 0.15
    """lowest rarity weight a part can get from index statistics"""
    reference_idf_scale: float = 3.0
    """the built-in rarity of a part from the reference frequencies of real lists
    (``refdata/name_frequencies.tsv``) is ``log10(N/df)`` over this (as the index's own
    statistics are weighed); 0 leaves only the common-name table"""
    role_weights: tuple[tuple[str, float], ...] = (
        ("given", 1.0), ("father", 0.8), ("family", 1.0), ("kunya", 1.0),
        ("nisba", 0.9), ("laqab", 0.9), ("title", 0.0),
    )

    # other evidence (added to the name score, then clamped to [0, 1])
    dob_exact: float = 0.3
    """the same full date of birth (not 1 January: ``evidence.compare_dob``): two
    different people share one about once in 15,000 pairs, so it weighs as much as a
    conflicting date takes off. 0.1 before; chosen on folds 0-3 (recall@10 with date of
    birth 0.674 -> 0.713 at 0.67, false alarms unchanged at every threshold 0.56-0.78;
    0.4 / 0.5 gained more there, and were not taken: the left-out people cannot show
    what a date shared by chance costs; issue 16, session 19)"""
    dob_year: float = 0.05
    dob_approx: float = 0.02
    dob_mismatch: float = -0.3
    nationality_match: float = 0.04
    nationality_mismatch: float = -0.04
    document_match: float = 0.30

    # index
    max_candidates: int = 200
    """names scored exactly per query: the best candidates by pre-score"""
    exact_candidates: int = 25
    """of those, the best, whose part pairs that share no index key (spellings more
    than one letter apart in the skeleton) are compared too"""
    candidate_budget: int = 2000
    """postings scanned per query (rarest parts first) before pre-scoring"""
    pair_similarity: float = 0.8
    """parts too common to scan bring the names holding two of them, through their
    spellings at least this similar (at 1M names 0.9 is 15% faster at the default
    threshold but finds 0.2 points fewer targets)"""
    candidate_similarity: float = 0.62
    """only indexed spellings at least this similar to a query part bring candidates
    (all aligned parts still count when the candidates are scored)"""
    stats_min_names: int = 500
    """below this many indexed names, rarity comes from the built-in common-name table"""

    def __post_init__(self) -> None:
        errors = _type_errors(self)
        if errors:
            raise ValidationError(errors)
        if not 0.0 <= self.threshold <= 1.0:
            errors["threshold"] = ["must be between 0 and 1"]
        if not 0.0 <= self.search_threshold <= 1.0:
            errors["search_threshold"] = ["must be between 0 and 1"]
        if not 0.0 <= self.skeleton_weight <= 1.0:
            errors["skeleton_weight"] = ["must be between 0 and 1"]
        for name in ("other_father_similarity", "lone_part_best_side", "whole_name_best_side", "whole_name_similarity",
                     "initial_similarity", "initial_weight"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                errors[name] = ["must be between 0 and 1"]
        if not 0.0 <= self.other_name_similarity <= self.min_part_similarity:
            errors["other_name_similarity"] = ["must be between 0 and min_part_similarity"]
        if self.max_candidates < 1:
            errors["max_candidates"] = ["must be at least 1"]
        if self.candidate_budget < 1:
            errors["candidate_budget"] = ["must be at least 1"]
        if errors:
            raise ValidationError(errors)

    @classmethod
    def from_dict(cls, options: Mapping[str, Any]) -> MatchConfig:
        """Build a config from a mapping; unknown option names are refused, retired
        ones (``RETIRED_OPTIONS``: index files and node configs may still name them)
        are ignored."""
        return cls().with_options(**{k: v for k, v in options.items()
                                     if k not in RETIRED_OPTIONS})

    def with_options(self, **options: Any) -> MatchConfig:
        """A copy with some options changed; unknown option names are refused."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ValidationError({name: ["unknown matching option"] for name in unknown})
        if "role_weights" in options and isinstance(options["role_weights"], Mapping):
            options["role_weights"] = tuple(options["role_weights"].items())
        return replace(self, **options)

    def role_weight(self, role: str) -> float:
        """The weight of a name part with this role."""
        table: dict[str, float] | None = self.__dict__.get("_roles")
        if table is None:
            table = dict(self.role_weights)
            object.__setattr__(self, "_roles", table)
        return table.get(role, 1.0)

    def to_dict(self) -> dict[str, Any]:
        """The options as a JSON-ready mapping."""
        out = asdict(self)
        out["role_weights"] = dict(self.role_weights)
        return out
