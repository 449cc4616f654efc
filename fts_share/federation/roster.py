"""The coalition roster: who is a partner, where it is, and which keys it holds.

The roster is a JSON document signed by the secretariat's Ed25519 key. Every node pins
that key (its trust anchor) and accepts a roster only if the signature verifies and the
version is newer than the one in force. Partners, keys and revocations all come from
the roster; a node refuses partners and keys that are not on a valid roster.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from fts_share.clock import parse_rfc3339, to_rfc3339
from fts_share.crypto.canonical import b64u, canonical_json, unb64u
from fts_share.crypto.keys import (
    KeyKind,
    PrivateKey,
    PublicKey,
    check_signing_key,
    verify_signature,
)
from fts_share.errors import CryptoError, RosterError
from fts_share.jsontext import MAX_ROW_ID

ROSTER_FORMAT = 1
ROSTER_SIGNING_PREFIX = b"fts-share/v1 roster\n"
ROLES = ("member", "observer")
AUDIENCES = ("named", "all-members", "members-and-observers")


@dataclass(frozen=True)
class RosterKey:
    """A public key of a partner, with its use and validity window."""

    key: PublicKey
    use: str  # "sign" or "encrypt"
    valid_from: datetime
    valid_until: datetime | None
    revoked_at: datetime | None

    def valid_at(self, when: datetime) -> bool:
        """Whether the key may be used for something dated ``when``."""
        if when < self.valid_from:
            return False
        if self.valid_until is not None and when >= self.valid_until:
            return False
        return self.revoked_at is None or when < self.revoked_at


@dataclass(frozen=True)
class Member:
    """A coalition partner on the roster."""

    code: str
    name: str
    role: str
    status: str
    url: str
    valid_from: datetime
    valid_until: datetime | None
    keys: tuple[RosterKey, ...]
    protocols: tuple[int, ...] = (1,)

    def accepts(self, version: int) -> bool:
        """Whether the partner lists protocol ``version`` (docs/protocol.md,
        "Versioning and extensions")."""
        return version in self.protocols

    def active_at(self, when: datetime) -> bool:
        """Whether the partner is an active participant at ``when``."""
        if self.status != "active" or when < self.valid_from:
            return False
        return self.valid_until is None or when < self.valid_until


def _time(value: Any, where: str) -> datetime:
    try:
        return parse_rfc3339(value)
    except (ValueError, TypeError) as exc:
        raise RosterError(f"roster: {where} is not an RFC 3339 time") from exc


def _protocols(value: Any, where: str) -> tuple[int, ...]:
    """A member's ``protocols`` (``[1]`` when absent); an entry that is not a positive
    integer makes the roster malformed."""
    if value is None:
        return (1,)
    if not isinstance(value, list) or not value or not all(
            type(v) is int and v >= 1 for v in value):
        raise RosterError(f"roster: {where}.protocols must be a list of positive integers")
    return tuple(sorted(set(value)))


def _opt_time(value: Any, where: str) -> datetime | None:
    return None if value is None else _time(value, where)


class Roster:
    """A verified roster document."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        if not isinstance(document, Mapping):
            raise RosterError("roster: not a JSON object")
        self.document = dict(document)
        try:
            version = document["version"]
            if (not isinstance(version, int) or isinstance(version, bool)
                    or not 1 <= version <= MAX_ROW_ID):
                raise ValueError(f"version must be an integer in 1..{MAX_ROW_ID}")
            self.version = version
            self.issued = _time(document["issued"], "issued")
            self.secretariat_kid = str(document["secretariat"])
            if not isinstance(document["members"], list):
                raise TypeError("members must be a list")
            members = [self._member(m, i) for i, m in enumerate(document["members"])]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise RosterError(f"roster: malformed document ({exc})") from exc
        codes = [m.code for m in members]
        if len(set(codes)) != len(codes):
            raise RosterError("roster: duplicate member code")
        self.members: dict[str, Member] = {m.code: m for m in members}
        self._kid_owner: dict[str, str] = {}
        for m in members:
            for k in m.keys:
                if self._kid_owner.setdefault(k.key.kid, m.code) != m.code:
                    raise RosterError(f"roster: key {k.key.kid} listed for two members")

    @staticmethod
    def _member(doc: Mapping[str, Any], i: int) -> Member:
        where = f"members.{i}"
        role = doc["role"]
        if role not in ROLES:
            raise RosterError(f"roster: {where}.role must be one of {ROLES}")
        keys = []
        for j, k in enumerate(doc["keys"]):
            kw = f"{where}.keys.{j}"
            if k.get("use") not in ("sign", "encrypt"):
                raise RosterError(f"roster: {kw}.use must be sign or encrypt")
            try:
                pub = PublicKey.from_json({f: k.get(f) for f in ("kid", "kind", "public")})
            except CryptoError as exc:
                raise RosterError(f"roster: {kw} is not a valid public key") from exc
            want = KeyKind.ED25519 if k["use"] == "sign" else None
            if (want and pub.kind != want) or (not want and pub.kind == KeyKind.ED25519):
                raise RosterError(f"roster: {kw} kind {pub.kind} does not fit use {k['use']}")
            if want:
                try:
                    check_signing_key(pub)
                except CryptoError as exc:
                    raise RosterError(f"roster: {kw}: {exc}") from None
            keys.append(RosterKey(key=pub, use=k["use"],
                                  valid_from=_time(k["valid_from"], f"{kw}.valid_from"),
                                  valid_until=_opt_time(k.get("valid_until"), f"{kw}.valid_until"),
                                  revoked_at=_opt_time(k.get("revoked_at"), f"{kw}.revoked_at")))
        return Member(code=str(doc["code"]), name=str(doc["name"]), role=role,
                      status=str(doc.get("status", "active")), url=str(doc["url"]).rstrip("/"),
                      valid_from=_time(doc["valid_from"], f"{where}.valid_from"),
                      valid_until=_opt_time(doc.get("valid_until"), f"{where}.valid_until"),
                      keys=tuple(keys), protocols=_protocols(doc.get("protocols"), where))

    # -- verification -------------------------------------------------------------
    @classmethod
    def verify(cls, document: Mapping[str, Any], anchor: PublicKey) -> Roster:
        """Check the secretariat's signature with the pinned ``anchor``, then parse."""
        if not isinstance(document, Mapping) or "signature" not in document:
            raise RosterError("roster: not a signed roster document")
        if document.get("v") != ROSTER_FORMAT:
            raise RosterError(f"roster: format version must be {ROSTER_FORMAT}")
        if document.get("secretariat") != anchor.kid:
            raise RosterError("roster: not signed by the pinned secretariat key")
        body = {k: v for k, v in document.items() if k != "signature"}
        try:
            verify_signature(anchor, unb64u(str(document["signature"])),
                             ROSTER_SIGNING_PREFIX + canonical_json(body))
        except CryptoError as exc:
            raise RosterError("roster: bad secretariat signature") from exc
        return cls(document)

    # -- lookups ------------------------------------------------------------------
    def member(self, code: str, *, now: datetime) -> Member:
        """An active partner, or RosterError."""
        m = self.members.get(code)
        if m is None:
            raise RosterError(f"{code!r} is not on the coalition roster")
        if not m.active_at(now):
            raise RosterError(f"{code!r} is not an active partner")
        return m

    def owner_of(self, kid: str) -> str:
        """The partner code holding key ``kid``."""
        try:
            return self._kid_owner[kid]
        except KeyError:
            raise RosterError(f"key {kid!r} is not on the roster") from None

    def key(self, code: str, kid: str, *, use: str) -> RosterKey:
        """The roster entry of ``code``'s key ``kid`` for ``use`` (any validity)."""
        m = self.members.get(code)
        if m is not None:
            for k in m.keys:
                if k.key.kid == kid and k.use == use:
                    return k
        raise RosterError(f"key {kid!r} of {code!r} is not on the roster for {use}")

    def signing_key(self, code: str, kid: str, *, at: datetime) -> PublicKey:
        """``code``'s signing key ``kid`` if valid (and not revoked) at ``at``."""
        k = self.key(code, kid, use="sign")
        if not k.valid_at(at):
            raise RosterError(f"key {kid!r} of {code!r} is not valid at {to_rfc3339(at)}")
        return k.key

    def signer_for(self, code: str, held: Iterable[str]) -> str | None:
        """Of the signing keys ``held`` (kids) by ``code``, the one to sign with under
        this roster: listed for ``code``, not revoked, the newest ``valid_from``; None
        if the roster lists none of them. A rotated key takes over as soon as the
        roster that lists it is in force (the old key's window, ended by the same
        roster, covers what was signed before)."""
        m = self.members.get(code)
        held = set(held)
        listed = [k for k in (m.keys if m else ()) if k.use == "sign"
                  and k.key.kid in held and k.revoked_at is None]
        return max(listed, key=lambda k: k.valid_from).key.kid if listed else None

    def encryption_key(self, code: str, *, now: datetime) -> PublicKey:
        """The key to encrypt to ``code`` now: its hybrid post-quantum key if it
        offers one, else its X25519 key (the newest valid one of that kind)."""
        m = self.member(code, now=now)
        valid = [k for k in m.keys if k.use == "encrypt" and k.valid_at(now)]
        for kind in (KeyKind.MLKEM768_X25519, KeyKind.X25519):
            of_kind = sorted((k for k in valid if k.key.kind == kind), key=lambda k: k.valid_from)
            if of_kind:
                return of_kind[-1].key
        raise RosterError(f"{code!r} has no valid encryption key")

    def audience(self, audience: str, named: Iterable[str], *, exclude: str,
                 now: datetime) -> list[str]:
        """Resolve a notice's recipients to partner codes.

        ``all-members`` excludes observers; ``members-and-observers`` includes them;
        ``named`` takes exactly the listed partners (observers only when named).
        """
        if audience == "named":
            codes = sorted(set(named))
            for c in codes:
                self.member(c, now=now)
        elif audience == "all-members":
            codes = sorted(c for c, m in self.members.items()
                           if m.role == "member" and m.active_at(now))
        elif audience == "members-and-observers":
            codes = sorted(c for c, m in self.members.items() if m.active_at(now))
        else:
            raise RosterError(f"unknown audience {audience!r}")
        return [c for c in codes if c != exclude]

    def partners(self, *, exclude: str, now: datetime) -> list[Member]:
        """Every active partner other than ``exclude`` (this node)."""
        return [m for c, m in sorted(self.members.items())
                if c != exclude and m.active_at(now)]


