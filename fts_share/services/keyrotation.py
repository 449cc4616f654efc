"""Key rotation: a node's new key pairs (``fts-share keys rotate``) and the secretariat's
next roster that lists them or revokes a compromised key (``fts-share secretariat
rotate`` / ``revoke``).

At the node, the new private keys take the configured file names and the old ones move
to ``keys/previous/``: the node keeps them to open what was sealed to them, and signs
with the old signing key until the roster that lists the new one is in force (then at
once with the new one: :meth:`fts_share.federation.roster.Roster.signer_for`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fts_share.audit.log import record
from fts_share.crypto import keys
from fts_share.errors import ConfigError
from fts_share.federation import rotation
from fts_share.federation.roster import Roster, sign_roster
from fts_share.services.node import PREVIOUS_KEYS, Node
from fts_share.services.roster import SECRETARIAT_KEY
from fts_share.services.unit import unit_of_work

PUBLIC_FILE = "keys/public.json"


def _key_files(node: Node, *, signing: bool, encryption: bool) -> list[tuple[str, keys.KeyKind]]:
    cfg = node.config
    files: list[tuple[str, keys.KeyKind]] = []
    if signing:
        files.append((cfg.signing_key, keys.KeyKind.ED25519))
    if encryption:
        files.append((cfg.encryption_key, keys.KeyKind.X25519))
        if cfg.pq_encryption_key:
            files.append((cfg.pq_encryption_key, keys.KeyKind.MLKEM768_X25519))
    return files


def rotate_node_keys(node: Node, *, now: datetime, passphrase: bytes | None,
                     signing: bool = True, encryption: bool = True) -> dict[str, Any]:
    """Give ``node`` new key pairs (signing and/or encryption); keep the old private
    keys in ``keys/previous/``; write the new public keys to ``keys/public.json`` for
    the secretariat and return them. Each change is a ``key_change`` audit entry. The
    opened ``node`` holds the new keys at once (another process loads them when it
    opens the home)."""
    if not (signing or encryption):
        raise ConfigError("nothing to rotate: choose the signing or the encryption keys")
    previous = node.config.path(PREVIOUS_KEYS)
    previous.mkdir(parents=True, exist_ok=True)
    os.chmod(previous, 0o700)
    changes: list[tuple[keys.PrivateKey, keys.PrivateKey]] = []
    for relative, kind in _key_files(node, signing=signing, encryption=encryption):
        path = node.config.path(relative)
        old = keys.load_private(path, passphrase)
        new = keys.generate(kind)
        os.replace(path, previous / f"{old.kid.replace(':', '-')}.pem")
        keys.save_private(path, new, passphrase)
        changes.append((old, new))
    replaced = {old.kid: new for old, new in changes}
    node.current_kids = frozenset(replaced[k].kid if k in replaced else k
                                  for k in node.current_kids)
    for old, new in changes:
        if new.kind == keys.KeyKind.ED25519:
            node.signing_keys[new.kid] = new
        else:
            node.encryption[new.kid] = new
    node.forget_roster()  # the signer is chosen again under the roster in force
    public = node.public_keys()
    public_path = node.config.path(PUBLIC_FILE)
    public_path.write_text(json.dumps(public, indent=2) + "\n")
    with unit_of_work(node, now) as work:
        for old, new in changes:
            use = "sign" if new.kind == keys.KeyKind.ED25519 else "encrypt"
            record(work.audit, now=now, actor="system", action="key_change",
                   object_type="key", object_id=new.kid,
                   detail={"use": use, "previous": old.kid, "kind": new.kind.value})
    return public


def _sign(directory: Path, draft: Mapping[str, Any], passphrase: bytes | None) -> dict[str, Any]:
    key = keys.load_private(directory / SECRETARIAT_KEY, passphrase)
    signed = sign_roster(dict(draft), key)
    Roster(signed)  # the result must parse as a roster
    return dict(signed)


def roster_with_new_keys(directory: Path, document: Mapping[str, Any], *, code: str,
                         public_keys: Mapping[str, Any], at: datetime, overlap: timedelta,
                         passphrase: bytes | None) -> dict[str, Any]:
    """The next roster version, signed with the secretariat key in ``directory``, on
    which ``code`` holds ``public_keys`` from ``at`` and the keys they replace end at
    ``at + overlap``."""
    draft = rotation.rotate_keys(document, code=code, public_keys=public_keys, at=at,
                                 overlap=overlap)
    return _sign(directory, draft, passphrase)


def roster_revoking(directory: Path, document: Mapping[str, Any], *, kid: str, at: datetime,
                    passphrase: bytes | None) -> dict[str, Any]:
    """The next roster version, signed with the secretariat key in ``directory``, on
    which the (compromised) key ``kid`` is revoked from ``at``."""
    return _sign(directory, rotation.revoke_key(document, kid=kid, at=at), passphrase)
