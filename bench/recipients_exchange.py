"""The node's own exchange for ``bench_recipients.py``: what each recipient of one
all-members notice downloads from a real node today (protocol version 1).

A real node home (SQLite, its own keys) gets a signed roster with itself and ``n``
partners whose keys are all of one suite. Its officer publishes one all-members notice
through the node's services (``publishing.publish``: validation, the outbox's ``seal``,
storage, audit). Then every one of the ``n`` partners fetches its feed, ``GET
/api/v1/feed?after=0&limit=100``, from the node's Flask app with an RFC 9421 signed
request, checks the page (``verify_page``) and opens its envelope (``verify_envelope``,
``open_envelope``) with its own private key. The bytes are those of the response body.
Nothing here re-implements the node.
"""

from __future__ import annotations

import json
import statistics
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from coalition import Coalition, build, notice, sqlite_databases

from fts_share.app import create_app
from fts_share.clock import utcnow
from fts_share.crypto import (
    KeyKind,
    PrivateKey,
    generate,
    open_envelope,
    sign_request,
    verify_envelope,
)
from fts_share.federation.feed import verify_page
from fts_share.federation.roster import Roster, build_member, roster_key_entry
from fts_share.notices.rules import Actor
from fts_share.services import publishing
from fts_share.services.unit import Work

ORIGIN = "FRA"
PAGE_LIMIT = 100  # the feed's default page size (api/feed.py)
KINDS = {"x25519": KeyKind.X25519, "hybrid": KeyKind.MLKEM768_X25519}


def _partners(cell: int, count: int, kind: KeyKind) -> dict[str, tuple[PrivateKey, PrivateKey]]:
    """``count`` partner codes (distinct per cell, so every link starts empty) with a
    signing key and an encryption key of ``kind`` each."""
    codes = [f"{chr(65 + i // 26)}{chr(65 + i % 26)}{chr(65 + cell)}" for i in range(count)]
    return {code: (generate(KeyKind.ED25519), generate(kind)) for code in codes}


def _install(c: Coalition, version: int, partners: dict[str, tuple[PrivateKey, PrivateKey]]
             ) -> Roster:
    """A roster of the origin and ``partners`` (members), signed and imported."""
    now = utcnow()
    start = now - timedelta(days=1)

    def add(entries: list[dict[str, Any]]) -> None:
        for code, (sign, enc) in partners.items():
            keys = [roster_key_entry(sign.public(), use="sign", valid_from=start),
                    roster_key_entry(enc.public(), use="encrypt", valid_from=start)]
            entries.append(build_member(code=code, name=code, role="member",
                                        url=f"https://{code.lower()}.example", valid_from=start,
                                        keys=keys))

    doc = c.roster_document(version=version, now=now, edit=add)
    c.publish_roster(doc)
    return Roster.verify(doc, c.secretariat.public())


def _publish(c: Coalition, body: dict[str, Any]) -> None:
    """The origin's officer publishes ``body`` through the node's services."""
    node = c[ORIGIN].node
    with node.store.transaction() as s:
        publishing.publish(Work(session=s, now=utcnow(), node=node),
                           data=publishing.read_notice_input(node.config, body),
                           actor=Actor(name="fra-officer", role="officer"))


def _fetch(client: Any, code: str, sign: PrivateKey) -> bytes:
    """``code``'s first feed page as the node's app serves it (the response body)."""
    url = f"http://localhost/api/v1/feed?after=0&limit={PAGE_LIMIT}"
    headers = sign_request(method="GET", url=url, headers={}, body=b"", key=sign, now=utcnow())
    response = client.get(url, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"feed for {code}: {response.status_code} {response.get_data()!r}")
    return bytes(response.get_data())


