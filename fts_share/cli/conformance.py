"""``fts-share conformance URL``: the protocol checks against any node, as a pass/fail
table (or ``--json``); exit status 0 when no check failed, 1 otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import click

from fts_share.cli.common import FILE, HOME, load_passphrase
from fts_share.errors import ConfigError
from fts_share.services import conformance as kit

SYMBOL = {"pass": "PASS", "fail": "FAIL", "skip": "skip"}


@click.command("conformance")
@click.argument("url")
@click.option("--home", type=HOME, default=None,
              help="Act as the partner whose node home this is (its keys and roster).")
@click.option("--key", type=FILE, default=None,
              help="Act as a partner: its Ed25519 signing key file (PEM).")
@click.option("--code", default=None, help="With --key: the partner's code on the roster.")
@click.option("--anchor", type=FILE, default=None,
              help="With --key: the secretariat's public key (secretariat.pub.json).")
@click.option("--decrypt-key", "decrypt", type=FILE, multiple=True,
              help="With --key: a decryption key file of the partner (repeatable).")
@click.option("--schemas", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=None, help="The schemas/ folder (default: the one of this source tree).")
@click.option("--timeout", type=float, default=10.0, show_default=True,
              help="Seconds to wait for each answer.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def conformance(url: str, home: Path | None, key: Path | None, code: str | None,
                anchor: Path | None, decrypt: tuple[Path, ...], schemas: Path | None,
                timeout: float, as_json: bool) -> None:
    """Run the protocol checks against the node at URL.

    Without an identity only what anybody can ask is checked (node info, roster,
    OpenAPI, problem documents, an unsigned feed request refused). With --home, or
    --key, --code and --anchor, the kit also fetches the feed as that partner and
    verifies the page, the envelopes, their decryption, the tree head and a
    consistency proof. Private keys are read with FTS_SHARE_KEY_PASSPHRASE, if set.
    """
    identity, pinned = None, None
    if home is not None and key is not None:
        raise ConfigError("give --home or --key, not both")
    if home is not None:
        identity, pinned = kit.identity_from_home(home)
    elif key is not None:
        if not code or anchor is None:
            raise ConfigError("--key needs --code and --anchor")
        identity, pinned = kit.identity_from_keys(url, code=code, key=key, anchor=anchor,
                                                  decrypt=decrypt, passphrase=load_passphrase(),
                                                  timeout=timeout)
    report = kit.run(url, identity=identity, anchor=pinned, schemas=schemas, timeout=timeout)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        _table(report)
    if not report.ok:
        raise SystemExit(1)


def _table(report: kit.Report) -> None:
    width = max(len(c.name) for c in report.checks)
    click.echo(f"conformance of {report.url}")
    for c in report.checks:
        click.echo(f"  {SYMBOL[c.outcome]:4}  {c.name:{width}}  {c.detail}")
    summary = report.to_json()
    verdict = "CONFORMS" if report.ok else "DOES NOT CONFORM"
    click.echo(f"{verdict}: {summary['passed']} passed, {summary['failed']} failed, "
               f"{summary['skipped']} skipped")
