"""Bad input gets a defined error (ValidationError naming the field), never a traceback."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fts_share.errors import FtsError, ValidationError
from fts_share.matching import NameIndex, analyze_name, name_similarity
from fts_share.matching.text.normalize import MAX_NAME_LENGTH


@pytest.mark.parametrize("bad", ["", "   ", "al", "abu", "Al Abu", "ibn", "Dr.", "- ' -",
                                 "x\x00y", "a\x07b", "A" * 10_000, None, 42])
def test_bad_names_are_validation_errors(bad: object) -> None:
    with pytest.raises(ValidationError) as err:
        analyze_name(bad)
    assert list(err.value.errors) == ["name"]


def test_bidi_marks_and_mixed_scripts_are_accepted() -> None:
    assert analyze_name("\u200fمحمد\u200e Ali").text == "محمد Ali"
    assert name_similarity("محمد Ali", "Muhammad علي") == 1.0
    assert len(analyze_name("A" * MAX_NAME_LENGTH).parts) == 1


@pytest.mark.parametrize("kwargs,field", [
    ({"dob": "28/07/1971"}, "dob"), ({"dob": "1971-13-01"}, "dob"),
    ({"dob": "1971-02-30"}, "dob"), ({"dob": "yesterday"}, "dob"),
    ({"nationality": "Narnia"}, "nationality"), ({"nationality": 7}, "nationality"),
    ({"limit": 0}, "limit"),
])
def test_bad_search_arguments(kwargs: dict[str, object], field: str) -> None:
    idx = NameIndex()
    idx.add("A", "Ayman al-Zawahiri")
    with pytest.raises(ValidationError) as err:
        idx.search("Ayman", **kwargs)  # type: ignore[arg-type]
    assert field in err.value.errors


@pytest.mark.parametrize("dob", ["1971", "1971-07", "1971-07-28", "approximately 1971",
                                 "circa 1971", "~1971", "ca. 1971", "1971-1975",
                                 "between 1971 and 1975", ["1971", "~1973"], "1971; 1972"])
def test_accepted_date_forms(dob: object) -> None:
    idx = NameIndex()
    idx.add("A", "Ayman al-Zawahiri", dob=dob)  # type: ignore[arg-type]
    assert idx.search("Ayman al-Zawahiri", dob=dob)  # type: ignore[arg-type]


def test_bad_alias_is_kept_out_and_reported_and_strict_mode_still_refuses() -> None:
    idx = NameIndex()
    skipped = idx.add("A", ["Ayman al-Zawahiri", "al"])
    assert [(s.position, s.name) for s in skipped] == [(1, "al")]
    assert idx.skipped_names("A") == skipped and idx.search("Ayman al-Zawahiri")
    with pytest.raises(ValidationError) as err:
        idx.add("B", ["Ayman al-Zawahiri", "al"], skip_invalid_names=False)
    assert "names.1" in err.value.errors and "B" not in idx


def test_record_with_no_readable_name_is_refused_with_each_cause() -> None:
    idx = NameIndex()
    with pytest.raises(ValidationError) as err:
        idx.add("A", ["al", "조선흥진무역회사"])
    assert err.value.errors["names.0"] == ["contains no name: only particles or titles"]
    assert "Hangul script" in err.value.errors["names.1"][0] and len(idx) == 0


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_text_never_raises_anything_else(text: str) -> None:
    idx = NameIndex()
    idx.add("A", "Abu Bakr al-Baghdadi")
    try:
        hits = idx.search(text)
    except FtsError:
        return
    assert all(0.0 <= h.score <= 1.0 for h in hits)
