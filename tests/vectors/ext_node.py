"""The node's functions that the external conformance vectors exercise, imported in one
place so that a module move inside fts_share changes this file only."""

from fts_share.audit import merkle
from fts_share.audit.errors import VerificationError
from fts_share.crypto import (
                              KeyKind,
                              PrivateKey,
                              PublicKey,
                              canonical_json,
                              strict_loads,
                              verify_signature,
)
from fts_share.crypto._envelope_wire import HPKE_SUITES, SUITE_MLKEM768_X25519, SUITE_X25519
from fts_share.crypto._sfv import Token, parse_dictionary
from fts_share.crypto.httpsig import signature_base
from fts_share.errors import CryptoError

__all__ = [
                              "HPKE_SUITES",
                              "SUITE_MLKEM768_X25519",
                              "SUITE_X25519",
                              "CryptoError",
                              "KeyKind",
                              "PrivateKey",
                              "PublicKey",
                              "Token",
                              "VerificationError",
                              "canonical_json",
                              "merkle",
                              "parse_dictionary",
                              "signature_base",
                              "strict_loads",
                              "verify_signature",
]
