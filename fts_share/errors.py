"""The one exception hierarchy of fts-share.

Every error the product raises on purpose derives from :class:`FtsError`. Each class
carries an HTTP status, a short title and a problem type slug; the API turns them into
RFC 9457 problem+json in exactly one place (``fts_share.api.problems``) and the CLI
catches the base class once (``fts_share.cli``).
"""

from __future__ import annotations

from typing import Any, Mapping

PROBLEM_BASE = "https://fts-share.example/problems/"


class FtsError(Exception):
    """Base class: an error a user or a partner node may be shown."""

    status: int = 500
    title: str = "Internal error"
    slug: str = "internal"
    audit: dict[str, Any] | None = None
    """An audit entry (``fts_share.audit.log.record`` arguments) that must be written
    even though the action's transaction is rolled back: refused access."""

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra: dict[str, Any] = extra

    def logged(self, **entry: Any) -> "FtsError":
        """Attach the audit entry of this refusal; returns the error for ``raise``."""
        self.audit = entry
        return self

    @property
    def type_uri(self) -> str:
        """The problem ``type`` URI of this error."""
        return PROBLEM_BASE + self.slug

    def to_problem(self) -> dict[str, Any]:
        """The RFC 9457 problem document for this error (without ``instance``)."""
        doc: dict[str, Any] = {
            "type": self.type_uri,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        doc.update(self.extra)
        return doc


class ValidationError(FtsError):
    """Input that does not satisfy a schema; ``errors`` maps field paths to messages."""

    status = 422
    title = "Invalid input"
    slug = "validation"

    def __init__(self, errors: Mapping[str, Any], detail: str | None = None) -> None:
        flat = flatten_errors(errors)
        fields = ", ".join(sorted(flat)) or "input"
        super().__init__(detail or f"invalid field(s): {fields}", errors=flat)
        self.errors = flat


class MalformedRequest(FtsError):
    """The body is not parseable (not JSON, wrong encoding, wrong content type)."""

    status = 400
    title = "Malformed request"
    slug = "malformed"


class PayloadTooLarge(FtsError):
    """The body exceeds the configured limit."""

    status = 413
    title = "Payload too large"
    slug = "too-large"


class Unauthenticated(FtsError):
    """No or bad credentials."""

    status = 401
    title = "Authentication required"
    slug = "unauthenticated"


class Forbidden(FtsError):
    """Authenticated, but not allowed (role, handling rule, caveat)."""

    status = 403
    title = "Forbidden"
    slug = "forbidden"


class NotFound(FtsError):
    """No such object (or not visible to the caller)."""

    status = 404
    title = "Not found"
    slug = "not-found"


class Conflict(FtsError):
    """The request conflicts with the current state (stale version, withdrawn notice)."""

    status = 409
    title = "Conflict"
    slug = "conflict"


class Gone(FtsError):
    """The object existed but its content was purged (review date, withdrawal)."""

    status = 410
    title = "Gone"
    slug = "gone"


class CryptoError(FtsError):
    """Any cryptographic failure. Deliberately opaque: the reason is never exposed
    to the peer, only the fact that verification or decryption failed."""

    status = 400
    title = "Cryptographic verification failed"
    slug = "crypto"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        # The detail stays local (logs, audit); to_problem() never shows it.
        super().__init__(detail or self.title, **extra)

    def to_problem(self) -> dict[str, Any]:
        return {"type": self.type_uri, "title": self.title, "status": self.status,
                "detail": self.title}


class RosterError(FtsError):
    """A partner, key or roster document that is not valid on the pinned roster."""

    status = 403
    title = "Not on the coalition roster"
    slug = "roster"


class ProtocolError(FtsError):
    """A peer answered with something that breaks the federation protocol
    (truncated or reordered page, fork, bad cursor)."""

    status = 502
    title = "Federation protocol error"
    slug = "protocol"


class ConfigError(FtsError):
    """A node home or configuration that cannot be used."""

    status = 500
    title = "Configuration error"
    slug = "config"


class ImportFailed(FtsError):
    """A watchlist or list file that cannot be imported; nothing was stored."""

    status = 422
    title = "Import failed"
    slug = "import"


def flatten_errors(errors: Mapping[str, Any], prefix: str = "") -> dict[str, list[str]]:
    """Flatten marshmallow-style nested error dicts into ``{"a.b.0.c": [msg, ...]}``."""
    flat: dict[str, list[str]] = {}
    for key, value in errors.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            flat.update(flatten_errors(value, path))
        elif isinstance(value, (list, tuple)):
            msgs: list[str] = []
            for item in value:
                if isinstance(item, Mapping):
                    flat.update(flatten_errors(item, path))
                else:
                    msgs.append(str(item))
            if msgs:
                flat[path] = msgs
        else:
            flat[path] = [str(value)]
    return flat
