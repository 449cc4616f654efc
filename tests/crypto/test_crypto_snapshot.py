"""The snapshot format (``fts_share.crypto.snapshot``): chunked AES-256-GCM with the
header as associated data; every change, reordering or truncation is refused."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from fts_share.crypto import snapshot
from fts_share.errors import CryptoError

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
CHUNK = 64


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot, "CHUNK_SIZE", CHUNK)


def _seal(plain: bytes, key: bytes) -> bytes:
    out = io.BytesIO()
    snapshot.write_snapshot(out, io.BytesIO(plain), key=key, node="FRA", created=NOW,
                            expires=NOW + timedelta(days=30), store="sqlite")
    return out.getvalue()


def _open(sealed: bytes, key: bytes) -> tuple[snapshot.SnapshotHeader, bytes]:
    out = io.BytesIO()
    header = snapshot.open_snapshot(io.BytesIO(sealed), out, key=key)
    return header, out.getvalue()


@pytest.mark.parametrize("size", [0, 1, CHUNK, CHUNK + 1, 5 * CHUNK + 7])
def test_round_trip(size: int) -> None:
    key, plain = snapshot.new_key(), bytes(range(256)) * 2
    header, back = _open(_seal(plain[:size], key), key)
    assert back == plain[:size]
    assert (header.node, header.created, header.expires) == ("FRA", NOW, NOW + timedelta(days=30))
    assert header.key_id == snapshot.key_id(key)


def _chunks(sealed: bytes) -> tuple[bytes, list[bytes]]:
    _header, aad = snapshot.read_header(io.BytesIO(sealed))
    body, size = sealed[len(aad):], CHUNK + snapshot.TAG_SIZE
    return aad, [body[i:i + size] for i in range(0, len(body), size)]


@pytest.mark.parametrize("change", ["swap", "drop_last", "drop_first", "append", "flip_tag"])
def test_any_change_of_the_chunks_is_refused(change: str) -> None:
    key = snapshot.new_key()
    aad, chunks = _chunks(_seal(b"x" * (3 * CHUNK + 5), key))
    if change == "swap":
        chunks[0], chunks[1] = chunks[1], chunks[0]
    elif change == "drop_last":
        chunks.pop()
    elif change == "drop_first":
        chunks.pop(0)
    elif change == "append":
        chunks.append(chunks[-1])
    else:
        chunks[-1] = chunks[-1][:-1] + bytes([chunks[-1][-1] ^ 1])
    with pytest.raises(snapshot.SnapshotInvalid, match="fails authentication"):
        _open(aad + b"".join(chunks), key)


def test_an_edited_header_is_refused() -> None:
    key = snapshot.new_key()
    sealed = _seal(b"data", key)
    later = sealed.replace(b"2027-01-04", b"2099-01-04")  # a longer retention
    assert later != sealed
    with pytest.raises(snapshot.SnapshotInvalid):
        _open(later, key)


def test_another_key_is_named_and_not_a_snapshot_is_refused() -> None:
    key, other = snapshot.new_key(), snapshot.new_key()
    with pytest.raises(CryptoError, match=snapshot.key_id(key)):
        _open(_seal(b"data", key), other)
    with pytest.raises(snapshot.SnapshotInvalid, match="not an fts-share snapshot"):
        _open(b"PK\x03\x04 a zip file", key)
