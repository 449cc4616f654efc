"""Use cases: one module per use case, between the porch and the rooms.

The porch (``fts_share.api``, ``fts_share.web``, ``fts_share.cli``) calls these modules
and nothing below them. Each use case takes a :class:`~fts_share.services.unit.Work`: one
database transaction, the time, and the node's keys and settings. Services call the
domain rooms (``crypto``, ``federation``, ``matching``, ``audit``, ``watchlist``) and
``storage``; they never import Flask.
"""
