"""Fixtures: a running three-partner coalition (two members, one observer)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from coalition import Coalition, build


@pytest.fixture
def coalition(tmp_path: Path, store_urls: Callable[[], str]) -> Iterator[Coalition]:
    c = build(tmp_path, store_urls, [("FRA", "member"), ("IRQ", "member"), ("MLI", "observer")],
              post_quantum={"IRQ": True, "FRA": True, "MLI": False})
    yield c
    c.close()
