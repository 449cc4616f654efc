"""A second, independent implementation of the fts-share partner protocol, written from
docs/protocol.md, docs/audit.md and schemas/ alone. It imports nothing from fts_share:
only ``cryptography`` primitives (Ed25519, X25519, AES-GCM), ``pyhpke`` (RFC 9180),
``rfc8785`` (JCS), ``http-message-signatures`` (RFC 9421), ``jsonschema`` and the
standard library (urllib, http.server). interop_wire.py holds the encodings, the roster
signature and the Merkle proofs.

A :class:`Partner` acts as a partner node: it signs requests, fetches and verifies a
feed page, opens an envelope addressed to it, seals envelopes and serves a signed feed
of its own.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import http_message_signatures as hms
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from http_message_signatures import algorithms
from interop_wire import (
    CEK_INFO_CONTEXT,
    COVERED,
    ENVELOPE_CONTEXT,
    FEED_PAGE_CONTEXT,
    HPKE,
    STATEMENT_CONTEXT,
    SUITE_X25519,
    TREE_HEAD_CONTEXT,
    ProtocolError,
    b64u,
    ed25519_from_json,
    jcs,
    kid,
    leaf_hash,
    merkle_root,
    parse_time,
    raw_public,
    rfc3339,
    roster_key,
    unb64u,
    verify_ed25519,
)

# --- a partner node --------------------------------------------------------------------

class _Message:
    """The request shape http-message-signatures signs and verifies."""

    def __init__(self, method: str, url: str, headers: dict[str, str]) -> None:
        self.method, self.url, self.headers = method, url, dict(headers)


@dataclass
class Partner:
    code: str
    url: str = ""
    signing: ed25519.Ed25519PrivateKey = field(default_factory=ed25519.Ed25519PrivateKey.generate)
    encryption: x25519.X25519PrivateKey = field(default_factory=x25519.X25519PrivateKey.generate)
    roster: dict[str, Any] = field(default_factory=dict)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    log: list[bytes] = field(default_factory=list)
    polled: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    @property
    def sign_kid(self) -> str:
        return kid("ed25519", raw_public(self.signing))

    @property
    def enc_kid(self) -> str:
        return kid("x25519", raw_public(self.encryption))

    def roster_keys(self, valid_from: datetime) -> list[dict[str, Any]]:
        return [roster_key("ed25519", raw_public(self.signing), "sign", valid_from),
                roster_key("x25519", raw_public(self.encryption), "encrypt", valid_from)]

    # roster look-ups
    def member(self, code: str) -> dict[str, Any]:
        for m in self.roster["members"]:
            if m["code"] == code and m["status"] == "active":
                return m
        raise ProtocolError(f"{code} is not an active member")

    def member_key(self, code: str, kid_: str, use: str) -> dict[str, Any]:
        now = datetime.now(UTC)
        for k in self.member(code)["keys"]:
            if k["kid"] == kid_ and k["use"] == use and parse_time(k["valid_from"]) <= now \
                    and k["revoked_at"] is None and k["valid_until"] is None:
                return k
        raise ProtocolError(f"no valid {use} key {kid_} for {code}")

    def signing_key_of(self, code: str, kid_: str) -> ed25519.Ed25519PublicKey:
        return ed25519_from_json(self.member_key(code, kid_, "sign"))

    def code_of_kid(self, kid_: str) -> str:
        for m in self.roster["members"]:
            if any(k["kid"] == kid_ for k in m["keys"]):
                return str(m["code"])
        raise ProtocolError(f"unknown kid {kid_}")

    # HTTP signatures (docs/protocol.md, "HTTP request signatures")
    def _resolver(self) -> hms.HTTPSignatureKeyResolver:
        partner = self

        class Resolver(hms.HTTPSignatureKeyResolver):
            def resolve_public_key(self, key_id: str) -> ed25519.Ed25519PublicKey:
                return partner.signing_key_of(partner.code_of_kid(key_id), key_id)

            def resolve_private_key(self, key_id: str) -> ed25519.Ed25519PrivateKey:
                assert key_id == partner.sign_kid
                return partner.signing

        return Resolver()

    def signed_headers(self, method: str, url: str, body: bytes) -> dict[str, str]:
        now = datetime.now(UTC).replace(microsecond=0)
        message = _Message(method, url, {})
        hms.HTTPMessageSigner(signature_algorithm=algorithms.ED25519,
                              key_resolver=self._resolver()).sign(
            message, key_id=self.sign_kid, created=now, expires=now + timedelta(seconds=60),
            nonce=b64u(os.urandom(16)), label="fts", body=body, covered_component_ids=COVERED)
        return message.headers

    def verify_request(self, method: str, url: str, headers: dict[str, str],
                       body: bytes) -> str:
        """Verify a partner's signed request; return the caller's node code."""
        verifier = hms.HTTPMessageVerifier(signature_algorithm=algorithms.ED25519,
                                           key_resolver=self._resolver())
        results = verifier.verify(_Message(method, url, headers), body=body,
                                  require_components=COVERED, max_age=timedelta(seconds=300))
        mine = [r for r in results if r.label == "fts"]
        if len(mine) != 1 or mine[0].parameters.get("alg") != "ed25519":
            raise ProtocolError("no fts signature")
        return self.code_of_kid(str(mine[0].parameters["keyid"]))

    def get(self, base: str, path: str) -> tuple[int, Any]:
        url = base + path
        request = urllib.request.Request(url, headers=self.signed_headers("GET", url, b""))
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    # reading a feed (docs/protocol.md, "What the caller checks, in order")
    def fetch_page(self, origin: str, *, after: int = 0, limit: int = 100,
                   tree_size: int | None = None) -> dict[str, Any]:
        query = f"/api/v1/feed?after={after}&limit={limit}"
        if tree_size is not None:
            query += f"&tree_size={tree_size}"
        status, page = self.get(self.member(origin)["url"], query)
        if status != 200:
            raise ProtocolError(f"feed answered {status}: {page}")
        self.check_page(page, origin=origin, after=after, limit=limit)
        return page

    def check_page(self, page: dict[str, Any], *, origin: str, after: int, limit: int) -> None:
        if not {"index", "envelopes", "signer", "signature"} <= set(page):
            raise ProtocolError("page members")
        key = self.signing_key_of(origin, page["signer"])
        verify_ed25519(key, page["signature"], FEED_PAGE_CONTEXT + jcs(page["index"]))
        index = page["index"]
        if (index["v"], index["origin"], index["recipient"], index["after"]) != \
                (1, origin, self.code, after):
            raise ProtocolError("index fields")
        if abs(datetime.now(UTC) - parse_time(index["issued"])) > timedelta(minutes=5):
            raise ProtocolError("stale page")
        items = index["items"]
        if len(items) > limit or len(items) != len(page["envelopes"]):
            raise ProtocolError("truncated")
        for i, (item, env) in enumerate(zip(items, page["envelopes"])):
            if item["n"] != after + 1 + i:
                raise ProtocolError("gapped or reordered")
            if hashlib.sha256(jcs(env)).hexdigest() != item["digest"]:
                raise ProtocolError("tampered")
        if index["next"] != (items[-1]["n"] if items else after) or index["head"] < index["next"]:
            raise ProtocolError("next/head")
        for env, item in zip(page["envelopes"], items):
            self.verify_envelope(env, origin=origin)
            if env["header"]["seq"] != item["seq"]:
                raise ProtocolError("seq differs from the index")

    # envelopes (docs/protocol.md, "Envelope")
    def verify_envelope(self, env: dict[str, Any], *, origin: str) -> None:
        if set(env) != {"v", "header", "keys", "nonce", "ciphertext", "signature"} \
                or env["v"] != 1:
            raise ProtocolError("envelope shape")
        header = env["header"]
        if header["origin"] != origin:
            raise ProtocolError("relayed envelope")
        key = self.signing_key_of(origin, header["signer"])
        unsigned = {k: v for k, v in env.items() if k != "signature"}
        verify_ed25519(key, env["signature"], ENVELOPE_CONTEXT + jcs(unsigned))
        recipients = [(r["node"], r["kid"]) for r in header["recipients"]]
        if recipients != sorted(recipients) or set(env["keys"]) != {k for _, k in recipients}:
            raise ProtocolError("recipients")

    def open_envelope(self, env: dict[str, Any]) -> dict[str, Any]:
        """Open an envelope addressed to this partner; return the verified statement."""
        header = env["header"]
        mine = [r for r in header["recipients"]
                if r["node"] == self.code and r["kid"] == self.enc_kid]
        if len(mine) != 1 or mine[0]["suite"] != SUITE_X25519:
            raise ProtocolError("not addressed to this partner")
        hb = jcs(header)
        info = CEK_INFO_CONTEXT + hashlib.sha256(hb).digest()
        wrapped = unb64u(env["keys"][self.enc_kid])
        skr = HPKE.kem.deserialize_private_key(self.encryption.private_bytes_raw())
        cek = HPKE.create_recipient_context(wrapped[:32], skr, info=info).open(wrapped[32:])
        if len(cek) != 32:
            raise ProtocolError("content key length")
        plaintext = AESGCM(cek).decrypt(unb64u(env["nonce"]), unb64u(env["ciphertext"]), hb)
        doc = json.loads(plaintext)
        if set(doc) != {"statement", "sig"}:
            raise ProtocolError("plaintext members")
        statement = doc["statement"]
        key = self.signing_key_of(header["origin"], header["signer"])
        verify_ed25519(key, doc["sig"], STATEMENT_CONTEXT + jcs(statement))
        if set(statement) != {"v", "origin", "kind", "created", "label", "payload"} or \
                any(statement[k] != header[k] for k in ("origin", "kind", "created", "label")):
            raise ProtocolError("statement differs from the header")
        return dict(statement)

    def seal(self, payload: dict[str, Any], *, recipient: str, label: str = "AMBER",
             kind: str = "notice") -> dict[str, Any]:
        """Seal an envelope to ``recipient``'s x25519 key and append it to the outbox."""
        now = rfc3339(datetime.now(UTC))
        enc_key = next(k for k in self.member(recipient)["keys"]
                       if k["use"] == "encrypt" and k["kind"] == "x25519")
        prev = hashlib.sha256(jcs(self.outbox[-1])).hexdigest() if self.outbox else None
        header = {"v": 1, "origin": self.code, "seq": len(self.outbox) + 1, "prev": prev,
                  "created": now, "label": label, "kind": kind, "signer": self.sign_kid,
                  "recipients": [{"node": recipient, "kid": enc_key["kid"],
                                  "suite": SUITE_X25519}]}
        statement = {"v": 1, "origin": self.code, "kind": kind, "created": now,
                     "label": label, "payload": payload}
        inner = self.signing.sign(STATEMENT_CONTEXT + jcs(statement))
        plaintext = jcs({"statement": statement, "sig": b64u(inner)})
        hb = jcs(header)
        cek, nonce = AESGCM.generate_key(bit_length=256), os.urandom(12)
        pkr = HPKE.kem.deserialize_public_key(unb64u(enc_key["public"]))
        enc, sender = HPKE.create_sender_context(
            pkr, info=CEK_INFO_CONTEXT + hashlib.sha256(hb).digest())
        unsigned = {"v": 1, "header": header, "keys": {enc_key["kid"]: b64u(enc + sender.seal(cek))},
                    "nonce": b64u(nonce), "ciphertext": b64u(AESGCM(cek).encrypt(nonce, plaintext, hb))}
        env = dict(unsigned, signature=b64u(self.signing.sign(ENVELOPE_CONTEXT + jcs(unsigned))))
        self.outbox.append(env)
        self.log.append(leaf_hash(jcs({"v": 1, "seq": len(self.log), "action": "publish",
                                       "object_id": str(header["seq"])})))
        return env

    # serving a feed
    def page_for(self, recipient: str, after: int, limit: int) -> dict[str, Any]:
        link = [e for e in self.outbox
                if any(r["node"] == recipient for r in e["header"]["recipients"])]
        chosen = link[after:after + limit]
        items = [{"n": after + 1 + i, "seq": e["header"]["seq"],
                  "digest": hashlib.sha256(jcs(e)).hexdigest()} for i, e in enumerate(chosen)]
        index = {"v": 1, "origin": self.code, "recipient": recipient, "after": after,
                 "next": items[-1]["n"] if items else after, "head": len(link),
                 "issued": rfc3339(datetime.now(UTC)), "items": items}
        head = {"v": 1, "size": len(self.log), "root": merkle_root(self.log).hex(),
                "time": rfc3339(datetime.now(UTC)), "key_id": self.sign_kid}
        head["signature"] = b64u(self.signing.sign(TREE_HEAD_CONTEXT + jcs(head)))
        return {"index": index, "signer": self.sign_kid,
                "signature": b64u(self.signing.sign(FEED_PAGE_CONTEXT + jcs(index))),
                "envelopes": chosen, "roster_version": self.roster["version"],
                "tree_head": head, "tree_consistency": None, "findings": [], "peer_heads": {}}

    def serve(self, port: int) -> Callable[[], None]:
        """Serve ``GET /api/v1/feed`` on 127.0.0.1:port; return a function that stops it."""
        partner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, doc: Any) -> None:
                body = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = partner.url + self.path
                parts = urlsplit(url)
                if parts.path != "/api/v1/feed":
                    return self._send(404, {"title": "not found"})
                try:
                    caller = partner.verify_request("GET", url, dict(self.headers.items()), b"")
                except (ProtocolError, hms.HTTPMessageSignaturesException, KeyError,
                        ValueError) as exc:  # any verification failure: 401
                    partner.refused.append(f"{type(exc).__name__}: {exc}")
                    return self._send(401, {"title": "unauthenticated", "detail": str(exc)})
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                partner.polled.append({"caller": caller, **query})
                self._send(200, partner.page_for(caller, int(query.get("after", 0)),
                                                 int(query.get("limit", 100))))

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()

        def stop() -> None:
            server.shutdown()
            server.server_close()
            thread.join(5)

        return stop
