"""Restore epochs: a node's announcement that it was restored, and what it excuses.

The restore epoch ``E`` of a node is the number of ``restore`` entries in its audit log
(``docs/protocol.md``, "Recovery after a restore"). A restored node announces its
latest restore, signed by its node key::

    {"v": 1, "node": "IRQ", "epoch": 1, "audit_seq": 57, "snapshot_size": 52,
     "key_id": "<signing key id>", "signature": "<base64url>"}

The signature covers :data:`RESTORE_CONTEXT` followed by the RFC 8785 canonical JSON of
the announcement without ``signature``. ``audit_seq`` is the ``seq`` of the restore
entry and ``snapshot_size`` the size of the log in the snapshot (the entries the
restored log shares with the log partners saw before).

On the node itself a restore entry explains the heads partners witnessed *before* it
beyond the snapshot (:func:`explaining`), but only with a valid ``attestation``: the
node key's signature over the entry's place, time and the snapshot's size and root
(:func:`attest`), made by ``fts-share restore``. An attacker who edits the database
cannot sign, so a restore entry it inserts to excuse a cut excuses nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fts_share.audit.errors import VerificationError
from fts_share.audit.heads import SignatureVerifier, SignedTreeHead, Signer, decode_signature
from fts_share.clock import to_rfc3339
from fts_share.crypto.canonical import b64u, canonical_json

#: Domain separation: prepended to the canonical announcement before signing.
RESTORE_CONTEXT = b"fts-share/audit/restore/v1\x00"
ANNOUNCEMENT_VERSION = 1
_FIELDS = {"v", "node", "epoch", "audit_seq", "snapshot_size", "key_id", "signature"}
_NUMBERS = ("epoch", "audit_seq", "snapshot_size")


@dataclass(frozen=True, kw_only=True)
class Announcement:
    """A node's latest restore: its epoch, the restore entry and the snapshot's size."""

    node: str
    epoch: int
    audit_seq: int
    snapshot_size: int

    def numbers(self) -> dict[str, int]:
        """``epoch``, ``audit_seq`` and ``snapshot_size``."""
        return {"epoch": self.epoch, "audit_seq": self.audit_seq,
                "snapshot_size": self.snapshot_size}

    def unsigned_document(self, key_id: str) -> dict[str, Any]:
        """The announcement as JSON, signed by ``key_id``, without the signature."""
        return {"v": ANNOUNCEMENT_VERSION, "node": self.node, **self.numbers(),
                "key_id": key_id}


def sign_announcement(announcement: Announcement, *, key_id: str,
                      sign: Signer) -> dict[str, Any]:
    """The announcement on the wire, signed with ``sign`` under ``key_id``."""
    doc = announcement.unsigned_document(key_id)
    doc["signature"] = b64u(sign(RESTORE_CONTEXT + canonical_json(doc)))
    return doc


def verify_announcement(doc: Any, *, node: str,
                        key_for: Callable[[str], SignatureVerifier]) -> Announcement:
    """Parse an announcement of ``node`` strictly and check its signature with the key
    ``key_for(key_id)`` gives; raises :class:`VerificationError` (one message for any
    bad signature)."""
    if not isinstance(doc, Mapping) or set(doc) != _FIELDS:
        raise VerificationError(f"restore announcement: expected members {sorted(_FIELDS)}")
    if doc["v"] != ANNOUNCEMENT_VERSION or isinstance(doc["v"], bool):
        raise VerificationError(f"restore announcement: expected v {ANNOUNCEMENT_VERSION}, "
                                f"got {doc['v']!r}")
    if doc["node"] != node:
        raise VerificationError(f"restore announcement: expected node {node}, "
                                f"got {doc['node']!r}")
    _check_numbers(doc)
    key_id = doc["key_id"]
    if not isinstance(key_id, str):
        raise VerificationError("restore announcement: key_id is not a string")
    signature = decode_signature(doc["signature"])
    unsigned = {k: v for k, v in doc.items() if k != "signature"}
    try:
        key_for(key_id)(signature, RESTORE_CONTEXT + canonical_json(unsigned))
    except Exception:  # noqa: BLE001 - every failure is the same failure
        raise VerificationError(f"restore announcement of {node}: expected a valid "
                                f"signature by key {key_id}, got an invalid one") from None
    return Announcement(node=node, epoch=doc["epoch"], audit_seq=doc["audit_seq"],
                        snapshot_size=doc["snapshot_size"])


def _check_numbers(doc: Mapping[str, Any]) -> None:
    for name in _NUMBERS:
        value = doc[name]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise VerificationError(f"restore announcement: {name} is not an integer >= 0")
    if doc["epoch"] < 1 or doc["snapshot_size"] > doc["audit_seq"]:
        raise VerificationError("restore announcement: expected epoch >= 1 and "
                                "snapshot_size <= audit_seq")


@dataclass(frozen=True)
class RestoreMark:
    """A ``restore`` entry of this node's log: where, when, which epoch, the size of
    the log its snapshot held, and the node key's attestation of all that."""

    seq: int
    time: datetime
    epoch: int
    snapshot_size: int
    attestation: Mapping[str, Any] | None = None

    def describe(self) -> str:
        """How a report names the restore."""
        return (f"the restore of epoch {self.epoch} (audit entry {self.seq}, "
                f"{self.time.isoformat()}, from a snapshot of {self.snapshot_size} entries)")


