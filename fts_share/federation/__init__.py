"""Federation: the signed coalition roster, the outbox and feed, polling and ingestion.

Domain code: no Flask. The HTTP views in :mod:`fts_share.api` call these services.
"""
