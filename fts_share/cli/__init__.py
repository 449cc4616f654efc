"""The ``fts-share`` command: one module per command group. Errors of the product
(``FtsError``) are caught once, in :class:`~fts_share.cli.common.FtsGroup`, and printed
without a traceback.

A command's module is imported when the command runs (or its help is shown), not
before: each module imports the services it calls, and together they are most of the
package (the matching engine, SQLAlchemy, alembic, the HTTP servers). So ``fts-share
poll`` loads what a poll needs and no more (start-up cost: docs/benchmarks.md, "The
start-up cost of fts-share poll").
"""

from __future__ import annotations

import sys

import click

from fts_share import heap
from fts_share.cli.common import FtsGroup

#: every command: its name -> ``(module in fts_share.cli, attribute)``
COMMANDS = {
    "init": ("node", "init"), "serve": ("node", "serve"), "poll": ("node", "poll"),
    "purge": ("node", "purge"), "user": ("users", "user"), "roster": ("roster", "roster"),
    "secretariat": ("roster", "secretariat"), "demo": ("demo", "demo_command"),
    "screen": ("screening", "screen"), "watchlist": ("watchlist", "watchlist"),
    "audit": ("audit", "audit"), "conformance": ("conformance", "conformance"),
    "migrate": ("ops", "migrate"), "backup": ("backup", "backup"),
    "restore": ("backup", "restore"), "keys": ("keys", "keys_group"),
    "index": ("index", "index_group"), "jobs": ("jobs", "jobs_group"),
}


@click.group(cls=FtsGroup, commands_from=COMMANDS)
@click.version_option(package_name="fts-share")
def cli() -> None:
    """fts-share: a federated exchange of notices about foreign terrorist fighters."""


#: commands after which the process ends without the interpreter's teardown
#: (:func:`fts_share.heap.end_process`): they close the node they opened and hold no
#: other open file when they return
QUICK_EXIT = frozenset({"poll", "purge"})


def main(argv: list[str] | None = None) -> int:
    """Run the command line (``argv``, default the process's arguments); its exit
    status."""
    try:
        cli.main(args=argv, prog_name="fts-share", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0


def run() -> None:
    """Entry point of the console script and of ``python -m fts_share``: run the
    command line, then end the process (at once after a command of
    :data:`QUICK_EXIT`, once its output is written)."""
    status = main()
    if isinstance(cli, FtsGroup) and cli.invoked in QUICK_EXIT:
        heap.end_process(status)
    sys.exit(status)


if __name__ == "__main__":
    run()
