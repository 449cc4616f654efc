"""Keys, key ids, key files."""

from __future__ import annotations

import os
import stat

import pytest

from fts_share.crypto.keys import (
    KeyKind,
    PrivateKey,
    PublicKey,
    generate,
    is_kid,
    load_private,
    save_private,
    verify_signature,
)
from fts_share.errors import ConfigError, CryptoError


@pytest.mark.parametrize("kind", list(KeyKind))
def test_public_json_round_trip(kind):
    public = generate(kind).public()
    assert is_kid(public.kid) and public.kid.startswith(kind.value + ":")
    assert PublicKey.from_json(public.to_json()) == public
    assert len(public.raw) == {KeyKind.MLKEM768_X25519: 1216}.get(kind, 32)


@pytest.mark.parametrize("doc", [
    None, [], {}, {"kid": "x", "kind": "ed25519"},
    {"kid": "ed25519:AAAAAAAAAAAAAAAAAAAAAA", "kind": "ed25519", "public": "A" * 43},
    {"kid": "rsa:x", "kind": "rsa", "public": "AAAA"},
    {"kid": "x", "kind": "ed25519", "public": 5},
    {"kid": "x", "kind": "ed25519", "public": "AAAA"},
    {"kid": "x", "kind": "ed25519", "public": "A" * 43, "extra": 1},
])
def test_public_json_refused(doc):
    with pytest.raises(CryptoError):
        PublicKey.from_json(doc)


def test_kid_mismatch_names_both():
    a, b = generate(KeyKind.ED25519).public(), generate(KeyKind.ED25519).public()
    with pytest.raises(CryptoError, match="expected kid"):
        PublicKey.from_json({**a.to_json(), "kid": b.kid})
    with pytest.raises(CryptoError):  # same bytes, other kind
        PublicKey.from_json({**a.to_json(), "kind": "x25519"})


@pytest.mark.parametrize("kind", list(KeyKind))
@pytest.mark.parametrize("passphrase", [None, b"correct horse"])
def test_save_load(tmp_path, kind, passphrase):
    key = generate(kind)
    path = tmp_path / "key.pem"
    save_private(path, key, passphrase)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_private(path, passphrase).public() == key.public()
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind
    if passphrase:
        assert b"ENCRYPTED" in path.read_bytes()
        for wrong in (None, b"wrong"):
            with pytest.raises(CryptoError):
                load_private(path, wrong)


def test_load_refusals(tmp_path):
    path = tmp_path / "key.pem"
    save_private(path, generate(KeyKind.ED25519))
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError):
        load_private(path)
    assert load_private(path, allow_insecure_mode=True).kind is KeyKind.ED25519
    with pytest.raises(ConfigError):
        load_private(tmp_path / "missing.pem")
    for data in (b"", b"garbage", path.read_bytes()[:60], path.read_bytes().replace(b"A", b"B", 3)):
        bad = tmp_path / "bad.pem"
        bad.write_bytes(data)
        os.chmod(bad, 0o600)
        with pytest.raises(CryptoError):
            load_private(bad)


def test_save_replaces_atomically(tmp_path):
    path = tmp_path / "key.pem"
    path.write_text("old")
    os.chmod(path, 0o644)
    key = generate(KeyKind.X25519)
    save_private(path, key)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_private(path).public() == key.public()


def test_sign_and_verify():
    key = generate(KeyKind.ED25519)
    sig = key.sign(b"data")
    verify_signature(key.public(), sig, b"data")
    for public, signature, data in [(key.public(), sig, b"Data"),
                                    (generate(KeyKind.ED25519).public(), sig, b"data"),
                                    (key.public(), sig[:-1], b"data"),
                                    (generate(KeyKind.X25519).public(), sig, b"data")]:
        with pytest.raises(CryptoError):
            verify_signature(public, signature, data)
    for kind in (KeyKind.X25519, KeyKind.MLKEM768_X25519):
        with pytest.raises(CryptoError):
            generate(kind).sign(b"data")


def test_private_raw_round_trip_and_repr():
    for kind in KeyKind:
        key = generate(kind)
        assert PrivateKey.from_raw(kind, key.private_raw()).public() == key.public()
        assert key.kid in repr(key) and key.private_raw().hex() not in repr(key)
    with pytest.raises(CryptoError):
        PrivateKey.from_raw(KeyKind.ED25519, b"short")


def test_public_key_validation():
    with pytest.raises(CryptoError):
        PublicKey(kind=KeyKind.ED25519, raw=b"\0" * 31)
    with pytest.raises(CryptoError):
        PublicKey(kind="ed25519", raw=b"\0" * 32)  # type: ignore[arg-type]
