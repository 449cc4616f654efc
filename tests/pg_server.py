"""A throwaway PostgreSQL server for the test session (initdb + pg_ctl in a temp dir).

The server programs are found under /usr/lib/postgresql/*/bin or through pg_config.
PostgreSQL refuses to run as root, so when the tests run as root the data directory
belongs to the ``postgres`` system user (created by Debian's package) and the server
programs run as that user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def find_bindir() -> Path | None:
    """The directory holding initdb and pg_ctl, newest version first."""
    env = os.environ.get("FTS_PG_BINDIR")
    if env and (Path(env) / "initdb").exists():
        return Path(env)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
                        reverse=True)
    for cand in candidates:
        if (Path(cand) / "initdb").exists():
            return Path(cand)
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                             check=False).stdout.strip()
        if out and (Path(out) / "initdb").exists():
            return Path(out)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    """A running server; ``url(db)`` gives a SQLAlchemy URL for a database on it."""

    bindir: Path
    datadir: Path
    port: int
    user: str
    run_as: str | None
    options: str = ""

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def halt(self) -> None:
        """Stop the server as a crash would (its data stays, for :meth:`resume`)."""
        _run(self.run_as, [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m",
                           "immediate", "-w", "stop"])

    def resume(self) -> None:
        """Start the server again after :meth:`halt`, on the same port and data."""
        _run(self.run_as, [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-o",
                           self.options, "-l", str(self.datadir.parent / "server.log"),
                           "-w", "-t", "60", "start"])

    def stop(self) -> None:
        _run(self.run_as, [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate",
                           "-w", "stop"], check=False)
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def _run(run_as: str | None, argv: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    if run_as:
        argv = ["runuser", "-u", run_as, "--"] + argv
    return subprocess.run(argv, capture_output=True, text=True, check=check, timeout=120)


def start(*, durable: bool = False) -> PgServer:
    """Start a fresh server on a free loopback port; raises RuntimeError if it cannot.

    For speed, a commit returns before its WAL is written (``synchronous_commit=off``),
    so a server stopped as a crash would (:meth:`PgServer.halt`) may lose its last
    commits. ``durable`` keeps every acknowledged commit across such a stop (the tests
    that crash the server check that nothing committed is lost)."""
    bindir = find_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL server programs (initdb, pg_ctl) not found")
    run_as: str | None = None
    root = Path(tempfile.mkdtemp(prefix="fts-pg-"))
    datadir = root / "data"
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError as exc:
            raise RuntimeError("running as root and no 'postgres' user to run the server") from exc
        run_as = "postgres"
        os.chown(root, pw.pw_uid, pw.pw_gid)
    _run(run_as, [str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--no-sync", "--locale=C"])
    port = _free_port()
    opts = (f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={root} "
            f"-c fsync=off -c synchronous_commit={'on' if durable else 'off'} "
            "-c full_page_writes=off "
            "-c max_connections=300 -c shared_buffers=128MB")
    proc = _run(run_as, [str(bindir / "pg_ctl"), "-D", str(datadir), "-o", opts,
                         "-l", str(root / "server.log"), "-w", "-t", "60", "start"], check=False)
    if proc.returncode != 0:
        log = (root / "server.log").read_text() if (root / "server.log").exists() else ""
        raise RuntimeError(f"pg_ctl start failed: {proc.stderr}\n{log}")
    server = PgServer(bindir=bindir, datadir=datadir, port=port, user="postgres", run_as=run_as,
                      options=opts)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError("PostgreSQL did not start listening")