def _receive(body: bytes, roster: Roster, code: str, enc: PrivateKey
             ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The recipient's checks: the page, then its one envelope opened with its key.
    Returns the envelope and the payload it carried."""
    page = verify_page(json.loads(body), roster=roster, origin=ORIGIN, recipient=code,
                       after=0, limit=PAGE_LIMIT, now=utcnow())
    (item,) = page.items

    def key_for(origin: str, kid: str) -> Any:
        return roster.signing_key(origin, kid, at=utcnow())

    header = verify_envelope(item.envelope, key_for=key_for)
    opened = open_envelope(item.envelope, header, node=code, private_keys={enc.kid: enc},
                           key_for=key_for)
    return item.envelope, opened.payload


def _embedded(app: Any, body: bytes, obj: Any) -> int:
    """The bytes ``obj`` takes inside ``body`` (checked to be there verbatim), encoded as
    the app encodes a response (Flask's provider, compact separators)."""
    text = app.json.dumps(obj, separators=(",", ":")).encode()
    if text not in body:
        raise RuntimeError("the page does not carry the object as the app encodes it")
    return len(text)


def exchange(folder: Path, suite: str, counts: tuple[int, ...], first_cell: int
             ) -> list[dict[str, Any]]:
    """For each n in ``counts``: one all-members notice to n partners of ``suite``,
    fetched, checked and opened by all n; the bytes of every recipient's page."""
    folder.mkdir(parents=True, exist_ok=True)
    c = build(folder, sqlite_databases(folder), [(ORIGIN, "member")], start=False)
    app = create_app(node=c[ORIGIN].node)
    client = app.test_client()
    rows = []
    try:  # a first notice elsewhere, so that every measured envelope has a prev
        _install(c, 2, {"ZZZ": (generate(KeyKind.ED25519), generate(KINDS[suite]))})
        _publish(c, notice(recipients=["ZZZ"]))
        for i, count in enumerate(counts):
            cell = first_cell + i
            partners = _partners(cell, count, KINDS[suite])
            roster = _install(c, cell + 3, partners)
            _publish(c, notice(audience="all-members"))
            pages, envelopes, items = [], set(), set()
            for code, (sign, enc) in partners.items():
                body = _fetch(client, code, sign)
                envelope, payload = _receive(body, roster, code, enc)
                pages.append(len(body))
                envelopes.add(_embedded(app, body, envelope))
                items.add(_embedded(app, body, json.loads(body)["index"]["items"][0]))
            if len(envelopes) != 1:
                raise RuntimeError("recipients were served envelopes of different sizes")
            rows.append({"suite": suite, "n": count, "envelope": envelopes.pop(),
                         "item": max(items), "page": int(statistics.median(pages)),
                         "exchange": sum(pages), "sample": envelope, "payload": payload})
    finally:
        c.close()
    return rows


def fit_line(xs: list[int], ys: list[int]) -> tuple[float, float, float]:
    """Least-squares ``y = a + b x``: (a, b, largest absolute residual)."""
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    b = (sum((x - mx) * (y - my) for x, y in zip(xs, ys))
         / sum((x - mx) ** 2 for x in xs))
    a = my - b * mx
    return a, b, max(abs(y - (a + b * x)) for x, y in zip(xs, ys))


def table(rows: list[dict[str, Any]]) -> str:
    """Markdown: the served bytes per delivery, the page's parts, the exchange's total
    and how much of it is the n² term, then the fit that shows the total grows with n²."""
    fits = {}
    for suite in dict.fromkeys(r["suite"] for r in rows):
        mine = [r for r in rows if r["suite"] == suite]
        fits[suite] = fit_line([r["n"] for r in mine], [r["page"] for r in mine])
    lines = [("| suite | n | envelope in the page | its index item | one-notice page "
              "| page overhead | share of a full page (100) | all n pages | n² term |"),
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        overhead = r["page"] - r["envelope"] - r["item"]
        share = r["envelope"] + r["item"] + 2 + overhead / PAGE_LIMIT  # 2 commas
        square = fits[r["suite"]][1] * r["n"] ** 2 / r["exchange"]
        lines.append(f"| {r['suite']} | {r['n']} | {r['envelope']:,} | {r['item']} | "
                     f"{r['page']:,} | {overhead:,} | {share:,.0f} | {r['exchange']:,} | "
                     f"{square:.0%} |")
    lines.append("")
    for suite, (a, b, worst) in fits.items():
        ns = ", ".join(str(r["n"]) for r in rows if r["suite"] == suite)
        lines.append(f"- {suite}: a recipient's page = {a:,.0f} + {b:,.1f} n bytes "
                     f"(least squares over n = {ns}; largest residual {worst:.1f} bytes), "
                     f"so one all-members notice moves n times that, "
                     f"{b:,.1f} n² + {a:,.0f} n bytes.")
    return "\n".join(lines)
