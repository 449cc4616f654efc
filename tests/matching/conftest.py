"""Fixtures shared by the matching tests."""

from __future__ import annotations

import pytest

from fts_share.matching import NameIndex


@pytest.fixture(scope="module")
def index(request: pytest.FixtureRequest) -> NameIndex:
    """An index of the test module's ``LISTED`` people (record id -> their names)."""
    idx = NameIndex()
    for record_id, names in request.module.LISTED.items():
        idx.add(record_id, names)
    return idx
