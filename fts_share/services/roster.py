"""The coalition roster at a node (pin the secretariat's key, install a signed roster,
show the one in force) and the secretariat's own tooling (its signing key, signed
rosters)."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fts_share.audit.log import record
from fts_share.crypto import keys
from fts_share.errors import ConfigError, CryptoError, RosterError, RosterStale, StoreUnavailable
from fts_share.federation import freshness as freshness_rules
from fts_share.federation import roster as roster_rules
from fts_share.federation import wire
from fts_share.federation.roster import Roster, build_member, roster_key_entry, sign_roster
from fts_share.services import recovery
from fts_share.services.node import Node
from fts_share.services.unit import Work
from fts_share.storage.rosters import SqlRosterVersions

SECRETARIAT_KEY = "secretariat.pem"
SECRETARIAT_PUBLIC = "secretariat.pub.json"
FRESHNESS_LOG_PERIOD = timedelta(days=1)
"""An aging or stale roster is logged at most once per this period (and at once when
its state or version changes)."""
_LOGGED = "roster_freshness_logged"
log = logging.getLogger(__name__)


def pin_anchor(node: Node, anchor: Mapping[str, Any]) -> tuple[str, str | None]:
    """Pin the secretariat's public key (the trust anchor): its key id and that of the
    key it replaces (None the first time, or when it is the same key). Re-pinning is
    the out-of-band anchor change of docs/protocol.md; a key that is not a valid
    Ed25519 public key is refused (RosterError) and the pinned one kept."""
    try:
        key = keys.PublicKey.from_json(dict(anchor))
    except (KeyError, TypeError, ValueError, CryptoError) as exc:
        raise RosterError(f"trust anchor: not a valid public key ({exc})") from exc
    if key.kind != keys.KeyKind.ED25519:
        raise RosterError(f"trust anchor: expected an Ed25519 key, got {key.kind}")
    try:
        previous: str | None = node.anchor.kid
    except (RosterError, ConfigError):
        previous = None
    node.pin_anchor(key)
    return key.kid, previous if previous != key.kid else None


def import_roster(work: Work, document: Mapping[str, Any], *,
                   actor: str = "system") -> Roster:
    """Install ``document`` if the pinned secretariat key signed it and it is newer than
    the roster in force (re-installing the version in force changes nothing; an older
    one is refused: a rollback could resurrect a revoked key). The change is logged."""
    roster, previous, installed = roster_rules.install(
        SqlRosterVersions(work.session), document, anchor=work.node.anchor, now=work.now)
    if installed:
        record(work.audit, now=work.now, actor=actor, action="roster_change",
               object_type="roster", object_id=str(roster.version),
               detail={"previous": previous, "members": len(roster.members)})
        work.node.forget_roster()
    return roster


def freshness(node: Node, *, now: datetime) -> freshness_rules.Freshness:
    """How old the roster in force is at ``now`` (RosterError if none is installed).
    An aging or stale roster is logged as a warning once per
    :data:`FRESHNESS_LOG_PERIOD` in each process, and at once when it changes state."""
    roster = node.roster
    settings = node.config.federation
    found = freshness_rules.assess(version=roster.version, issued=roster.issued, now=now,
                                   warn_days=settings.roster_warn_days,
                                   max_days=settings.roster_max_days)
    if found.state != freshness_rules.FRESH:
        last = node.caches.get(_LOGGED)
        key = (found.version, found.state)
        if last is None or last[0] != key or now - last[1] >= FRESHNESS_LOG_PERIOD:
            node.caches[_LOGGED] = (key, now)
            log.warning("%s", found.message())
    return found


def require_fresh(node: Node, *, now: datetime) -> None:
    """Raise :class:`RosterStale` (503) when the roster in force is older than
    ``federation.roster_max_days``; nothing when it is younger or none is installed
    (the roster checks that follow refuse then)."""
    try:
        found = freshness(node, now=now)
    except RosterError:
        return
    if found.stale:
        raise RosterStale(found.message(), roster_version=found.version,
                          roster_issued=node.roster.document["issued"], retry_after=3600)


def node_info(node: Node, *, now: datetime) -> dict[str, Any]:
    """The node's code, URL, public keys and the status of the roster in force, with
    its freshness at ``now``."""
    info: dict[str, Any] = {"code": node.code, "url": node.config.url,
                            "keys": node.public_keys()}
    try:
        roster = node.roster
        member = roster.members.get(node.code)
        info["roster"] = {"version": roster.version, "issued": roster.document["issued"],
                          "listed": member is not None,
                          "role": member.role if member else None,
                          "status": member.status if member else None,
                          "freshness": freshness(node, now=now).to_json()}
    except RosterError as exc:
        info["roster"] = {"version": None, "error": str(exc)}
    except StoreUnavailable:
        info["roster"] = {"version": None, "error": "the node's database does not answer"}
    try:
        with node.store.read() as session:
            restored = recovery.announcement(session, node=node.code, key=node.signer())
    except StoreUnavailable:
        restored = None
    if restored is not None:
        info["restore"] = restored
    return info


def roster_document(node: Node) -> dict[str, Any]:
    """The signed roster in force (RosterError if none), as partners fetch it."""
    return dict(node.roster.document)


def in_force(node: Node) -> Roster:
    """The roster in force (RosterError if none is installed)."""
    return node.roster


def partners(work: Work) -> list[dict[str, str]]:
    """The active partners on the roster in force, this node excluded."""
    return [{"code": m.code, "name": m.name, "role": m.role}
            for m in work.node.roster.partners(exclude=work.code, now=work.now)]


def create_secretariat_key(directory: Path, passphrase: bytes | None) -> tuple[str, Path]:
    """Create the secretariat signing key in ``directory``; its key id and the public
    key file to pin on every node."""
    directory.mkdir(parents=True, exist_ok=True)
    key = keys.generate(keys.KeyKind.ED25519)
    keys.save_private(directory / SECRETARIAT_KEY, key, passphrase)
    public = directory / SECRETARIAT_PUBLIC
    public.write_text(json.dumps(key.public().to_json(), indent=2))
    return key.kid, public


def sign_draft(directory: Path, draft: Mapping[str, Any],
               passphrase: bytes | None) -> dict[str, Any]:
    """Sign a roster draft with the secretariat key in ``directory`` (checked)."""
    key = keys.load_private(directory / SECRETARIAT_KEY, passphrase)
    signed = sign_roster(dict(draft), key)
    Roster.verify(signed, key.public())
    return dict(signed)


def new_secretariat_key() -> keys.PrivateKey:
    """A fresh secretariat signing key (kept in memory: for a demo coalition)."""
    return keys.generate(keys.KeyKind.ED25519)


def member_entry(*, code: str, name: str, role: str, url: str, public_keys: Mapping[str, Any],
                 valid_from: datetime) -> dict[str, Any]:
    """A roster member from a node's ``keys/public.json``."""
    entries = [roster_key_entry(keys.PublicKey.from_json(public_keys["signing"]), use="sign",
                                valid_from=valid_from)]
    entries += [roster_key_entry(keys.PublicKey.from_json(k), use="encrypt", valid_from=valid_from)
                for k in public_keys["encryption"]]
    return dict(build_member(code=code, name=name, role=role, url=url, valid_from=valid_from,
                             keys=entries))


def sign_document(document: Mapping[str, Any], secretariat: keys.PrivateKey) -> dict[str, Any]:
    """Sign a roster document with the secretariat key."""
    return dict(sign_roster(dict(document), secretariat))


def wire_schema(name: str) -> dict[str, Any]:
    """The JSON Schema ``name`` of the wire (``schemas/<name>.schema.json``, shipped in the
    package), for documents that reference it (the OpenAPI description)."""
    return wire.document(name)


def wire_schema_names() -> tuple[str, ...]:
    """The names of every wire JSON Schema."""
    return wire.names()
