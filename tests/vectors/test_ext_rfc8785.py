"""RFC 8785 (JCS) vectors from cyberphone/json-canonicalization against the node's
canonical JSON: the input/output/outhex files, and the ES6 number serialisation test
(the deterministic number sequence of testdata/README.md, checked against its SHA-256
table). Source: tests/vectors/external/README.md."""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from ext_node import canonical_json, strict_loads

DATA = Path(__file__).parent / "external" / "rfc8785"
NAMES = sorted(p.stem for p in (DATA / "input").glob("*.json"))
NUMBERS = json.loads((DATA / "numbers.json").read_text())
#: Lines of the number sequence checked in the normal suite (the table has 1e3 ... 1e8);
#: FTS_RFC8785_LINES=1000000 runs the million-line check (about ten times as long).
NUMBER_LINES = int(os.environ.get("FTS_RFC8785_LINES", "100000"))


def test_all_files_present() -> None:
    assert NAMES == ["arrays", "french", "structures", "unicode", "values", "weird"]


@pytest.mark.parametrize("name", NAMES)
def test_output(name: str) -> None:
    data = canonical_json(strict_loads((DATA / "input" / f"{name}.json").read_bytes()))
    assert data == (DATA / "output" / f"{name}.json").read_bytes()


@pytest.mark.parametrize("name", NAMES)
def test_outhex(name: str) -> None:
    data = canonical_json(strict_loads((DATA / "input" / f"{name}.json").read_bytes()))
    assert data == bytes.fromhex((DATA / "outhex" / f"{name}.txt").read_text())


def _as_float(bits: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def _sequence() -> Iterator[int]:
    """The IEEE-754 bit patterns in the order of testdata/README.md: the static values,
    2000 serial subnormals, then the SHA-256 chain read as little-endian doubles
    (zeros and non-finite values skipped)."""
    yield from (int(h, 16) for h in NUMBERS["static_u64"])
    start = int(NUMBERS["serial_start"], 16)
    yield from range(start, start + NUMBERS["serial_count"])
    block = bytes(32)
    while True:
        block = hashlib.sha256(block).digest()
        for (bits,) in struct.iter_unpack("<Q", block):
            value = _as_float(bits)
            if value != 0.0 and value - value == 0.0:
                yield bits


@pytest.mark.parametrize("sample", NUMBERS["samples"], ids=lambda s: s[0])
def test_number_samples(sample: list[str]) -> None:
    assert canonical_json(_as_float(int(sample[0], 16))).decode() == sample[1]


def test_number_sequence_checksums() -> None:
    want = {c["lines"]: c for c in NUMBERS["checksums"] if c["lines"] <= NUMBER_LINES}
    digest, size, checked = hashlib.sha256(), 0, 0
    for count, bits in enumerate(_sequence(), start=1):
        line = f"{bits:x},{canonical_json(_as_float(bits)).decode()}\n".encode()
        digest.update(line)
        size += len(line)
        if count in want:
            assert (digest.hexdigest(), size) == (want[count]["sha256"], want[count]["bytes"])
            checked += 1
        if count == NUMBER_LINES:
            break
    assert checked == len(want) >= 3
