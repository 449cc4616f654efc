"""``fts-share demo``: a small coalition on this machine, one full exchange.

N nodes run as real HTTP servers on 127.0.0.1, each with its own SQLite database, a
signed roster and a UN list excerpt as watchlist. An officer at the first node
publishes the notices in ``fixtures/demo-notices.json`` through the API; the other
nodes poll, verify, decrypt what is addressed to them and screen it.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from fts_share.clock import utcnow

CODES = [("FRA", "France", "member"), ("IRQ", "Iraq", "member"), ("JOR", "Jordan", "member"),
         ("MLI", "Mali", "observer"), ("TUR", "Türkiye", "member"), ("DEU", "Germany", "member"),
         ("BEL", "Belgium", "member"), ("LKA", "Sri Lanka", "observer"),
         ("ITA", "Italy", "member"), ("BFA", "Burkina Faso", "observer")]
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MARKER = ".fts-demo"


def fixture_path(name: str) -> Path:
    """A file of the demo fixtures (in the repository, or packaged)."""
    for base in (FIXTURES, Path(__file__).resolve().parent / "fixtures"):
        if (base / name).exists():
            return base / name
    raise FileNotFoundError(name)


@dataclass
class DemoNode:
    """One running demo node."""

    code: str
    url: str
    home: Path
    node: Any
    server: Any
    tokens: dict[str, str]


def _post_json(url: str, body: Any, token: str) -> dict[str, Any]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json",
                                          "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return dict(json.loads(resp.read()))


def setup(directory: Path, n: int) -> list[DemoNode]:
    """Create the homes, the signed roster, users and watchlists; start the servers."""
    from fts_share import accounts
    from fts_share.app import create_app
    from fts_share.crypto.keys import KeyKind, PublicKey, generate
    from fts_share.federation.roster import build_member, roster_key_entry, sign_roster
    from fts_share.node import Node, init_home
    from fts_share.services.receiving import install_roster
    from fts_share.services.unit import Work
    from fts_share.screening.importer import import_un_file
    from fts_share.server import ServerThread, make_server, reserve_port

    if not 2 <= n <= len(CODES):
        raise click.BadParameter(f"--nodes must be between 2 and {len(CODES)}")
    directory.mkdir(parents=True, exist_ok=True)
    now = utcnow()
    start = now - timedelta(days=1)
    plan = []
    for code, name, role in CODES[:n]:
        home = directory / code
        if home.exists():
            if not (home / MARKER).exists():
                raise click.ClickException(f"{home} exists and is not a demo node")
            shutil.rmtree(home)
        sock = reserve_port()
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        init_home(home, code=code, url=url)
        (home / MARKER).write_text("created by fts-share demo\n")
        plan.append((code, name, role, url, home, sock))
    secretariat = generate(KeyKind.ED25519)
    members = []
    for code, name, role, url, home, _sock in plan:
        keys = json.loads((home / "keys" / "public.json").read_text())
        entries = [roster_key_entry(PublicKey.from_json(keys["signing"]), use="sign",
                                    valid_from=start)]
        entries += [roster_key_entry(PublicKey.from_json(k), use="encrypt", valid_from=start)
                    for k in keys["encryption"]]
        members.append(build_member(code=code, name=name, role=role, url=url,
                                    valid_from=start, keys=entries))
    from fts_share.clock import to_rfc3339

    roster = sign_roster({"coalition": "Global Coalition against Daesh (demo)", "version": 1,
                          "issued": to_rfc3339(now), "members": members}, secretariat)
    (directory / "roster.json").write_text(json.dumps(roster, indent=2, ensure_ascii=False))
    un_excerpt = fixture_path("un-excerpt.xml")
    nodes = []
    for code, _name, _role, url, home, sock in plan:
        node = Node.open(home)
        node.pin_anchor(secretariat.public())
        tokens = {}
        with node.store.transaction() as session:
            install_roster(Work(session=session, now=now, node=node), roster)
            for uname, role in (("officer", "officer"), ("reviewer", "reviewer"),
                                ("admin", "admin")):
                user = accounts.create_user(session, name=f"{code.lower()}-{uname}", role=role,
                                            now=now)
                tokens[uname] = accounts.issue_token(session, user, now=now, label="demo")
        with node.store.transaction() as session:
            import_un_file(session, un_excerpt, now=now, actor="system")
        app = create_app(node=node)
        server = ServerThread(make_server(app, host="127.0.0.1", port=0, threads=4, sock=sock),
                              name=f"demo-{code}").start()
        nodes.append(DemoNode(code=code, url=url, home=home, node=node, server=server,
                              tokens=tokens))
    return nodes


def exchange(nodes: list[DemoNode]) -> dict[str, Any]:
    """Publish the fixtures at the first node; every other node polls once."""
    from fts_share.reviewing import verify_node_log
    from fts_share.services.polling import Poller
    from fts_share.screening.service import screening_hook
    from fts_share.storage.models import Alert

    source = nodes[0]
    notices = json.loads(fixture_path("demo-notices.json").read_text())
    published = []
    for body in notices:
        published.append(_post_json(f"{source.url}/api/v1/notices", body,
                                    source.tokens["officer"])["id"])
    deliveries: dict[str, Any] = {}
    matches: list[dict[str, Any]] = []
    for dn in nodes[1:]:
        reports = Poller(dn.node, on_notice=screening_hook(dn.node)).poll_all(force=True)
        received = sum(r.result.received for r in reports)
        deliveries[dn.code] = {"received": received,
                               "decrypted": sum(r.result.decrypted for r in reports),
                               "rejected": sum(r.result.rejected for r in reports)}
        with dn.node.store.read() as session:
            for alert in session.scalars(select(Alert).order_by(Alert.id)):
                matches.append({"node": dn.code, "notice": alert.notice_id,
                                "record": alert.record_id, "score": alert.score,
                                "kind": alert.kind})
    audit: dict[str, Any] = {}
    for dn in nodes:
        report = verify_node_log(dn.node)
        audit[dn.code] = {"entries": report.entries, "tree_size": report.tree_size,
                          "root": report.root, "verified": report.ok}
    return {"notices_published": len(published), "published": published,
            "deliveries": deliveries, "matches": matches, "audit": audit}


def run_demo(*, n: int, directory: Path | None, once: bool) -> tuple[dict[str, Any], list[DemoNode]]:
    """Set up, run one exchange, write ``DIR/demo.json``; return it and the nodes."""
    directory = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="fts-demo-"))
    nodes = setup(directory.resolve(), n)
    result = exchange(nodes)
    doc: dict[str, Any] = {"nodes": [{"code": dn.code, "url": dn.url, "home": str(dn.home),
                      "tokens": {"officer": dn.tokens["officer"],
                                 "reviewer": dn.tokens["reviewer"]}} for dn in nodes]}
    doc.update({k: v for k, v in result.items() if k != "published"})
    (directory / "demo.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    doc["_dir"] = str(directory)  # for the summary; not written
    return doc, nodes


def summary(doc: dict[str, Any]) -> str:
    """A human summary of one demo exchange."""
    lines = [f"fts-share demo: {len(doc['nodes'])} nodes in {doc['_dir']}"]
    for n in doc["nodes"]:
        lines.append(f"  {n['code']}  {n['url']}")
    lines.append(f"notices published at {doc['nodes'][0]['code']}: {doc['notices_published']}")
    for code, d in doc["deliveries"].items():
        lines.append(f"  {code}: received {d['received']}, decrypted {d['decrypted']}, "
                     f"rejected {d['rejected']}")
    lines.append(f"matches: {len(doc['matches'])}")
    for m in doc["matches"]:
        lines.append(f"  {m['node']}: notice {m['notice'][:8]} ~ {m['record']} "
                     f"score {m['score']:.2f} ({m['kind']})")
    lines.append("audit logs:")
    for code, a in doc["audit"].items():
        status = "verified" if a["verified"] else "NOT VERIFIED"
        lines.append(f"  {code}: {a['entries']} entries, root {a['root'][:16]}..., {status}")
    lines.append(f"written: {doc['_dir']}/demo.json")
    return "\n".join(lines)


@click.command("demo")
@click.option("--nodes", "n", default=3, show_default=True, type=int)
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--once", is_flag=True, help="Exit after one full exchange.")
@click.option("--json", "as_json", is_flag=True, help="Print demo.json on standard output.")
def demo_command(n: int, directory: Path | None, once: bool, as_json: bool) -> None:
    """Start N nodes on 127.0.0.1 and run one exchange between them."""
    doc, nodes = run_demo(n=n, directory=directory, once=once)
    out = {k: v for k, v in doc.items() if not k.startswith("_")}
    click.echo(json.dumps(out, indent=2, ensure_ascii=False) if as_json else summary(doc))
    if once:
        for dn in nodes:
            dn.server.stop()
            dn.node.close()
        return
    from fts_share.screening.service import screening_hook
    from fts_share.server import BackgroundPoller

    pollers = [BackgroundPoller(dn.node, interval=5.0, on_notice=screening_hook(dn.node))
               for dn in nodes]
    for p in pollers:
        p.start()
    if not as_json:
        click.echo("serving; web pages:")
        for dn in nodes:
            click.echo(f"  {dn.code}: {dn.url}/  (officer token in demo.json)")
        click.echo("press Ctrl-C to stop")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        for p in pollers:
            p.stop()
