"""Notice versions in the database: storing, reading and purging their content."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

import orjson
from sqlalchemy import LargeBinary, Select, Table, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from fts_share.errors import Gone, NotFound
from fts_share.notices.vault import open_content, seal_content
from fts_share.storage.alert_tables import AlertMatch
from fts_share.storage.audit_store import flushed_connection
from fts_share.storage.bulk import BulkInsert
from fts_share.storage.models import Alert, Notice, NoticeKey, WatchlistEntry

_NOTICE_COLUMNS = tuple(c.key for c in cast(Table, Notice.__table__).columns if c.key != "id")
_INSERT_NOTICES = BulkInsert(insert(cast(Table, Notice.__table__)), _NOTICE_COLUMNS)
#: A version's data key, by the version's natural key (no round trip for the row id).
_INSERT_KEY_OF_VERSION = BulkInsert(insert(cast(Table, NoticeKey.__table__)).from_select(
    ["notice_row", "wrapped"],
    select(Notice.id, bindparam("wrapped", type_=LargeBinary))
    .where(Notice.notice_id == bindparam("notice_id"), Notice.version == bindparam("version"))),
    ("wrapped", "notice_id", "version"))
#: PostgreSQL: the row ids of a page's versions drawn from the table's own sequence in
#: one read, so that the versions and their data keys are both written by ``COPY``
#: (an ``INSERT ... SELECT`` per key runs row by row in the driver).
_NEXT_NOTICE_IDS = text("SELECT nextval(pg_get_serial_sequence('notices', 'id')) "
                        "FROM generate_series(1, :n)")
_INSERT_NOTICES_WITH_IDS = BulkInsert(insert(cast(Table, Notice.__table__)),
                                      ("id", *_NOTICE_COLUMNS))
_INSERT_KEYS = BulkInsert(insert(cast(Table, NoticeKey.__table__)), ("notice_row", "wrapped"))


#: ``json.dumps(content, ensure_ascii=False)`` without building an encoder per call
_CONTENT_JSON = json.JSONEncoder(ensure_ascii=False)


def _content_bytes(content: Mapping[str, Any]) -> bytes:
    """``json.dumps(content, ensure_ascii=False).encode()``, the bytes sealed at rest.
    A ``dict`` of texts (a received version's signed statement, signature and signer)
    is written member by member by orjson, which escapes a text as ``json`` does
    without ``ensure_ascii`` (``"``, ``\\``, the controls: ``\\b \\t \\n \\f \\r``, others
    as ``\\u00xx``); anything else, or a text orjson refuses (a lone surrogate), is
    written by ``json`` as before."""
    if type(content) is dict:
        try:
            return b"{" + b", ".join([_text_json(k) + b": " + _text_json(v)
                                      for k, v in content.items()]) + b"}"
        except (TypeError, orjson.JSONEncodeError):
            pass
    return _CONTENT_JSON.encode(content).encode()


def _text_json(value: Any) -> bytes:
    if type(value) is not str:
        raise TypeError("not a text")
    return orjson.dumps(value)


def _context(notice_id: str, version: int, origin: str) -> bytes:
    return f"{origin}/{notice_id}/{version}".encode()


@dataclass(frozen=True)
class SealedVersion:
    """A notice version ready to insert: its ``notices`` columns (content encrypted under
    a fresh data key) and that data key, wrapped with the node's storage key."""

    values: dict[str, Any]
    wrapped: bytes

    @property
    def key(self) -> tuple[str, int]:
        """The version's natural key ``(notice_id, version)``."""
        return str(self.values["notice_id"]), int(self.values["version"])


def seal_version(storage_key: bytes, *, notice: Mapping[str, Any], origin: str,
                 authored: bool, content: Mapping[str, Any], envelope_digest: str | None,
                 now: datetime) -> SealedVersion:
    """The row of one notice version, its ``content`` sealed with a fresh data key;
    nothing is written. Raises ``KeyError``, ``TypeError`` or ``ValueError`` for a
    notice that lacks what the row needs."""
    prov = notice["provenance"]
    handling, subject = notice["handling"], notice["subject"]
    notice_id, version = prov["id"], prov["version"]
    wrapped, nonce, ciphertext = seal_content(
        storage_key, _content_bytes(content),
        context=_context(notice_id, version, origin))
    values = {"notice_id": notice_id, "version": version, "origin": origin,
              "authored": authored, "status": "active", "label": handling["tlp"],
              "caveats": list(handling.get("caveats", [])),
              "legal_basis": list(notice["basis"]["legal_basis"]),
              "recipients": list(prov.get("recipients", handling.get("recipients", []))),
              "named_users": list(handling.get("named_users", [])),
              "created": now, "review_date": date.fromisoformat(handling["review_date"]),
              "subject_sex": subject.get("sex"), "subject_minor": bool(subject.get("minor")),
              "movement_kind": notice.get("movement", {}).get("kind"),
              "officer": prov.get("officer"), "envelope_digest": envelope_digest,
              "nonce": nonce, "ciphertext": ciphertext, "purged_at": None}
    return SealedVersion(values=values, wrapped=wrapped)


def store_version(session: Session, storage_key: bytes, *, notice: Mapping[str, Any],
                  origin: str, authored: bool, content: Mapping[str, Any],
                  envelope_digest: str | None, now: datetime) -> Notice:
    """Insert one notice version; ``content`` is encrypted with a fresh data key and
    older versions of the same notice become ``superseded``."""
    return add_version(session, seal_version(
        storage_key, notice=notice, origin=origin, authored=authored, content=content,
        envelope_digest=envelope_digest, now=now))[0]


def add_version(session: Session, sealed: SealedVersion) -> tuple[Notice, list[Notice]]:
    """Insert a sealed version (see :func:`seal_version`); return its row and the older
    active versions of the same notice, which become ``superseded``."""
    row = Notice(**sealed.values)
    session.add(row)
    session.flush()  # the row id, for its key
    session.add(NoticeKey(notice_row=row.id, wrapped=sealed.wrapped))
    if row.version == 1:
        return row, []
    older = list(session.scalars(select(Notice).where(Notice.notice_id == row.notice_id,
                                                      Notice.version < row.version,
                                                      Notice.status == "active")).all())
    for old in older:
        old.status = "superseded"
    session.flush()
    return row, older


def insert_versions(session: Session, versions: Sequence[SealedVersion], *,
                    row_ids: Sequence[int] = ()) -> None:
    """Insert many sealed versions with one statement per table (rows and data keys).

    Unlike :func:`add_version` nothing older is superseded: the caller inserts only
    versions of which this node holds no older version. On PostgreSQL the row ids are
    ``row_ids`` (drawn from the table's sequence already), the missing ones drawn first
    (one read), and both tables written by ``COPY``; elsewhere each data key finds its
    row by the version's natural key.
    """
    if not versions:
        return
    connection = flushed_connection(session)
    if connection.dialect.name == "postgresql":
        ids = list(row_ids[:len(versions)])
        if len(ids) < len(versions):
            ids += sorted(connection.execute(_NEXT_NOTICE_IDS,
                                             {"n": len(versions) - len(ids)}).scalars())
        _INSERT_NOTICES_WITH_IDS.run(connection, [{**v.values, "id": row_id}
                                                  for v, row_id in zip(versions, ids)])
        _INSERT_KEYS.run(connection, [{"notice_row": row_id, "wrapped": v.wrapped}
                                      for v, row_id in zip(versions, ids)])
        return
    _INSERT_NOTICES.run(connection, [v.values for v in versions])
    _INSERT_KEY_OF_VERSION.run(connection, [
        {"notice_id": v.values["notice_id"], "version": v.values["version"],
         "wrapped": v.wrapped} for v in versions])


def read_content(session: Session, storage_key: bytes, row: Notice) -> dict[str, Any]:
    """The decrypted content of a notice version (``Gone`` once purged)."""
    key = session.get(NoticeKey, row.id)
    if key is None or row.ciphertext is None or row.nonce is None:
        raise Gone(f"notice {row.notice_id} v{row.version}: content purged")
    plain = open_content(storage_key, key.wrapped, row.nonce, row.ciphertext,
                         context=_context(row.notice_id, row.version, row.origin))
    return dict(json.loads(plain))


def destroy_content(session: Session, row: Notice, *, now: datetime) -> bool:
    """Destroy a version's content (its data key and ciphertext) and what screening
    derived from it; False if it was destroyed before."""
    if row.purged_at is not None:
        return False
    key = session.get(NoticeKey, row.id)
    if key is not None:
        session.delete(key)
    session.execute(update(Notice).where(Notice.id == row.id).values(
        ciphertext=None, nonce=None, purged_at=now))
    row.ciphertext, row.nonce, row.purged_at = None, None, now
    if row.status == "active":
        row.status = "purged"
    _scrub_derived(session, row, now=now)
    return True


def _scrub_derived(session: Session, row: Notice, *, now: datetime) -> None:
    """Remove what screening derived from a purged version: the subject's names in the
    watchlist index (unless a newer version replaced them) and the name parts quoted
    in the explanations of its alerts and matches. Scores, references and decisions
    remain."""
    entry = session.get(WatchlistEntry, f"notice:{row.origin}:{row.notice_id}")
    if entry is not None and entry.data.get("version") == row.version:
        entry.names, entry.dobs, entry.nationalities, entry.documents = [], [], [], []
        entry.active, entry.updated = False, now
        entry.data = {"notice": row.notice_id, "version": row.version, "purged": True}
    for alert in session.scalars(select(Alert).where(Alert.notice_id == row.notice_id,
                                                     Alert.notice_version == row.version)):
        alert.explanation = _scrubbed(alert.explanation)
    for match in session.scalars(select(AlertMatch).where(
            AlertMatch.notice_id == row.notice_id, AlertMatch.notice_version == row.version)):
        grouped = session.get(Alert, match.alert_id)  # its best match may be this one
        if grouped is not None and grouped.explanation == match.explanation:
            grouped.explanation = _scrubbed(grouped.explanation)
        match.explanation = _scrubbed(match.explanation)


def _scrubbed(explanation: dict[str, Any]) -> dict[str, Any]:
    return {"purged": True, "algorithm": explanation.get("algorithm")}


def latest_versions() -> Select[Any]:
    """A query of the newest version of every notice (one row per notice)."""
    newest = (select(Notice.notice_id, func.max(Notice.version).label("v"))
              .group_by(Notice.notice_id).subquery())
    return select(Notice).join(newest, (Notice.notice_id == newest.c.notice_id)
                               & (Notice.version == newest.c.v))


def latest(session: Session, notice_id: str) -> Notice:
    """The newest version of a notice, or NotFound."""
    row = session.scalars(select(Notice).where(Notice.notice_id == notice_id)
                          .order_by(Notice.version.desc()).limit(1)).first()
    if row is None:
        raise NotFound(f"no notice {notice_id}")
    return row


def due_for_purge(session: Session, *, now: datetime) -> list[Notice]:
    """Every version whose review date has passed and whose content is still held."""
    return list(session.scalars(select(Notice).where(Notice.review_date < now.date(),
                                                     Notice.purged_at.is_(None))).all())
