"""The table of batch screening jobs: stored, so that a job outlives the process that
started it (resumed after a restart) and is removed after its retention time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fts_share.storage import account_tables as _account_tables  # noqa: F401  (owner -> users)
from fts_share.storage.base import Base, UTCDateTime


class ScreeningJob(Base):
    """One batch screening; its rows and their results are :class:`ScreeningJobRow`.

    ``request`` holds the purpose and legal basis (JSON) until the job is done;
    ``done`` counts the rows screened, in row order: each chunk's results are written
    in the transaction that logs that chunk's screening and moves ``done`` on, so that
    a job resumed after a crash neither repeats nor skips a row. ``summary`` (JSON:
    rows with a hit, measure codes seen) grows with each chunk, so that a results page
    need not read every row. ``heartbeat`` is the time of the last chunk."""

    __tablename__ = "screening_jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    actor: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(12), index=True)  # running, done, failed
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[datetime] = mapped_column(UTCDateTime())
    heartbeat: Mapped[datetime] = mapped_column(UTCDateTime())
    finished: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    expires: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    request: Mapped[str | None] = mapped_column(Text, nullable=True)
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str | None] = mapped_column(String(300), nullable=True)


class ScreeningJobRow(Base):
    """One row of a batch screening: as submitted (``input``, JSON) until its chunk is
    screened, then its result (``result``, JSON; the row's ref and name and its hits).
    The chunk that writes the result clears the input (dates of birth, documents are
    kept no longer than needed). Deleted with its job (``ON DELETE CASCADE``, and
    explicitly by the retention purge)."""

    __tablename__ = "screening_job_rows"
    job_id: Mapped[str] = mapped_column(
        ForeignKey("screening_jobs.id", ondelete="CASCADE"), primary_key=True)
    row: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    input: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[str | None] = mapped_column(Text, nullable=True)


class WatchlistImport(Base):
    """One UN list import run as a job (``fts_share.services.listimports``).

    ``content`` holds the file to import (uploaded, or read by the command line)
    until the import ends, then it is cleared; ``counts`` the import's counts and
    report (JSON) once done. ``done``/``total`` and ``stage`` are its progress."""

    __tablename__ = "watchlist_imports"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(120))  # who asked (audit name)
    file_name: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(12), index=True)  # queued, running, done, failed
    stage: Mapped[str] = mapped_column(String(20))  # queued, parsing, importing, done
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    counts: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    finished: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
