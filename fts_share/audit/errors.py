"""The audit package's one error: a proof, a tree head or a log that does not verify."""

from __future__ import annotations

from fts_share.errors import FtsError


class VerificationError(FtsError):
    """A Merkle proof, a signed tree head or a peer's head that does not verify.

    Raised by every strict verifier in :mod:`fts_share.audit` with a message of the form
    ``"<what>: expected X, got Y"``.
    """

    status = 422
    title = "Audit verification failed"
    slug = "audit-verification"
