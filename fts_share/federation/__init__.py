"""Federation: the signed coalition roster, the outbox and feed, polling and ingestion.

Domain code: no Flask, no SQLAlchemy, no :mod:`fts_share.storage` and no
:class:`~fts_share.services.node.Node`. It is given what it needs (this node's code, its keys, the
roster) and reaches the database through the store protocols it declares
(:class:`~fts_share.federation.outbox.OutboxStore`,
:class:`~fts_share.federation.feed.FeedLinks`,
:class:`~fts_share.federation.ingest.HeldNotices`,
:class:`~fts_share.federation.roster.RosterVersions`), which :mod:`fts_share.storage`
implements. The use cases (publishing, dissemination, receiving, polling) are in
:mod:`fts_share.services`.
"""
