"""The ``fts-share`` command: one module per command group. Errors of the product
(``FtsError``) are caught once, in :class:`~fts_share.cli.common.FtsGroup`, and printed
without a traceback."""

from __future__ import annotations

import sys

import click

from fts_share.cli import (
    audit,
    backup,
    conformance,
    demo,
    index,
    jobs,
    keys,
    node,
    roster,
    screening,
    users,
    watchlist,
)
from fts_share.cli import ops as ops_commands
from fts_share.cli.common import FtsGroup


@click.group(cls=FtsGroup)
@click.version_option(package_name="fts-share")
def cli() -> None:
    """fts-share: a federated exchange of notices about foreign terrorist fighters."""


for _command in (node.init, node.serve, node.poll, node.purge, users.user, roster.roster,
                 roster.secretariat, demo.demo_command, screening.screen, watchlist.watchlist,
                 audit.audit, conformance.conformance, ops_commands.migrate,
                 backup.backup, backup.restore, keys.keys_group, index.index_group,
                 jobs.jobs_group):
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    try:
        cli.main(args=argv, prog_name="fts-share", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