def sign_roster(document: Mapping[str, Any], secretariat: PrivateKey) -> dict[str, Any]:
    """Sign a roster draft with the secretariat key (secretariat tooling)."""
    body = {k: v for k, v in document.items() if k != "signature"}
    body["v"] = ROSTER_FORMAT
    body["secretariat"] = secretariat.kid
    signature = secretariat.sign(ROSTER_SIGNING_PREFIX + canonical_json(body))
    return {**body, "signature": b64u(signature)}


def roster_key_entry(key: PublicKey, *, use: str, valid_from: datetime,
                     valid_until: datetime | None = None,
                     revoked_at: datetime | None = None) -> dict[str, Any]:
    """A roster ``keys`` entry for ``key``."""
    return {**key.to_json(), "use": use, "valid_from": to_rfc3339(valid_from),
            "valid_until": to_rfc3339(valid_until) if valid_until else None,
            "revoked_at": to_rfc3339(revoked_at) if revoked_at else None}


def build_member(*, code: str, name: str, role: str, url: str, valid_from: datetime,
                 keys: Sequence[dict[str, Any]], status: str = "active") -> dict[str, Any]:
    """A roster ``members`` entry."""
    return {"code": code, "name": name, "role": role, "status": status, "url": url,
            "valid_from": to_rfc3339(valid_from), "valid_until": None, "keys": list(keys)}


class RosterVersions(Protocol):
    """The roster versions a node installed."""

    def newest(self) -> tuple[int, dict[str, Any]] | None:
        """The version number and document of the newest installed roster, if any."""

    def add(self, roster: Roster, *, installed: datetime) -> None:
        """Keep ``roster`` (verified) as installed at ``installed``."""


def install(versions: RosterVersions, document: Mapping[str, Any], *, anchor: PublicKey,
            now: datetime) -> tuple[Roster, int, bool]:
    """Install ``document`` if it is validly signed and newer than the one in force;
    return the roster, the version in force before, and whether it was installed.

    Re-installing the version in force is a no-op; an older version is refused (a
    rollback could resurrect a revoked key).
    """
    roster = Roster.verify(document, anchor)
    newest = versions.newest()
    current = newest[0] if newest else 0
    if roster.version == current:
        if newest is not None and newest[1] == dict(document):
            return roster, current, False
        raise RosterError(f"roster version {current} is installed with other content")
    if roster.version < current:
        raise RosterError(f"roster version {roster.version} is older than {current} in force")
    versions.add(roster, installed=now)
    return roster, current, True
