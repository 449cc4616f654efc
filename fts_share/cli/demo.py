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

from fts_share.clock import to_rfc3339, utcnow
from fts_share.services import accounts, alerts, reviewing, running, serving, watchlist_import
from fts_share.services import roster as roster_service
from fts_share.services.unit import reading, unit_of_work

CODES = [("FRA", "France", "member"), ("IRQ", "Iraq", "member"), ("JOR", "Jordan", "member"),
         ("MLI", "Mali", "observer"), ("TUR", "Türkiye", "member"), ("DEU", "Germany", "member"),
         ("BEL", "Belgium", "member"), ("LKA", "Sri Lanka", "observer"),
         ("ITA", "Italy", "member"), ("BFA", "Burkina Faso", "observer")]
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
MARKER = ".fts-demo"


def fixture_path(name: str) -> Path:
    """A file of the demo fixtures (in the repository, or packaged)."""
    for base in (FIXTURES, Path(__file__).resolve().parents[1] / "fixtures"):
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
    from fts_share.app import create_app

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
        sock = serving.reserve_port()
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        running.create_home(home, code=code, url=url)
        (home / MARKER).write_text("created by fts-share demo\n")
        plan.append((code, name, role, url, home, sock))
    secretariat = roster_service.new_secretariat_key()
    members = [roster_service.member_entry(code=code, name=name, role=role, url=url,
                                           public_keys=json.loads(
                                               (home / "keys" / "public.json").read_text()),
                                           valid_from=start)
               for code, name, role, url, home, _sock in plan]
    roster = roster_service.sign_document(
        {"coalition": "Global Coalition against Daesh (demo)", "version": 1,
         "issued": to_rfc3339(now), "members": members}, secretariat)
    (directory / "roster.json").write_text(json.dumps(roster, indent=2, ensure_ascii=False))
    un_excerpt = fixture_path("un-excerpt.xml")
    nodes = []
    for code, _name, _role, url, home, sock in plan:
        node = running.open_node(home)
        roster_service.pin_anchor(node, secretariat.public().to_json())
        tokens = {}
        with unit_of_work(node, now) as work:
            roster_service.import_roster(work, roster)
            for uname, role in (("officer", "officer"), ("reviewer", "reviewer"),
                                ("admin", "admin")):
                user = accounts.create_user(work, name=f"{code.lower()}-{uname}", role=role)
                tokens[uname] = accounts.issue_token(work, user, label="demo")
        with unit_of_work(node, now) as work:
            watchlist_import.import_un_file(work, un_excerpt, actor="system")
        app = create_app(node=node)
        server = serving.ServerThread(serving.make_server(app, host="127.0.0.1", port=0,
                                                          threads=4, sock=sock),
                                      name=f"demo-{code}").start()
        nodes.append(DemoNode(code=code, url=url, home=home, node=node, server=server,
                              tokens=tokens))
    return nodes


def exchange(nodes: list[DemoNode]) -> dict[str, Any]:
    """Publish the fixtures at the first node; every other node polls once."""
    source = nodes[0]
    notices = json.loads(fixture_path("demo-notices.json").read_text())
    published = []
    for body in notices:
        published.append(_post_json(f"{source.url}/api/v1/notices", body,
                                    source.tokens["officer"])["id"])
    deliveries: dict[str, Any] = {}
    matches: list[dict[str, Any]] = []
    for dn in nodes[1:]:
        reports = running.poll_once(dn.node)
        deliveries[dn.code] = {key: sum(r[key] for r in reports)
                               for key in ("received", "decrypted", "rejected")}
        with reading(dn.node, utcnow()) as work:
            for alert in alerts.list_alerts(work, limit=None):
                matches.append({"node": dn.code, "notice": alert.notice_id,
                                "record": alert.record_id, "score": alert.score,
                                "kind": alert.kind})
    audit: dict[str, Any] = {}
    for dn in nodes:
        report = reviewing.verify_node_log(dn.node)
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
    pollers = [running.background_poller(dn.node, interval=5.0) for dn in nodes]
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
