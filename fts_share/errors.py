"""The one exception hierarchy of fts-share.

Every error the product raises on purpose derives from :class:`FtsError`. Each class
carries an HTTP status, a short title and a problem type slug; the API turns them into
RFC 9457 problem+json in exactly one place (``fts_share.api.problems``) and the CLI
catches the base class once (``fts_share.cli``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

PROBLEM_BASE = "https://fts-share.example/problems/"


class FtsError(Exception):
    """Base class: an error a user or a partner node may be shown."""

    status: int = 500
    title: str = "Internal error"
    slug: str = "internal"
    audit: dict[str, Any] | None = None
    """An audit entry (``fts_share.audit.log.record`` arguments) that must be written
    even though the action's transaction is rolled back: refused access."""

    def __init_subclass__(cls, *, status: int | None = None, title: str | None = None,
                          slug: str | None = None, **kwargs: Any) -> None:
        """Subclasses name their HTTP status, title and problem slug in the class line."""
        super().__init_subclass__(**kwargs)
        cls.status = status if status is not None else cls.status
        cls.title = title if title is not None else cls.title
        cls.slug = slug if slug is not None else cls.slug

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra: dict[str, Any] = extra

    def logged(self, **entry: Any) -> FtsError:
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


class ValidationError(FtsError, status=422, title="Invalid input", slug="validation"):
    """Input that does not satisfy a schema; ``errors`` maps field paths to messages."""

    def __init__(self, errors: Mapping[str, Any], detail: str | None = None) -> None:
        flat = flatten_errors(errors)
        fields = ", ".join(sorted(flat)) or "input"
        super().__init__(detail or f"invalid field(s): {fields}", errors=flat)
        self.errors = flat


class MalformedRequest(FtsError, status=400, title="Malformed request", slug="malformed"):
    """The body is not parseable (not JSON, wrong encoding, wrong content type)."""


class PayloadTooLarge(FtsError, status=413, title="Payload too large", slug="too-large"):
    """The body exceeds the configured limit."""


class Unauthenticated(FtsError, status=401, title="Authentication required",
                      slug="unauthenticated"):
    """No or bad credentials."""


class Forbidden(FtsError, status=403, title="Forbidden", slug="forbidden"):
    """Authenticated, but not allowed (role, handling rule, caveat)."""


class NotFound(FtsError, status=404, title="Not found", slug="not-found"):
    """No such object (or not visible to the caller)."""


class Conflict(FtsError, status=409, title="Conflict", slug="conflict"):
    """The request conflicts with the current state (stale version, withdrawn notice)."""


class Gone(FtsError, status=410, title="Gone", slug="gone"):
    """The object existed but its content was purged (review date, withdrawal)."""


class CryptoError(FtsError, status=400, title="Cryptographic verification failed", slug="crypto"):
    """Any cryptographic failure. Deliberately opaque: the reason is never exposed
    to the peer, only the fact that verification or decryption failed."""

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        # The detail stays local (logs, audit); to_problem() never shows it.
        super().__init__(detail or self.title, **extra)

    def to_problem(self) -> dict[str, Any]:
        return {"type": self.type_uri, "title": self.title, "status": self.status,
                "detail": self.title}


class RosterError(FtsError, status=403, title="Not on the coalition roster", slug="roster"):
    """A partner, key or roster document that is not valid on the pinned roster."""


class ProtocolError(FtsError, status=502, title="Federation protocol error", slug="protocol"):
    """A peer answered with something that breaks the federation protocol
    (truncated or reordered page, fork, bad cursor)."""


class ConfigError(FtsError, status=500, title="Configuration error", slug="config"):
    """A node home or configuration that cannot be used."""


class ImportFailed(FtsError, status=422, title="Import failed", slug="import"):
    """A watchlist or list file that cannot be imported; nothing was stored."""


#: An unknown member is named in the error only if its name looks like a field name; any
#: other (a name, a document number sent as a key) is reported as :data:`UNKNOWN_MEMBER`.
FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
UNKNOWN_MEMBER = "_unknown"
_UNKNOWN_MESSAGES = (["Unknown field."],)


def hide_odd_members(messages: Mapping[Any, Any]) -> dict[Any, Any]:
    """``messages`` with the keys of unknown members that are not field-like replaced,
    so that a problem document never echoes personal data sent as a member name."""
    safe: dict[Any, Any] = {}
    for key, value in messages.items():
        if isinstance(value, Mapping):
            value = hide_odd_members(value)
        elif value in _UNKNOWN_MESSAGES and not (isinstance(key, int)
                                                 or FIELD_NAME.match(str(key))):
            key = UNKNOWN_MEMBER
        safe[key] = value
    return safe


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


class RateLimited(FtsError, status=429, title="Too many requests", slug="rate-limited"):
    """A client over its rate limit; ``retry_after`` (seconds) is sent as Retry-After."""

    def __init__(self, detail: str | None = None, *, retry_after: int = 60) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Unavailable(FtsError, status=503, title="Service unavailable", slug="unavailable"):
    """The node cannot serve the request now: its store does not answer, or it is not
    ready (``/readyz``). Nothing was done; the client may retry after ``retry_after``
    seconds (sent as Retry-After)."""

    def __init__(self, detail: str | None = None, *, retry_after: int = 5,
                 **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after = retry_after


class StoreUnavailable(Unavailable):
    """The node's database does not answer (down, restarting, unreachable)."""


class StoreBusy(Unavailable):
    """A statement gave up waiting for a lock another transaction held; it was
    rolled back, and the same request may succeed a moment later."""


class RosterStale(Unavailable):
    """The roster in force is older than ``federation.roster_max_days``: the node
    neither polls nor serves partners until a fresher roster is imported. The problem
    names the roster (``roster_version``, ``roster_issued``)."""
