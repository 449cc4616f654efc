"""Generate the crypto test vectors of fts-share (run from the repository root).

    python3 tests/vectors/crypto/generate.py            # deterministic files only
    python3 tests/vectors/crypto/generate.py --envelopes  # also re-seal envelope.json
                                                          # and invalid.json (random!)

Deterministic vectors (rewritten every run, byte-identical): ``keys.json`` (fixed test
keys derived from labels), ``kids.json``, ``canonical.json`` (RFC 8785 examples plus
fts-share cases), ``httpsig.json`` (RFC 9421 B.2.6, RFC 9530, and an fts-profile
request signed with a fixed key, time and nonce: Ed25519 is deterministic), and the
same keys as PEM files in ``keys/fixtures/``.

HPKE and AES-GCM take fresh randomness, so envelopes cannot be regenerated
identically: ``envelope.json`` (valid envelopes that must verify and open) and
``invalid.json`` (mutations that must be refused, with the step that refuses them)
are written once and committed; ``--envelopes`` replaces them.

THE KEYS HERE ARE PUBLIC TEST KEYS, FOR FIXTURES ONLY.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from fts_share.clock import to_rfc3339
from fts_share.crypto import _envelope_wire as wire
from fts_share.crypto.canonical import b64u, canonical_json, unb64u
from fts_share.crypto.envelope import Recipient, envelope_digest, seal, seal_plaintext
from fts_share.crypto.httpsig import content_digest, sign_request, signature_base
from fts_share.crypto.keys import KeyKind, PrivateKey

HERE = Path(__file__).resolve().parent
NODES = ("FRA", "IRQ", "JOR")
RAW_LENGTH = {KeyKind.ED25519: 32, KeyKind.X25519: 32, KeyKind.MLKEM768_X25519: 96}
CREATED = datetime(2025, 8, 2, 12, 0, 0, tzinfo=UTC)
PAYLOAD = {
    "id": "5f0c3a52-8d51-4c5e-9a57-2f1d7c1e8b11",
    "subject": {"names": [{"script": "Arab", "value": "إبراهيم عواد إبراهيم علي البدري السامرائي"},
                          {"script": "Latn", "value": "IBRAHIM AWWAD IBRAHIM ALI AL-BADRI"}],
                "nationalities": ["IRQ"], "dob": "1971-07-28", "minor": False},
    "movement": {"kind": "transit", "place": "Istanbul", "date": "2019-03-23"},
    "basis": ["2178 (2014)", "2368 (2017)"], "un_reference": "QDi.299",
}

# RFC 8785 section 3.2.2 and 3.2.3 (input as JSON text, output as in the RFC).
RFC8785_CASES = [
    ("rfc8785-3.2.2",
     ('{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
     ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
     ' "literals": [null, true, false]}'),
     ('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
     '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}')),
    ("rfc8785-3.2.3",
     ('{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet'
     ' With Dagesh", "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080":'
     ' "Control", "\\u00f6": "Latin Small Letter O With Diaeresis"}'),
     ('{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O'
     ' With Diaeresis","\u20ac":"Euro Sign","\U0001f600":"Emoji: Grinning Face",'
     '"\ufb33":"Hebrew Letter Dalet With Dagesh"}')),
]
FTS_CANONICAL_CASES = [
    ("arabic-and-control", '{"name": "محمد\\t\\u0001", "a": [1, -0, 2.0, 1e21]}'),
    ("nested-empty", '{"b": {}, "a": [], "c": [{}], "": ""}'),
]
REFUSED_CANONICAL = [("nan-like-huge-int", "9007199254740993"), ("lone-surrogate", '"\\ud800"')]

RFC9421_ED25519_PRIVATE = "n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU"
RFC9421_ED25519_PUBLIC = "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs"


def fixture_key(node: str, kind: KeyKind) -> PrivateKey:
    """The fixed test key of ``node``: SHAKE-256 of a label (FOR FIXTURES ONLY)."""
    label = f"fts-share test vector key {node} {kind.value}".encode()
    return PrivateKey.from_raw(kind, hashlib.shake_256(label).digest(RAW_LENGTH[kind]))


def load_fixture_keys() -> dict[str, dict[KeyKind, PrivateKey]]:
    """All fixed test keys, by node and kind."""
    return {node: {kind: fixture_key(node, kind) for kind in KeyKind} for node in NODES}


def write(name: str, doc: Any) -> None:
    (HERE / name).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    print("wrote", name)


def gen_keys(keys: dict[str, dict[KeyKind, PrivateKey]]) -> None:
    write("keys.json", {
        "comment": "PUBLIC TEST KEYS, FOR FIXTURES ONLY. private = PrivateKey.private_raw() "
                   "in base64url (hybrid: 64-byte ML-KEM-768 seed || 32-byte X25519).",
        "nodes": {node: {kind.value: {"private": b64u(key.private_raw()),
                                      **key.public().to_json()}
                         for kind, key in by_kind.items()}
                  for node, by_kind in keys.items()}})
    write("kids.json", [
        {"kind": key.kind.value, "public": b64u(key.public().raw),
         "hash_input_sha256": hashlib.sha256(key.kind.value.encode() + b":" +
                                             key.public().raw).hexdigest(),
         "kid": key.kid} for by_kind in keys.values() for key in by_kind.values()])


def gen_canonical() -> None:
    cases = []
    for name, text, expected in RFC8785_CASES:
        got = canonical_json(json.loads(text)).decode("utf-8")
        assert got == expected, (name, got, expected)
        cases.append({"name": name, "input": text, "canonical": expected})
    for name, text in FTS_CANONICAL_CASES:
        cases.append({"name": name, "input": text,
                      "canonical": canonical_json(json.loads(text)).decode("utf-8")})
    write("canonical.json", {"valid": cases, "refused": [
        {"name": name, "input": text} for name, text in REFUSED_CANONICAL]})


def gen_httpsig(keys: dict[str, dict[KeyKind, PrivateKey]]) -> None:
    rfc_key = PrivateKey.from_raw(KeyKind.ED25519, unb64u(RFC9421_ED25519_PRIVATE))
    assert b64u(rfc_key.public().raw) == RFC9421_ED25519_PUBLIC
    b26_headers = {"host": "example.com", "date": "Tue, 20 Apr 2021 02:07:55 GMT",
                   "content-type": "application/json",
                   "content-digest": "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm"
                                     "+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
                   "content-length": "18"}
    components = ["date", "@method", "@path", "@authority", "content-type", "content-length"]
    params = {"created": 1618884473, "keyid": "test-key-ed25519"}
    base = signature_base(components, params, method="POST",
                          url="https://example.com/foo?param=Value&Pet=dog",
                          headers=b26_headers)
    b26_sig = "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw=="
    import base64
    assert base64.b64encode(rfc_key.sign(base)).decode() == b26_sig
    irq = keys["IRQ"][KeyKind.ED25519]
    now = datetime(2025, 8, 2, 12, 0, 0, tzinfo=UTC)
    url = "https://fra.node.example/api/v1/feed?after=41&limit=100"
    fts_headers = sign_request(method="GET", url=url, headers={}, body=b"", key=irq, now=now,
                               nonce="Qk9SRC1URVNULU5PTkNFLTE")
    fts_base = signature_base(
        ["@method", "@target-uri", "content-digest"],
        {"created": 1754136000, "expires": 1754136060, "nonce": "Qk9SRC1URVNULU5PTkNFLTE",
         "keyid": irq.kid, "alg": "ed25519"},
        method="GET", url=url, headers={"content-digest": content_digest(b"")})
    write("httpsig.json", {
        "rfc9421_b26": {
            "comment": "RFC 9421 Appendix B.2.6 (key: Appendix B.1.4 test-key-ed25519)",
            "private_key": RFC9421_ED25519_PRIVATE, "public_key": RFC9421_ED25519_PUBLIC,
            "method": "POST", "url": "https://example.com/foo?param=Value&Pet=dog",
            "headers": b26_headers, "body": '{"hello": "world"}',
            "signature_input": 'sig-b26=("date" "@method" "@path" "@authority" '
                               '"content-type" "content-length");created=1618884473;'
                               'keyid="test-key-ed25519"',
            "signature": f"sig-b26=:{b26_sig}:", "signature_base": base.decode()},
        "rfc9530_sha256": {"body": '{"hello": "world"}',
                           "content_digest": content_digest(b'{"hello": "world"}')},
        "fts_profile": {
            "comment": "fts-share profile; signer IRQ's fixture ed25519 key (keys.json)",
            "signer": "IRQ", "now": "2025-08-02T12:00:00Z", "method": "GET", "url": url,
            "body": "", "headers": fts_headers, "signature_base": fts_base.decode(),
            "verify_at": "2025-08-02T12:00:10Z"}})


def _recipients(keys: dict[str, dict[KeyKind, PrivateKey]]) -> list[Recipient]:
    return [Recipient(node="IRQ", key=keys["IRQ"][KeyKind.X25519].public()),
            Recipient(node="JOR", key=keys["JOR"][KeyKind.MLKEM768_X25519].public())]


def _resign(env: dict[str, Any], key: PrivateKey) -> dict[str, Any]:
    """Re-sign the outer layer (a mutation an honest-looking origin could make)."""
    env = copy.deepcopy(env)
    env.pop("signature", None)
    env["signature"] = b64u(key.sign(wire.ENVELOPE_SIGNATURE_CONTEXT + canonical_json(env)))
    return env


def _flip(text: str, index: int = 5) -> str:
    raw = bytearray(unb64u(text))
    raw[index % len(raw)] ^= 0x01
    return b64u(bytes(raw))


def _mutations(env: dict[str, Any], keys: dict[str, dict[KeyKind, PrivateKey]]
               ) -> list[tuple[str, str, Callable[[dict[str, Any]], Any]]]:
    fra = keys["FRA"][KeyKind.ED25519]
    jor_kid = keys["JOR"][KeyKind.MLKEM768_X25519].kid

    def header(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
        return lambda e: e["header"].__setitem__(field, value)

    def inner(statement_change: Callable[[dict[str, Any]], None],
              signer: PrivateKey) -> Callable[[dict[str, Any]], Any]:
        def build(_: dict[str, Any]) -> Any:
            statement = {"v": 1, "origin": "FRA", "kind": "notice",
                         "created": to_rfc3339(CREATED), "label": "AMBER", "payload": PAYLOAD}
            statement_change(statement)
            sig = signer.sign(wire.STATEMENT_SIGNATURE_CONTEXT + canonical_json(statement))
            plaintext = canonical_json({"statement": statement, "sig": b64u(sig)})
            return seal_plaintext(plaintext, header=copy.deepcopy(env["header"]), signer=fra,
                                  recipients=_recipients(keys))
        return build

    return [
        ("header-origin", "verify", header("origin", "JOR")),
        ("header-seq", "verify", header("seq", 2)),
        ("header-prev", "verify", header("prev", "0" * 64)),
        ("header-created", "verify", header("created", "2025-08-02T12:00:01.000000Z")),
        ("header-label", "verify", header("label", "CLEAR")),
        ("header-kind", "verify", header("kind", "tombstone")),
        ("header-signer", "verify", header("signer", keys["IRQ"][KeyKind.ED25519].kid)),
        ("header-recipient-node", "verify",
         lambda e: e["header"]["recipients"][0].__setitem__("node", "USA")),
        ("header-recipient-dropped", "verify", lambda e: e["header"]["recipients"].pop()),
        ("header-version", "verify", header("v", 2)),
        ("envelope-version", "verify", lambda e: e.__setitem__("v", 2)),
        ("extra-field", "verify", lambda e: e.__setitem__("x", 1)),
        ("missing-signature", "verify", lambda e: e.pop("signature")),
        ("signature-flipped", "verify", lambda e: e.__setitem__("signature",
                                                                _flip(e["signature"]))),
        ("ciphertext-flipped", "verify", lambda e: e.__setitem__("ciphertext",
                                                                 _flip(e["ciphertext"], 40))),
        ("nonce-flipped", "verify", lambda e: e.__setitem__("nonce", _flip(e["nonce"]))),
        ("wrapped-key-flipped", "verify",
         lambda e: e["keys"].__setitem__(jor_kid, _flip(e["keys"][jor_kid], 1200))),
        ("wrapped-key-removed", "verify", lambda e: e["keys"].pop(jor_kid)),
        ("signature-padded", "verify", lambda e: e.__setitem__("signature",
                                                               e["signature"] + "==")),
        ("seq-as-string", "verify", header("seq", "1")),
        ("recipients-not-a-list", "verify", header("recipients", {})),
        # Outer signature valid (origin re-signed), header values invalid: refused at step 3.
        ("resigned-unknown-label", "verify",
         lambda e: _resign({**e, "header": {**e["header"], "label": "WHITE"}}, fra)),
        ("resigned-recipients-unsorted", "verify",
         lambda e: _resign({**e, "header": {**e["header"], "recipients":
                                            e["header"]["recipients"][::-1]}}, fra)),
        ("resigned-short-nonce", "verify",
         lambda e: _resign({**e, "nonce": b64u(b"\0" * 8)}, fra)),
        # Outer signature valid, inner layer wrong: refused by open_envelope.
        ("resigned-ciphertext-flipped", "open",
         lambda e: _resign({**e, "ciphertext": _flip(e["ciphertext"], 40)}, fra)),
        ("resigned-wrapped-key-flipped", "open",
         lambda e: _resign({**e, "keys": {**e["keys"],
                                          jor_kid: _flip(e["keys"][jor_kid], 1200)}}, fra)),
        ("inner-signed-by-other-key", "open",
         inner(lambda s: None, keys["IRQ"][KeyKind.ED25519])),
        ("inner-origin-mismatch", "open", inner(lambda s: s.__setitem__("origin", "IRQ"), fra)),
        ("inner-kind-mismatch", "open", inner(lambda s: s.__setitem__("kind", "tombstone"),
                                              fra)),
        ("inner-label-widened", "open", inner(lambda s: s.__setitem__("label", "CLEAR"), fra)),
        ("inner-extra-field", "open", inner(lambda s: s.__setitem__("to", "ALL"), fra)),
    ]


def gen_envelopes(keys: dict[str, dict[KeyKind, PrivateKey]]) -> None:
    fra = keys["FRA"][KeyKind.ED25519]
    first = seal(PAYLOAD, origin="FRA", seq=1, prev=None, created=CREATED, label="AMBER",
                 kind="notice", signer=fra, recipients=_recipients(keys))
    second = seal({"id": PAYLOAD["id"], "reason": "withdrawn by origin"}, origin="FRA", seq=2,
                  prev=envelope_digest(first), created=CREATED.replace(minute=5),
                  label="AMBER", kind="tombstone", signer=fra, recipients=_recipients(keys))
    valid = []
    for env, payload in ((first, PAYLOAD), (second, None)):
        header_bytes = canonical_json(env["header"])
        valid.append({
            "envelope": env, "digest": envelope_digest(env),
            "canonical_header": header_bytes.decode("utf-8"),
            "hpke_info_hex": (wire.CEK_INFO_CONTEXT + hashlib.sha256(header_bytes).digest()).hex(),
            "payload": payload or {"id": PAYLOAD["id"], "reason": "withdrawn by origin"},
            "open_as": {"IRQ": keys["IRQ"][KeyKind.X25519].kid,
                        "JOR": keys["JOR"][KeyKind.MLKEM768_X25519].kid}})
    write("envelope.json", {"comment": "Valid envelopes sealed with keys.json; they must "
                                       "verify and open for IRQ and JOR.", "valid": valid})
    invalid = []
    for name, stage, mutate in _mutations(first, keys):
        env = copy.deepcopy(first)
        result = mutate(env)
        refused_for = ["JOR"] if name == "resigned-wrapped-key-flipped" else ["IRQ", "JOR"]
        invalid.append({"name": name, "refused_at": stage, "refused_for": refused_for,
                        "envelope": result if isinstance(result, dict) else env})
    write("invalid.json", {"comment": "Each envelope must be refused with CryptoError at "
                                      "the step named (verify: verify_envelope; open: "
                                      "open_envelope as each node of refused_for).", "invalid": invalid})


FIXTURE_BANNER = (b"# FOR FIXTURES ONLY - a public test key from tests/vectors/crypto/keys.json.\n"
                  b"# Never use it for a real node.\n")


def gen_fixture_pems(keys: dict[str, dict[KeyKind, PrivateKey]]) -> None:
    """keys/fixtures/NODE.KIND.pem (clear PEM with a banner) and public.json."""
    from fts_share.crypto.keys import private_key_pem
    out = ROOT / "keys" / "fixtures"
    out.mkdir(parents=True, exist_ok=True)
    for node, by_kind in keys.items():
        for kind, key in by_kind.items():
            (out / f"{node}.{kind.value}.pem").write_bytes(FIXTURE_BANNER + private_key_pem(key))
    (out / "public.json").write_text(json.dumps({
        "comment": "FOR FIXTURES ONLY: public halves of keys/fixtures/*.pem",
        "nodes": {node: [key.public().to_json() for key in by_kind.values()]
                  for node, by_kind in keys.items()}}, indent=2) + "\n", encoding="utf-8")
    print("wrote keys/fixtures")


def main() -> None:
    """Write the vectors (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--envelopes", action="store_true",
                        help="re-seal envelope.json and invalid.json (random)")
    args = parser.parse_args()
    keys = load_fixture_keys()
    gen_keys(keys)
    gen_canonical()
    gen_httpsig(keys)
    gen_fixture_pems(keys)
    if args.envelopes or not (HERE / "envelope.json").exists():
        gen_envelopes(keys)


if __name__ == "__main__":
    main()
