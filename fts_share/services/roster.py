"""The coalition roster at a node (pin the secretariat's key, install a signed roster,
show the one in force) and the secretariat's own tooling (its signing key, signed
rosters)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from fts_share.crypto.keys import (
    KeyKind,
    PrivateKey,
    PublicKey,
    generate,
    load_private,
    save_private,
)
from fts_share.federation.roster import Roster, build_member, roster_key_entry, sign_roster
from fts_share.federation.roster_store import install
from fts_share.node import Node
from fts_share.services.unit import Work

SECRETARIAT_KEY = "secretariat.pem"
SECRETARIAT_PUBLIC = "secretariat.pub.json"


def pin_anchor(node: Node, anchor: Mapping[str, Any]) -> str:
    """Pin the secretariat's public key (the trust anchor); its key id."""
    key = PublicKey.from_json(dict(anchor))
    node.pin_anchor(key)
    return key.kid


def import_roster(work: Work, document: Mapping[str, Any], *, actor: str = "system") -> Roster:
    """Install a signed roster if it is newer than the one in force (logged)."""
    return install(work.session, work.node, document, now=work.now, actor=actor)


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
    key = generate(KeyKind.ED25519)
    save_private(directory / SECRETARIAT_KEY, key, passphrase)
    public = directory / SECRETARIAT_PUBLIC
    public.write_text(json.dumps(key.public().to_json(), indent=2))
    return key.kid, public


def sign_draft(directory: Path, draft: Mapping[str, Any],
               passphrase: bytes | None) -> dict[str, Any]:
    """Sign a roster draft with the secretariat key in ``directory`` (checked)."""
    key = load_private(directory / SECRETARIAT_KEY, passphrase)
    signed = sign_roster(dict(draft), key)
    Roster.verify(signed, key.public())
    return dict(signed)


def new_secretariat_key() -> PrivateKey:
    """A fresh secretariat signing key (kept in memory: for a demo coalition)."""
    return generate(KeyKind.ED25519)


def member_entry(*, code: str, name: str, role: str, url: str, public_keys: Mapping[str, Any],
                 valid_from: datetime) -> dict[str, Any]:
    """A roster member from a node's ``keys/public.json``."""
    entries = [roster_key_entry(PublicKey.from_json(public_keys["signing"]), use="sign",
                                valid_from=valid_from)]
    entries += [roster_key_entry(PublicKey.from_json(k), use="encrypt", valid_from=valid_from)
                for k in public_keys["encryption"]]
    return dict(build_member(code=code, name=name, role=role, url=url, valid_from=valid_from,
                             keys=entries))


def sign_document(document: Mapping[str, Any], secretariat: PrivateKey) -> dict[str, Any]:
    """Sign a roster document with the secretariat key."""
    return dict(sign_roster(dict(document), secretariat))