def restore_marks(entries: Iterable[tuple[int, datetime, Mapping[str, Any]]]) -> list[RestoreMark]:
    """The restore marks of ``(seq, time, detail)`` of the ``restore`` entries, in seq
    order. An entry that does not name its ``snapshot_size`` (written before it was
    recorded) counts as a snapshot of ``seq`` entries: it then excuses nothing the
    log could still hold."""
    marks = []
    for epoch, (seq, time, detail) in enumerate(sorted(entries, key=lambda e: e[0]), start=1):
        size = detail.get("snapshot_size") if isinstance(detail, Mapping) else None
        if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= seq:
            size = seq
        att = detail.get("attestation") if isinstance(detail, Mapping) else None
        marks.append(RestoreMark(seq=seq, time=time, epoch=epoch, snapshot_size=size,
                                 attestation=att if isinstance(att, Mapping) else None))
    return marks


def _attested_bytes(*, node: str, epoch: int, seq: int, snapshot_size: int,
                    snapshot_root: str, time: datetime, key_id: str) -> bytes:
    doc = {"v": ANNOUNCEMENT_VERSION, "node": node, "epoch": epoch, "audit_seq": seq,
           "snapshot_size": snapshot_size, "snapshot_root": snapshot_root,
           "time": to_rfc3339(time), "key_id": key_id}
    return RESTORE_CONTEXT + canonical_json(doc)


def attest(*, node: str, epoch: int, seq: int, snapshot_size: int, snapshot_root: bytes,
           time: datetime, key_id: str, sign: Signer) -> dict[str, Any]:
    """The restore entry's ``attestation``: the node key's signature over the node,
    epoch, entry ``seq`` and ``time``, and the snapshot's size and root."""
    data = _attested_bytes(node=node, epoch=epoch, seq=seq, snapshot_size=snapshot_size,
                           snapshot_root=snapshot_root.hex(), time=time, key_id=key_id)
    return {"key_id": key_id, "snapshot_root": snapshot_root.hex(),
            "signature": b64u(sign(data))}


def check_attestation(mark: RestoreMark, *, node: str, root_at: Callable[[int], bytes],
                      lookup_key: Callable[[str], SignatureVerifier | None]) -> None:
    """Check ``mark``'s attestation: signed by a key of this node, and naming the root
    the log has at the snapshot's size. Raises :class:`VerificationError`."""
    att = mark.attestation
    if att is None:
        raise VerificationError("it carries no attestation by the node key")
    key_id, root = att.get("key_id"), att.get("snapshot_root")
    verify = lookup_key(key_id) if isinstance(key_id, str) else None
    if verify is None or not isinstance(root, str):
        raise VerificationError(f"its attestation names an unknown key {key_id!r}")
    data = _attested_bytes(node=node, epoch=mark.epoch, seq=mark.seq,
                           snapshot_size=mark.snapshot_size, snapshot_root=root,
                           time=mark.time, key_id=key_id)  # type: ignore[arg-type]
    try:
        verify(decode_signature(att.get("signature")), data)
    except Exception:  # noqa: BLE001 - every failure is the same failure
        raise VerificationError("its attestation is not signed by the node key: "
                                "the entry was forged or altered") from None
    if root_at(mark.snapshot_size).hex() != root:
        raise VerificationError(f"its attested root at size {mark.snapshot_size} is not "
                                f"the log's")


def announcement_of(node: str, marks: Sequence[RestoreMark]) -> Announcement | None:
    """The announcement of the latest restore, or None before the first."""
    if not marks:
        return None
    last = marks[-1]
    return Announcement(node=node, epoch=len(marks), audit_seq=last.seq,
                        snapshot_size=last.snapshot_size)


def explaining(head: SignedTreeHead, marks: Sequence[RestoreMark], *,
               beyond: bool = True) -> RestoreMark | None:
    """The restore (among ``marks`` whose attestation was checked) that explains why a
    witnessed ``head`` no longer matches the log: one recorded after the head was
    signed and, with ``beyond``, whose snapshot stopped before the head's size. None:
    nothing explains it."""
    for mark in marks:
        if head.time < mark.time and (not beyond or head.size > mark.snapshot_size):
            return mark
    return None
