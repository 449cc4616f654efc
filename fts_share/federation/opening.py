"""The cryptography of a received page's envelopes, without the database: verify the
outer signature and the header, decrypt (HPKE, AES-GCM), verify the inner signature,
check the statement against its schema and read the notice's subject.

:func:`open_items` is what receiving does to a page's envelopes before anything is
looked up or stored; it runs in the polling thread, or for large pages in opening
threads of the same process or in the worker processes of a pool (:func:`open_chunk`).
It is the same function in every place, so every refusal (a bad signature, a replayed
or reordered envelope found later by the chain check, another recipient, a revoked key)
reads the same. Only page items, the
roster in force, the time and the results cross the process boundary; the node's
decryption keys reach a worker once, as raw bytes, when the pool starts
(:func:`init_worker`), and stay in that process until it ends (``docs/security.md``).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from fts_share.crypto.envelope import EnvelopeHeader, OpenedNotice
from fts_share.crypto.keys import KeyKind, PrivateKey
from fts_share.errors import FtsError
from fts_share.federation.envelopes import (
    Receiver,
    Rejected,
    content_problem,
    envelope_problem,
    signed_header,
)
from fts_share.federation.envelopes import (
    open_item as decrypt_item,
)
from fts_share.federation.feed import PageItem
from fts_share.federation.roster import Roster
from fts_share.notices.received import load_received

Read = tuple[dict[str, Any], dict[str, Any] | None]
"""A received notice's subject and movement, as :func:`load_received` reads them."""


@dataclass(frozen=True)
class Opened:
    """A page item after the cryptography: its header and contents, or the refusal."""

    header: EnvelopeHeader | None = None
    opened: OpenedNotice | None = None
    error: Rejected | None = None
    invalid: Rejected | None = None  # the contents do not follow their schema
    read: Read | None = None  # the subject and movement of a notice sent directly
    unread: Rejected | None = None  # why they could not be read


def _read(opened: OpenedNotice) -> tuple[Read | None, Rejected | None]:
    """Read the subject of a notice its origin sent (a re-shared one is read after
    its origin's signature is checked, by the receiver)."""
    payload = opened.payload
    if isinstance(payload.get("forwarded"), dict) or "notice" not in payload:
        return None, None
    try:
        return load_received(payload["notice"]), None
    except (Rejected, FtsError, KeyError, TypeError, ValueError) as exc:
        return None, Rejected(f"bad content: {exc}")  # what the receiver would record


def _signed(item: PageItem, *, roster: Roster, origin: str, me: str,
            now: datetime) -> EnvelopeHeader | Rejected:
    try:
        return signed_header(item, roster=roster, origin=origin, me=me, now=now)
    except Rejected as exc:
        return exc


def _conforming(item: PageItem, header: EnvelopeHeader | Rejected) -> EnvelopeHeader | Rejected:
    """The header of an envelope that follows its schema (checked after its signature
    and header, as :func:`~fts_share.federation.envelopes.verify_item` does)."""
    if isinstance(header, Rejected):
        return header
    return envelope_problem(item) or header


def _decrypted(item: PageItem, header: EnvelopeHeader | Rejected, me: Receiver,
               roster: Roster) -> OpenedNotice | Rejected:
    if isinstance(header, Rejected):
        return header  # nothing is decrypted before its signature and header are checked
    try:
        return decrypt_item(item, header, me, roster)
    except Rejected as exc:
        return exc


def open_items(items: Sequence[PageItem], *, roster: Roster, origin: str, me: Receiver,
               now: datetime) -> list[Opened]:
    """Verify and decrypt each envelope of ``origin``'s page for ``me``, in order; never
    raises :class:`Rejected` (an envelope's refusal is its result).

    Each envelope goes through the same steps in the same order as if it were alone
    (signature and header; the envelope's schema; only then decryption and the inner
    signature; then its statement's schema; then a notice's subject), so its result is the same; but each
    step runs over the whole page before the next one starts, which keeps that step's
    code and tables in the CPU's caches: about a sixth less CPU than one envelope at a
    time through all four (``docs/benchmarks.md``, receiving, ninth round).
    """
    signed = [_signed(item, roster=roster, origin=origin, me=me.code, now=now)
              for item in items]
    headers = [_conforming(item, header) for item, header in zip(items, signed)]
    opened = [_decrypted(item, header, me, roster) for item, header in zip(items, headers)]
    invalid = [content_problem(o) if isinstance(o, OpenedNotice) else None for o in opened]
    out: list[Opened] = []
    for header, o, why in zip(headers, opened, invalid):
        if isinstance(o, Rejected):  # the header's refusal, or the decryption's
            out.append(Opened(error=o))
            continue
        assert isinstance(header, EnvelopeHeader)
        read, unread = _read(o) if header.kind == "notice" and why is None else (None, None)
        out.append(Opened(header, o, invalid=why, read=read, unread=unread))
    return out


def open_item(item: PageItem, *, roster: Roster, origin: str, me: Receiver,
              now: datetime) -> Opened:
    """:func:`open_items` of one envelope."""
    return open_items([item], roster=roster, origin=origin, me=me, now=now)[0]


# -- in a worker process of the pool ---------------------------------------------------
_receiver: Receiver | None = None


def key_material(keys: Sequence[PrivateKey]) -> list[tuple[str, bytes]]:
    """The decryption keys as the pool's initializer takes them: (kind, raw bytes)."""
    return [(k.kind.value, k.private_raw()) for k in keys]


def init_worker(code: str, keys: list[tuple[str, bytes]]) -> None:
    """The pool's initializer: load this node's decryption keys in the worker, and end
    the worker when the process that started it ends (killed, it cannot close the
    pool; the worker would wait for work forever, holding the keys)."""
    global _receiver
    loaded = [PrivateKey.from_raw(KeyKind(kind), raw) for kind, raw in keys]
    _receiver = Receiver(code=code, keys={k.kid: k for k in loaded})
    threading.Thread(target=_end_with, args=(os.getppid(),), daemon=True,
                     name="fts-share receive worker: parent watch").start()


def _end_with(parent: int, every: float = 0.5) -> None:
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(0)


def open_chunk(items: Sequence[PageItem], roster: Roster, origin: str,
               now: datetime) -> list[Opened]:
    """In a worker: :func:`open_items` with the keys :func:`init_worker` loaded."""
    if _receiver is None:
        raise RuntimeError("open_chunk runs in a pool started with init_worker")
    # each header copied without the body its check decoded (not sent back)
    return [replace(o, header=replace(o.header)) if o.header is not None else o
            for o in open_items(items, roster=roster, origin=origin, me=_receiver, now=now)]
