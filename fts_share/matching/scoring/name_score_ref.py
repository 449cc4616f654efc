"""The ``bridge-v1`` algorithm: a named list of weighted features, each explained.

Features (all weights in :class:`~fts_share.matching.config.MatchConfig`):

``name_coverage``
    Parts of the two names are aligned greedily on their similarity matrix (best
    pair first; pairs under ``min_part_similarity`` are not aligned). Each part
    weighs ``role weight x rarity`` (a shared rare family name counts for more than
    a shared "Muhammad"). Coverage of a side = weighted similarity of its aligned
    parts / weight of all its parts; the score mixes the better-covered side
    (``coverage_best_side``) with the other, since lists drop name parts.
``name_information``
    How much rarity-weight the aligned parts carry, saturating at
    ``information_scale``. A name score is scaled to
    ``floor + (1 - floor) x information``: one shared common name is not enough.
``patronymic_conflict``
    When either name holds a patronymic, each part that stands where the other name has
    another part (``substitutions``) is taken off: another father (a patronymic, or a
    father's name written without its suffix) or another family.
``other_name_conflict``
    Each part that stands between two aligned pairs where the other name has a clearly
    other name (``other_names``: another father between the same given and family
    name) is taken off, whether or not a name holds a patronymic.
``dob``, ``nationality``, ``document``
    Added to the name score with their weights (positive on agreement, negative on
    a clear disagreement; nothing when either side is silent), then clamped to
    [0, 1].
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fts_share.matching.config import MatchConfig
from fts_share.matching.scoring.analysis import INITIAL, NameAnalysis, NamePart
from fts_share.matching.scoring.explanation import FeatureScore, PartMatch, UnmatchedPart
from fts_share.matching.scoring.part_similarity_ref import clearly_other, part_similarity
from fts_share.matching.scoring.rarity import is_patronymic

RarityFn = Callable[[NamePart], float]


@dataclass
class NameScore:
    """Score of one name against another, before other evidence."""

    score: float
    coverage: float
    information: float
    parts: list[PartMatch] = field(default_factory=list)
    unmatched_query: list[str] = field(default_factory=list)
    unmatched_record: list[str] = field(default_factory=list)


def score_names(query: NameAnalysis, record: NameAnalysis, rarity: RarityFn,
                config: MatchConfig, cache: dict[tuple[int, int], float] | None = None
                ) -> NameScore:
    """Align the parts of two analysed names and score them (features 1 and 2).

    ``cache`` (optional, per query) memoises part similarities by part identity."""
    qs, rs = query.name_parts, record.name_parts
    qw = [config.role_weight(p.role) * rarity(p) for p in qs]
    rw = [config.role_weight(p.role) * rarity(p) for p in rs]
    initial = [p.kind == INITIAL for p in qs], [p.kind == INITIAL for p in rs]
    pairs = _known_apart(_aligned_pairs(qs, rs, config, cache), qw, rw, config, initial)
    chosen, used_q, used_r, got_q, got_r, info = greedy_align(pairs, qw, rw, initial)
    matched = [PartMatch(qs[i].text, rs[j].text, qs[i].role, rs[j].role, round(s, 4),
                         round(min(qw[i], rw[j]), 4), _match_kind(qs[i], rs[j]))
               for s, i, j in chosen]
    whole = _whole_name(chosen, (qw, rw), config)
    coverage, information, score = coverage_score(got_q, got_r, sum(qw), sum(rw), info,
                                                  config, (len(qs), len(rs)), whole)
    score -= _given_name_conflict(qs, rs, chosen, config)
    for cost in _conflicts(qs, rs, chosen, qw, rw, config, initial):
        score -= cost  # one by one, as the compiled kernel subtracts them
    if all(initial[0][i] or initial[1][j] for _, i, j in chosen):
        coverage = score = 0.0  # (an initial is never the only evidence)
    return NameScore(
        min(1.0, max(0.0, score)), coverage, information, matched,
        [qs[i].text for i in range(len(qs)) if i not in used_q],
        [rs[j].text for j in range(len(rs)) if j not in used_r],
    )


def _conflicts(qs: Sequence[NamePart], rs: Sequence[NamePart],
               chosen: Sequence[tuple[float, int, int]], qw: Sequence[float],
               rw: Sequence[float], config: MatchConfig,
               initial: tuple[list[bool], list[bool]]) -> list[float]:
    """What the part substitutions take off, in order: ``part_conflict`` (a pair with
    an initial is not a weak one), ``patronymic_conflict`` (when either name holds a
    patronymic) and ``other_name_conflict``."""
    known = config.conflict_known_weight
    weak = [(s, i, j) for s, i, j in chosen if qw[i] < known and rw[j] < known
            and not (initial[0][i] or initial[1][j])]
    out = [config.part_conflict * substitutions(len(qs), len(rs), chosen,
                                                config.conflict_similarity, weak)]
    if any(map(is_patronymic, qs)) or any(map(is_patronymic, rs)):
        out.append(config.patronymic_conflict * substitutions(len(qs), len(rs), chosen))
    if config.other_name_conflict:
        out.append(config.other_name_conflict * other_names(qs, rs, chosen, config))
    return out


def _whole_name(chosen: Sequence[tuple[float, int, int]],
                weights: tuple[Sequence[float], Sequence[float]], config: MatchConfig) -> bool:
    """Whether a name of two parts or more is held wholly in the other: every part of
    one side aligned, each at least ``whole_name_similarity`` alike, one pair not of
    common names (*Saddam Hussein* is held whole in *Saddam Hussein al-Tikriti*, and in
    many other people's names)."""
    (qw, rw), n, least = weights, len(chosen), config.whole_name_similarity
    return n >= 2 and (n == len(qw) or n == len(rw)) and all(
        s >= least for s, _, _ in chosen) and any(
        min(qw[i], rw[j]) >= config.known_pair_weight for _, i, j in chosen)


def _aligned_pairs(qs: Sequence[NamePart], rs: Sequence[NamePart], config: MatchConfig,
                   cache: dict[tuple[int, int], float] | None
                   ) -> list[tuple[float, int, int]]:
    """The part pairs that may be aligned (similarity at least the floor, not a
    patronymic and a given name: ``_father_and_son``), most similar first (ties in
    query part, then record part order)."""
    pairs: list[tuple[float, int, int]] = []
    floor = config.min_part_similarity
    for i, qp in enumerate(qs):
        for j, rp in enumerate(rs):
            if _father_and_son(qp, rp):
                continue
            key = (id(qp), id(rp))
            s = -1.0 if cache is None else cache.get(key, -1.0)
            if s < 0:
                s = part_similarity(qp, rp, skeleton_weight=config.skeleton_weight,
                                    compound_mismatch=config.compound_mismatch,
                                    initial=config.initial_similarity)
                if cache is not None:
                    cache[key] = s
            if s >= floor:
                pairs.append((s, i, j))
    pairs.sort(key=lambda t: -t[0])
    return pairs


def _father_and_son(a: NamePart, b: NamePart) -> bool:
    """Whether one part is a patronymic and the other a given name: never the same
    part, however alike (*Magomedovich* reads as *Magomed*, the father's name:
    ``forms.with_patronymic_roots``), since one names the father, the other the man."""
    return ((is_patronymic(a) and b.role == "given")
            or (a.role == "given" and is_patronymic(b)))


def _known_apart(pairs: list[tuple[float, int, int]], qw: Sequence[float],
                 rw: Sequence[float], config: MatchConfig,
                 initial: tuple[list[bool], list[bool]]) -> list[tuple[float, int, int]]:
    """``pairs`` without those of two common names (both weights under
    ``known_pair_weight``) less similar than ``known_pair_similarity``: Ahmad /
    Mohammad, Ahmadi / Mohammadi are two names, not one written otherwise (an initial
    is no name written otherwise)."""
    floor, known = config.known_pair_similarity, config.known_pair_weight
    if floor <= config.min_part_similarity:
        return pairs
    return [(s, i, j) for s, i, j in pairs
            if s >= floor or qw[i] >= known or rw[j] >= known
            or initial[0][i] or initial[1][j]]


def _given_name_conflict(qs: Sequence[NamePart], rs: Sequence[NamePart],
                         chosen: Sequence[tuple[float, int, int]], config: MatchConfig
                         ) -> float:
    """What is taken off when a side's given name is not aligned. Lists drop middle
    names, rarely the given name: "Tarak ben Taher" vs "Ali ben Taher" (brothers),
    "Saddam Hussein" vs "Ali Saddam Hussein" (son).

    A given name aligned with the part right after the other side's given name, when
    that one is not aligned, is the nasab shifted by one generation ("Mohammad Barzan
    Ibrahim al-Tikriti", son of "Barzan Ibrahim al-Tikriti"), or aligned with the
    part after the given name as the other's given name is with its own next part
    (the two crossed: "Ibrahim Sabawi Ibrahim", son of "Sabawi Ibrahim"): it does not
    count as aligned either, so both given names are missing. So for any crossing of
    the two given names, each aligned with a later part of the other name: a nasab
    read in other generations ("Cabdullahi Cusman Maxamed", Abdullahi son of Osman son
    of Mohamed, against "Maxamed Cabdullaahi Ciise", Mohamed son of Abdullahi), unless
    a given name is aligned with the other name's last part (not the part right after
    its given name): that is a family name written first ("Nkunda Mihigo Laurent" /
    "Laurent Nkunda Mihigo"), and the given names count as aligned."""
    q_given = next((i for i, p in enumerate(qs) if p.role == "given"), -1)
    r_given = next((j for j, p in enumerate(rs) if p.role == "given"), -1)
    if q_given < 0 or r_given < 0 or len(qs) < 2 or len(rs) < 2:
        return 0.0
    to_r = {i: j for _, i, j in chosen}
    to_q = {j: i for _, i, j in chosen}
    nasab = not (_moved_last(to_r.get(q_given), r_given, len(rs))
                 or _moved_last(to_q.get(r_given), q_given, len(qs)))
    missing = ((0 if _given_aligned(q_given, r_given, to_r, to_q, nasab) else 1)
               + (0 if _given_aligned(r_given, q_given, to_q, to_r, nasab) else 1))
    return config.given_name_conflict * missing / 2


def _moved_last(there: int | None, other_given: int, length: int) -> bool:
    """Whether a given name aligned with part ``there`` of the other name (of
    ``length`` parts, given name at ``other_given``) stands at its end, past the part
    after its given name: a name read from a family name written first."""
    return there == length - 1 and there != other_given + 1


def _given_aligned(given: int, other_given: int, to_other: dict[int, int],
                   from_other: dict[int, int], nasab: bool) -> bool:
    """Whether a side's given name counts as aligned: aligned, and neither with the
    part right after the other side's given name when that one is not aligned (the
    nasab shifted), nor with a later part of the other name when the other's given
    name is aligned with a later part of this one (crossed): with the part right
    after it, always; further, when neither is aligned with the other name's last part
    (``nasab``)."""
    if given not in to_other:
        return False
    there, back = to_other[given], from_other.get(other_given)
    if back is None:
        return there != other_given + 1
    if there == other_given + 1 and back == given + 1:
        return False
    return not (nasab and there > other_given and back > given)


def substitutions(n_q: int, n_r: int, chosen: Sequence[tuple[float, int, int]],
                  below: float = 0.0,
                  known: Sequence[tuple[float, int, int]] | None = None) -> int:
    """How many parts of one name stand where the other name has another part: with
    the aligned pairs in the same order on both sides, the unaligned parts between two
    aligned pairs (and after the last) that face unaligned parts of the other side, as
    in "Kim Tong Chol" / "Kim Yong Chol" or "Muhammad Ali Hasan" / "Muhammad Ali
    Tikriti". A part that only one side has (a name that keeps some of the other's
    parts: "Abdul Samad" / "Abdul Samad Achekzai") is not one; before the first
    aligned pair the given-name conflict counts instead. Names whose aligned parts
    come in another order are read with the other's family name moved first or last
    (a family name written first: "Abdurakhmanov Magomed Aliev" / "Maghomed
    Maghomedzakirovich Abdurakhmanov" has Aliev where the other has
    Maghomedzakirovich); in no order, they have none of these. An aligned
    pair of ``known`` (default: all of ``chosen``) less similar than ``below`` counts
    as one too: two names that the lists know apart, a letter or two from each other
    (Tong / Yong, Fadil / Fazl), are two names, where a rare spelling is more likely
    the same name written otherwise (Rugerero / Lugerero)."""
    pairs = sorted((i, j) for _, i, j in chosen)
    if not pairs:
        return 0
    weak = sum(1 for s, _, _ in (chosen if known is None else known) if s < below)
    for shift in (0, 1, n_r - 1):
        count = _facing(pairs, n_q, n_r, shift)
        if count >= 0:
            return weak + count
    return weak


def _facing(pairs: Sequence[tuple[int, int]], n_q: int, n_r: int, shift: int) -> int:
    """The substitutions of aligned ``pairs`` (sorted) with the other name's parts
    read ``shift`` places on (its last part first for 1, its first part last for
    ``n_r - 1``), or -1 when they are not then in the same order on both sides."""
    count, last_i, last_j = 0, -1, -1
    for i, j in pairs:
        j = (j + shift) % n_r
        if last_i >= 0:
            if j <= last_j:
                return -1
            count += min(i - last_i - 1, j - last_j - 1)
        last_i, last_j = i, j
    return count + min(n_q - 1 - last_i, n_r - 1 - last_j)


def other_names(qs: Sequence[NamePart], rs: Sequence[NamePart],
                chosen: Sequence[tuple[float, int, int]], config: MatchConfig) -> int:
    """The substitutions between two aligned pairs (as ``substitutions`` counts them,
    with the same reading of a family name written first; not those after the last)
    whose parts are clearly other names: every pair of the unaligned parts that face
    each other less than ``other_name_similarity`` alike, or two patronymics of other
    fathers, neither a single letter (``part_similarity_ref.clearly_other``; *Anwar
    Jordan Abdullah Aulaqi* / *Anwar Nasser Abdullah Aulaqi*, *Akhmed Magomedovich
    Chataev* / *Akhmed Rajapovich Chataev*; not *Hishan* / *Hashim*, nor *M.* /
    *Mohammed*)."""
    pairs = sorted((i, j) for _, i, j in chosen)
    n_q, n_r = len(qs), len(rs)
    for shift in (0, 1, n_r - 1):
        if not pairs or _facing(pairs, n_q, n_r, shift) < 0:
            continue
        count = 0
        for q_gap, r_gap in _gaps(pairs, n_r, shift):
            if q_gap and r_gap and all(clearly_other(qs[i], rs[j], config)
                                       for i in q_gap for j in r_gap):
                count += min(len(q_gap), len(r_gap))
        return count
    return 0


def _gaps(pairs: Sequence[tuple[int, int]], n_r: int, shift: int
          ) -> list[tuple[range, list[int]]]:
    """The unaligned parts between aligned ``pairs`` (in order when the other name is
    read ``shift`` places on, ``_facing``): per gap, the query parts and the other
    name's parts (their own positions)."""
    out, last_i, last_j = [], -1, -1
    for i, j in [(i, (j + shift) % n_r) for i, j in pairs]:
        if last_i >= 0:
            out.append((range(last_i + 1, i),
                        [(k - shift) % n_r for k in range(last_j + 1, j)]))
        last_i, last_j = i, j
    return out


def _match_kind(q: NamePart, r: NamePart) -> str:
    """How two aligned parts relate (``explanation.MATCH_KINDS``)."""
    if q.script != r.script:
        return "cross_script"
    return "exact" if q.text == r.text else "variant"


def unmatched_parts(side: str, parts: Sequence[NamePart], aligned: list[str]
                    ) -> tuple[UnmatchedPart, ...]:
    """The parts of one side left once each aligned text has taken one part."""
    left = list(aligned)
    out = []
    for p in parts:
        if p.text in left:
            left.remove(p.text)
        else:
            out.append(UnmatchedPart(side, p.text, p.role))
    return tuple(out)


def leftover_parts(query: NameAnalysis, record: NameAnalysis, name: NameScore
                   ) -> tuple[UnmatchedPart, ...]:
    """The parts of both names that were not aligned, with their roles."""
    return (unmatched_parts("query", query.name_parts, [p.query_part for p in name.parts])
            + unmatched_parts("record", record.name_parts,
                              [p.record_part for p in name.parts]))


def combine(name: NameScore, evidence: list[FeatureScore], config: MatchConfig
            ) -> tuple[float, tuple[FeatureScore, ...]]:
    """The final calibrated score in [0, 1] and the full feature list."""
    feats = [
        FeatureScore("name_coverage", round(name.coverage, 4), 1.0,
                     {"aligned": len(name.parts)}),
        FeatureScore("name_information", round(name.information, 4),
                     1 - config.information_floor),
    ] + evidence
    score = name.score + sum(f.value * f.weight for f in evidence)
    return min(1.0, max(0.0, score)), tuple(feats)


def greedy_align(pairs: Sequence[tuple[float, int, int]], qw: Sequence[float],
                 rw: Sequence[float],
                 initial: tuple[Sequence[bool], Sequence[bool]] | None = None
                 ) -> tuple[list[tuple[float, int, int]], set[int], set[int], float, float,
                            float]:
    """Align parts greedily, best similarity first (``pairs`` sorted descending):
    the chosen pairs, the parts used on each side, the weight covered on each side and
    the information (similarity times the smaller weight) of the alignment; a pair with
    an initial covers only the smaller weight on each side (*M.* / *Muhammad*)."""
    used_q: set[int] = set()
    used_r: set[int] = set()
    chosen: list[tuple[float, int, int]] = []
    got_q = got_r = info = 0.0
    for s, i, j in pairs:
        if i in used_q or j in used_r:
            continue
        used_q.add(i)
        used_r.add(j)
        chosen.append((s, i, j))
        if initial is not None and (initial[0][i] or initial[1][j]):
            got_q += min(qw[i], rw[j]) * s
            got_r += min(qw[i], rw[j]) * s
        else:
            got_q += qw[i] * s
            got_r += rw[j] * s
        info += min(qw[i], rw[j]) * s
    return chosen, used_q, used_r, got_q, got_r, info


def coverage_score(got_q: float, got_r: float, sq: float, sr: float, info: float,
                   config: MatchConfig, lengths: tuple[int, int] = (2, 2),
                   whole: bool = False) -> tuple[float, float, float]:
    """Coverage (the better side weighted more: ``coverage_best_side``, or
    ``lone_part_best_side`` if lower when that side has one part of ``lengths``, or
    ``whole_name_best_side`` if higher when a name is held ``whole`` in the other),
    information and the name score."""
    cov_q = got_q / sq if sq else 0.0
    cov_r = got_r / sr if sr else 0.0
    hi, lo = max(cov_q, cov_r), min(cov_q, cov_r)
    best = config.coverage_best_side
    if lengths[0 if cov_q >= cov_r else 1] == 1:
        best = min(best, config.lone_part_best_side)
    elif whole:
        best = max(best, config.whole_name_best_side)
    coverage = best * hi + (1 - best) * lo
    information = min(1.0, info / config.information_scale)
    floor = config.information_floor
    return coverage, information, coverage * (floor + (1 - floor) * information)
