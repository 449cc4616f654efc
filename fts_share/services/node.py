"""A node: its home folder, configuration, keys, database and roster in force.

``init_home`` creates a home; :class:`Node` opens one. Everything that needs the node's
identity (the services, the app, the poller) takes a :class:`Node`.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fts_share.config import NodeConfig, load_config, write_config
from fts_share.crypto import keys
from fts_share.errors import (
    ConfigError,
    CryptoError,
    RosterError,
    StoreUnavailable,
    ValidationError,
)
from fts_share.federation.roster import Roster
from fts_share.matching import MatchConfig
from fts_share.services import purgelog
from fts_share.storage import Store
from fts_share.storage.rosters import SqlRosterVersions

CODE_PATTERN = "^[A-Z]{3}$"
PREVIOUS_KEYS = "keys/previous"
"""Where a rotation keeps the node's earlier private keys: still used to open what was
sealed to them, and to sign until the roster that lists the new key is in force."""


def _write_secret(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)


def init_home(home: Path, *, code: str, url: str, passphrase: bytes | None = None,
              post_quantum: bool = True, database_url: str | None = None) -> NodeConfig:
    """Create a node home: config, keys (0600), secrets and the migrated database.

    Refuses a folder that already holds a node. ``passphrase`` protects the private
    key files (the node then reads it from ``FTS_SHARE_KEY_PASSPHRASE``).
    """
    import re

    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ConfigError(f"node code {code!r} must be three capital letters (e.g. FRA)")
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"node URL {url!r} must start with http:// or https://")
    home = Path(home).resolve()
    if (home / "config.toml").exists():
        raise ConfigError(f"{home} already holds a node")
    home.mkdir(parents=True, exist_ok=True)
    config = NodeConfig(home=home, code=code, url=url.rstrip("/"))
    if database_url:
        config.database_url = database_url
    if not post_quantum:
        config.pq_encryption_key = None
    (home / "keys").mkdir(exist_ok=True)
    os.chmod(home / "keys", 0o700)
    for path, kind in ((config.signing_key, keys.KeyKind.ED25519),
                       (config.encryption_key, keys.KeyKind.X25519)):
        keys.save_private(config.path(path), keys.generate(kind), passphrase)
    if config.pq_encryption_key:
        keys.save_private(config.path(config.pq_encryption_key),
                          keys.generate(keys.KeyKind.MLKEM768_X25519), passphrase)
    _write_secret(config.path(config.storage_key), secrets.token_bytes(32))
    _write_secret(config.path(config.secret_key_file), secrets.token_bytes(32))
    _write_secret(config.path(config.backup.key_file), secrets.token_bytes(32).hex().encode())
    write_config(config)
    store = Store(config.resolved_database_url)
    try:
        store.create_schema()
    finally:
        store.dispose()
    node = Node.open(home, passphrase=passphrase)
    (home / "keys" / "public.json").write_text(json.dumps(node.public_keys(), indent=2) + "\n")
    node.close()
    return config


def _match_config(config: NodeConfig) -> MatchConfig:
    """The engine's configuration under the node's ``[matching]`` settings; an option
    the engine does not know, or a bad value, is a ``ConfigError`` naming it."""
    m = config.matching
    thresholds = {"threshold": m.threshold, "search_threshold": m.search_threshold}
    if not isinstance(m.options, dict) or set(thresholds) & set(m.options):
        raise ConfigError("matching.options: a table of engine options other than the "
                          "thresholds (set those in [matching] itself)")
    try:
        return MatchConfig.from_dict({**m.options, **{k: v for k, v in thresholds.items()
                                                      if v is not None}})
    except ValidationError as exc:
        raise ConfigError("; ".join(f"matching.{k}: {', '.join(map(str, v))}"
                                    for k, v in exc.errors.items())) from exc


#: the key of the node's watchlist index in ``Node.caches`` (``services.screening``)
WATCHLIST_INDEX = "watchlist_index"


@dataclass
class Node:
    """An opened node home."""

    config: NodeConfig
    signing: keys.PrivateKey
    encryption: dict[str, keys.PrivateKey]
    storage_key: bytes
    store: Store
    caches: dict[str, Any] = field(default_factory=dict, repr=False)
    """Per-process caches of services built on the node (e.g. the watchlist index)."""
    _roster: Roster | None = field(default=None, repr=False)
    _anchor: keys.PublicKey | None = field(default=None, repr=False)
    _anchor_stamp: tuple[int, int, int] | None = field(default=None, repr=False)
    _roster_check: threading.local = field(default_factory=threading.local, repr=False)
    signing_keys: dict[str, keys.PrivateKey] = field(default_factory=dict, repr=False)
    """Every signing key the node holds (the configured one and those kept in
    ``keys/previous/`` after a rotation), by kid; :attr:`signing` is the one the roster
    in force lists (:meth:`Roster.signer_for`)."""
    current_kids: frozenset[str] = frozenset()
    """The kids of the configured key files (the newest keys): what :meth:`public_keys`
    gives the secretariat."""
    match_config: MatchConfig = field(default_factory=MatchConfig)
    """The matching engine's configuration: its defaults with the ``[matching]``
    settings (``threshold`` for alerts and screenings, ``search_threshold`` for an
    officer's search of received notices, other options)."""

    @classmethod
    def open(cls, home: Path, *, passphrase: bytes | None = None) -> Node:
        """Open the node at ``home`` (keys decrypted with the passphrase, if any)."""
        config = load_config(Path(home))
        passphrase = passphrase if passphrase is not None else config.passphrase
        try:
            signing = keys.load_private(config.path(config.signing_key), passphrase)
            enc = [keys.load_private(config.path(config.encryption_key), passphrase)]
            if config.pq_encryption_key:
                enc.append(keys.load_private(config.path(config.pq_encryption_key), passphrase))
            current = frozenset([signing.kid] + [k.kid for k in enc])
            previous = [keys.load_private(p, passphrase)
                        for p in sorted(config.path(PREVIOUS_KEYS).glob("*.pem"))]
        except FileNotFoundError as exc:
            raise ConfigError(f"missing key file: {exc.filename}") from exc
        except CryptoError as exc:
            raise ConfigError("cannot read the private keys (wrong passphrase?)") from exc
        storage_key = config.path(config.storage_key).read_bytes()
        match_config = _match_config(config)
        store = Store(config.resolved_database_url)
        purgelog.install(store.sessions, config.home / purgelog.LEDGER_FILE)
        signers = {k.kid: k for k in previous if k.kind == keys.KeyKind.ED25519}
        signers[signing.kid] = signing
        enc += [k for k in previous if k.kind != keys.KeyKind.ED25519]
        node = cls(config=config, signing=signing, encryption={k.kid: k for k in enc},
                   storage_key=storage_key, store=store, signing_keys=signers,
                   current_kids=current, match_config=match_config)
        # Appends never sign heads: the poller-lock holder signs the every-N heads
        # (services/witnessing.sign_scheduled_heads), so one process of several does.
        return node

    @property
    def code(self) -> str:
        """This node's partner code."""
        return self.config.code

    def public_keys(self) -> dict[str, Any]:
        """The public keys to give the secretariat for the roster."""
        current = [k for k in self.signing_keys.values() if k.kid in self.current_kids]
        signing = current[0] if current else self.signing
        return {"code": self.code, "url": self.config.url,
                "signing": signing.public().to_json(),
                "encryption": [k.public().to_json() for k in self.encryption.values()
                               if not self.current_kids or k.kid in self.current_kids]}

    # -- trust anchor and roster --------------------------------------------------
    @property
    def anchor(self) -> keys.PublicKey:
        """The pinned secretariat key (``keys/secretariat.pub.json``). The file is read
        again when it changed (``fts-share roster pin`` by another process re-pins a
        running node); a roster in force that the new key did not sign is then dropped
        (:meth:`refresh_roster`)."""
        path = self.config.path(self.config.trust_anchor)
        try:
            found = path.stat()
        except FileNotFoundError:
            raise RosterError("no trust anchor pinned: run 'fts-share roster pin'") from None
        stamp = (found.st_ino, found.st_mtime_ns, found.st_size)
        if self._anchor is None or stamp != self._anchor_stamp:
            try:
                key = keys.PublicKey.from_json(json.loads(path.read_text()))
            except FileNotFoundError:
                raise RosterError("no trust anchor pinned: run 'fts-share roster pin'") from None
            except (ValueError, CryptoError) as exc:
                raise ConfigError(f"{path}: not a valid public key") from exc
            self._anchor, self._anchor_stamp = key, stamp
        return self._anchor

    def pin_anchor(self, key: keys.PublicKey) -> None:
        """Pin the secretariat key: the first time, or to re-anchor the node out of band
        (docs/protocol.md, "The secretariat's anchor key"). The file is replaced
        atomically; from then on only rosters ``key`` signed are accepted, and the
        roster in force is dropped if another key signed it."""
        path = self.config.path(self.config.trust_anchor)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps(key.to_json(), indent=2) + "\n")
        os.replace(partial, path)
        self._anchor, self._anchor_stamp = None, None
        self._roster = None

    @property
    def roster(self) -> Roster:
        """The roster in force (the newest verified version), or RosterError. After
        :meth:`roster_may_change` in this thread, the store is asked once whether a
        newer version was installed (by any process) before the cached one is used."""
        if getattr(self._roster_check, "due", False):
            self._roster_check.due = False
            self.refresh_roster()
        if self._roster is None:
            with self.store.read() as session:
                newest = SqlRosterVersions(session).newest()
            if newest is None:
                raise RosterError("no roster installed: run 'fts-share roster import'")
            self._roster = Roster.verify(newest[1], self.anchor)
            chosen = self._roster.signer_for(self.code, self.signing_keys)
            if chosen is not None:
                self.signing = self.signing_keys[chosen]
        return self._roster

    def signer(self) -> keys.PrivateKey:
        """The key to sign with now: the one the roster in force lists for this node
        (:meth:`Roster.signer_for`; after a rotation, the old key until the roster that
        lists the new one is in force), or the configured key while no roster can be
        read."""
        try:
            _ = self.roster  # loading the roster in force chooses :attr:`signing`
        except (RosterError, StoreUnavailable):
            pass
        return self.signing

    def roster_may_change(self) -> None:
        """Have the next use of :attr:`roster` in this thread check the store's version
        first (each request does this: an import, a revocation, a suspension or a key
        change by any process takes effect at the next request; no query if the
        request does not use the roster)."""
        self._roster_check.due = True

    def refresh_roster(self) -> None:
        """Drop the cached roster if the store holds another version (one small query)
        or the pinned anchor changed: a roster installed or an anchor pinned by any
        process takes effect at the next request."""
        with self.store.read() as session:
            newest = SqlRosterVersions(session).newest_version()
        cached = self._roster
        if cached is None or newest != cached.version:
            self._roster = None
            return
        try:
            anchor = self.anchor.kid
        except (RosterError, ConfigError):
            anchor = None
        if cached.document.get("secretariat") != anchor:
            self._roster = None  # re-pinned: the roster in force is checked again

    def forget_roster(self) -> None:
        """Drop the cached roster (after another process installed a newer one)."""
        self._roster = None

    def close(self) -> None:
        """Release the database connections."""
        self.store.dispose()

