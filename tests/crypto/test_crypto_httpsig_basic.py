"""HTTP request signatures: round trip and replay."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fts_share.crypto.httpsig import NonceCache, sign_request, verify_request
from fts_share.errors import CryptoError

URL = "https://fra.example/api/v1/feed?after=0&limit=100"


def test_round_trip_and_replay(coalition, now):
    key = coalition["IRQ"].signing
    headers = sign_request(method="GET", url=URL, headers={}, body=b"", key=key, now=now)
    cache = NonceCache(clock=lambda: now)
    verified = verify_request(method="GET", url=URL, headers=headers, body=b"",
                              key_for=coalition.key_by_kid, now=now + timedelta(seconds=5),
                              remember_nonce=cache.remember)
    assert verified.keyid == key.kid and verified.created == now
    with pytest.raises(CryptoError):
        verify_request(method="GET", url=URL, headers=headers, body=b"",
                       key_for=coalition.key_by_kid, now=now, remember_nonce=cache.remember)
