"""A small coalition for integration tests: real node homes, a signed roster, real
HTTP servers (waitress) on 127.0.0.1, users with tokens."""

from __future__ import annotations

import itertools
import json
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fts_share.app import create_app
from fts_share.clock import to_rfc3339, utcnow
from fts_share.crypto.keys import KeyKind, PrivateKey, PublicKey, generate
from fts_share.federation.poller import PeerReport
from fts_share.federation.roster import build_member, roster_key_entry, sign_roster
from fts_share.services import accounts
from fts_share.services.arrival import arrival_screening
from fts_share.services.node import Node, init_home
from fts_share.services.polling import Poller
from fts_share.services.roster import import_roster
from fts_share.services.serving import ServerThread, make_server, reserve_port
from fts_share.services.unit import Work

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def free_port() -> int:
    """A free port (for a server that a test starts itself later; may race)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


MemberEdit = Callable[[dict[str, dict[str, Any]]], None]
"""An edit of a roster's members, given by code."""


def suspended(code: str) -> MemberEdit:
    """The roster edit that suspends member ``code``."""
    def edit(entries: dict[str, dict[str, Any]]) -> None:
        entries[code]["status"] = "suspended"
    return edit


def removed(code: str) -> MemberEdit:
    """The roster edit that removes member ``code``."""
    def edit(entries: dict[str, dict[str, Any]]) -> None:
        del entries[code]
    return edit


def signing_key_revoked(code: str) -> MemberEdit:
    """The roster edit that revokes member ``code``'s signing key, 5 s ago."""
    def edit(entries: dict[str, dict[str, Any]]) -> None:
        at = to_rfc3339(utcnow() - timedelta(seconds=5))
        for key in entries[code]["keys"]:
            if key["use"] == "sign":
                key["revoked_at"] = at
    return edit


def unchanged(_entries: dict[str, dict[str, Any]]) -> None:
    """The roster edit that keeps every member as first listed."""


def revocations(code: str) -> dict[str, MemberEdit]:
    """The roster changes that must cut partner ``code`` off at once, by name; a revoked
    key stays revoked, so key revocation comes last."""
    return {"suspension": suspended(code), "removal": removed(code),
            "key revocation": signing_key_revoked(code)}


@dataclass
class Member:
    code: str
    role: str
    url: str
    home: Path
    node: Node
    tokens: dict[str, str] = field(default_factory=dict)
    server: ServerThread | None = None
    sock: socket.socket | None = None

    def start(self) -> None:
        app = create_app(node=self.node)
        port = int(self.url.rsplit(":", 1)[1])
        sock, self.sock = self.sock, None  # the reserved socket serves the first start
        self.server = ServerThread(make_server(app, host="127.0.0.1", port=port, threads=4,
                                               sock=sock)).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def poll(self, **kwargs: Any) -> list[PeerReport]:
        return Poller(self.node, on_page=arrival_screening(self.node), **kwargs).poll_all(force=True)

    def api(self, method: str, path: str, *, token: str | None = None, body: Any = None,
            raw: bytes | None = None, headers: dict[str, str] | None = None
            ) -> tuple[int, Any, dict[str, str]]:
        """Call this node's HTTP API; returns (status, parsed JSON or text, headers)."""
        hdrs = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        if token is not None:
            hdrs["Authorization"] = f"Bearer {self.tokens.get(token, token)}"
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                payload, status, rh = resp.read(), resp.status, dict(resp.headers)
        except urllib.error.HTTPError as exc:
            payload, status, rh = exc.read(), exc.code, dict(exc.headers)
        try:
            return status, json.loads(payload), rh
        except ValueError:
            return status, payload.decode(errors="replace"), rh


