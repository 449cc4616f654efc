"""A score means something: the expected precision of the hits at or above it."""

from __future__ import annotations

import pytest

from fts_share.matching import NameIndex, explain_similarity
from fts_share.matching.config import MatchConfig
from fts_share.matching.scoring.calibration import (
    calibration_table,
    expected_precision,
    precision_curve,
)


def test_the_table_was_made_by_cross_validation_on_the_calibration_folds() -> None:
    table = calibration_table()
    assert table is not None and table["folds"] == [0, 1, 2, 3]
    assert table["queries"]["listed"] > 500 and table["queries"]["unlisted"] > 500
    assert len(table["scores"]) == len(table["true"]) == len(table["false_unlisted"])


def test_a_higher_threshold_never_promises_less() -> None:
    _scores, precision = precision_curve()
    assert list(precision) == sorted(precision)
    assert all(0.0 <= p <= 1.0 for p in precision)
    assert expected_precision(0.0) == precision[0]  # below the grid: its lowest value
    assert expected_precision(0.69) < expected_precision(0.9) <= expected_precision(1.0)


def test_precision_falls_when_fewer_queries_are_about_listed_people() -> None:
    at = MatchConfig().threshold
    common, rare = expected_precision(at, prior=0.5), expected_precision(at, prior=0.01)
    middling = expected_precision(at, prior=0.1)
    assert common is not None and rare is not None and middling is not None
    assert rare < middling < common
    assert rare < 0.8 * common  # a border flow: a hit at the threshold is far less sure
    with pytest.raises(ValueError):
        expected_precision(at, prior=0.0)


def test_every_hit_says_what_its_score_means() -> None:
    index = NameIndex()
    index.add("QDi.299", ["IBRAHIM AWWAD IBRAHIM ALI AL-BADRI AL-SAMARRAI"])
    strong = index.search("Ibrahim Awwad Ibrahim Ali al-Badri al-Samarrai")[0]
    weak = index.search("Ibrahim al-Badri", threshold=0.3)[0]
    assert strong.explanation.to_dict()["expected_precision"] == \
        expected_precision(strong.score) > expected_precision(weak.score)  # type: ignore[operator]
    assert explain_similarity("a b", "ibn").expected_precision == expected_precision(0.0)
