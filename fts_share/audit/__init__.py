"""The tamper-evident audit trail: an RFC 9162 Merkle tree log with signed tree heads.

Modules, each readable alone (none imports Flask, SQLAlchemy or fts_share.storage):

- :mod:`fts_share.audit.merkle`: pure RFC 9162 §2.1 hashing and proofs;
- :mod:`fts_share.audit.entry`, :mod:`~fts_share.audit.heads`: what an entry and a signed
  tree head are, and their bytes;
- :mod:`fts_share.audit.store`: the store interface the room needs (implemented over the
  node database by :mod:`fts_share.storage.audit_store`);
- :mod:`fts_share.audit.log`: ``record()`` and the signed tree heads, inside the caller's
  transaction (:mod:`~fts_share.audit.frontier`: the log's right edge);
- :mod:`fts_share.audit.verify`: full verification of the log from its store
  (:mod:`~fts_share.audit.leaves`, :mod:`~fts_share.audit.treecheck`,
  :mod:`~fts_share.audit.problems`);
- :mod:`fts_share.audit.crosscheck`: partners' heads, consistency and split views;
- :mod:`fts_share.audit.query`, :mod:`~fts_share.audit.export`,
  :mod:`~fts_share.audit.report`: the reviewer's services.
"""

from fts_share.audit.errors import VerificationError

__all__ = ["VerificationError"]