@dataclass
class Coalition:
    members: dict[str, Member]
    secretariat: PrivateKey
    version: int
    directory: Path

    def __getitem__(self, code: str) -> Member:
        return self.members[code]

    def roster_document(self, *, version: int, now: datetime,
                        edit: Callable[[list[dict[str, Any]]], None] | None = None) -> dict[str, Any]:
        start = now - timedelta(days=1)
        entries = []
        for m in self.members.values():
            keys = json.loads((m.home / "keys" / "public.json").read_text())
            ks = [roster_key_entry(PublicKey.from_json(keys["signing"]), use="sign",
                                   valid_from=start)]
            ks += [roster_key_entry(PublicKey.from_json(k), use="encrypt", valid_from=start)
                   for k in keys["encryption"]]
            entries.append(build_member(code=m.code, name=m.code, role=m.role, url=m.url,
                                        valid_from=start, keys=ks))
        if edit is not None:
            edit(entries)
        return sign_roster({"coalition": "test", "version": version,
                            "issued": to_rfc3339(now), "members": entries}, self.secretariat)

    def next_roster(self, edit: MemberEdit) -> dict[str, Any]:
        """The coalition's next roster version, signed, its members edited by code."""
        self.version += 1

        def apply(entries: list[dict[str, Any]]) -> None:
            by_code = {e["code"]: e for e in entries}
            edit(by_code)
            entries[:] = list(by_code.values())

        return self.roster_document(version=self.version, now=utcnow(), edit=apply)

    def publish_roster(self, doc: dict[str, Any]) -> None:
        for m in self.members.values():
            with m.node.store.transaction() as session:
                import_roster(Work(session=session, now=utcnow(), node=m.node), doc)

    def close(self) -> None:
        for m in self.members.values():
            m.stop()
            m.node.close()


def build(directory: Path, store_urls: Callable[[], str], codes: list[tuple[str, str]],
          *, post_quantum: dict[str, bool] | None = None, start: bool = True) -> Coalition:
    """Create and start a coalition of ``codes`` [(code, role)]."""
    members: dict[str, Member] = {}
    for code, role in codes:
        home = directory / code
        sock = reserve_port()
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        pq = (post_quantum or {}).get(code, True)
        init_home(home, code=code, url=url, database_url=store_urls(), post_quantum=pq)
        members[code] = Member(code=code, role=role, url=url, home=home, node=Node.open(home),
                               sock=sock)
    secretariat = generate(KeyKind.ED25519)
    c = Coalition(members=members, secretariat=secretariat, version=1, directory=directory)
    doc = c.roster_document(version=1, now=utcnow())
    now = utcnow()
    for m in members.values():
        m.node.pin_anchor(secretariat.public())
        with m.node.store.transaction() as session:
            import_roster(Work(session=session, now=now, node=m.node), doc)
            for role in ("officer", "reviewer", "admin"):
                work = Work(session, now, m.node)
                user = accounts.create_user(work, name=f"{m.code.lower()}-{role}", role=role)
                m.tokens[role] = accounts.issue_token(work, user)
        if start:
            m.start()
    return c


def notice(*, recipients: list[str] | None = None, audience: str = "named",
           tlp: str = "AMBER", **subject: Any) -> dict[str, Any]:
    """A valid notice body (override subject fields with keyword arguments)."""
    subj = {"names": [{"full": "Karim Benali", "kind": "primary"},
                      {"full": "كريم بن علي", "kind": "spelling"}],
            "sex": "male", "dob": {"value": "1994", "approximate": True},
            "nationalities": ["FRA"], "minor": False}
    subj.update(subject)
    handling: dict[str, Any] = {"audience": audience, "tlp": tlp, "caveats": ["ct-only"]}
    if audience == "named":
        handling["recipients"] = recipients or []
    return {"subject": subj,
            "movement": {"kind": "departure", "place": "Paris", "country": "FRA",
                         "date": "2026-11-20"},
            "basis": {"legal_basis": ["UNSCR-2178"]},
            "handling": handling}


def sqlite_databases(folder: Path) -> Callable[[], str]:
    """A factory of fresh, migrated SQLite database files in ``folder``."""
    counter = itertools.count()

    def make() -> str:
        from fts_share.storage import Store

        url = f"sqlite:///{folder / f'db{next(counter)}.db'}"
        store = Store(url)
        store.create_schema()
        store.dispose()
        return url

    return make
