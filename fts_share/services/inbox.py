"""An officer's inbox: the metadata of notices received here or published here (latest
versions, newest first). Never content: opening a notice is a use case of its own,
with a purpose (``fts_share.services.publishing.open_notice``)."""

from __future__ import annotations

from sqlalchemy import func, select

from fts_share.services.unit import Work
from fts_share.storage.models import Notice
from fts_share.storage.notices import latest_versions


def latest_notices(work: Work, *, authored: bool, status: str | None, page: int,
                   per_page: int) -> tuple[list[Notice], int]:
    """The latest version of each notice received here (``authored=False``) or
    published here, newest first, and how many there are in all."""
    q = latest_versions().where(Notice.authored.is_(authored))
    if status:
        q = q.where(Notice.status == status)
    total = int(work.session.scalar(select(func.count()).select_from(q.subquery())) or 0)
    rows = work.session.scalars(q.order_by(Notice.id.desc()).offset((page - 1) * per_page)
                                .limit(per_page)).all()
    return list(rows), total


def latest_notice(work: Work, notice_id: str) -> Notice | None:
    """The metadata of a notice's latest version (no content)."""
    return work.session.scalars(select(Notice).where(Notice.notice_id == notice_id)
                                .order_by(Notice.version.desc()).limit(1)).first()
