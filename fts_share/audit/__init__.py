"""The tamper-evident audit trail: an RFC 9162 Merkle tree log with signed tree heads.

Modules, each readable alone (none imports Flask):

- :mod:`fts_share.audit.merkle`: pure RFC 9162 §2.1 hashing and proofs;
- :mod:`fts_share.audit.models`: the tables (entries, tree nodes, tree heads, peer heads);
- :mod:`fts_share.audit.log`: ``record()`` and the signed tree heads, inside the caller's
  transaction;
- :mod:`fts_share.audit.verify`: full verification of the log from the database;
- :mod:`fts_share.audit.crosscheck`: partners' heads, consistency and split views;
- :mod:`fts_share.audit.query`, :mod:`~fts_share.audit.export`,
  :mod:`~fts_share.audit.report`: the reviewer's services.
"""

from fts_share.audit.errors import VerificationError

__all__ = ["VerificationError"]
