"""Abuse limits (flask-limiter) and who the client is.

Two limits, configured in the node's ``[limits]`` section
(:class:`~fts_share.config.LimitsSettings`):

- ``per_address``: every request of one client address, checked before anything else
  (flask-limiter's application limit);
- ``per_client``: every authenticated request of one bearer token or one partner
  signing key, checked by :func:`check_client` once the credentials are verified, so
  that an unverified header can neither spend another client's allowance nor escape
  its own address's.

The client address is :func:`fts_share.http.clients.client_address` (X-Forwarded-For
believed from trusted proxies only).

A request over a limit is answered 429 with ``Retry-After``, as problem+json, through
:mod:`fts_share.api.problems`. Counters live in each worker's memory by default (the
limit is per worker); a Redis ``storage_uri`` shares them.

The default ``memory://`` is served by :class:`SweptMemoryStorage`: the ``limits``
package's in-memory storage starts a timer thread to drop expired counters whenever
the last one has finished (every 10 ms under load, so nearly a thread per request),
which cost more throughput than the counting itself (docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from dataclasses import dataclass
from typing import cast

from flask import Blueprint, Flask, current_app, request
from flask_limiter import Limiter, RequestLimit
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage

from fts_share.config import LimitsSettings
from fts_share.errors import ConfigError, RateLimited
from fts_share.http import clients, refused
from fts_share.http.callers import Caller

EXTENSION = "fts_share_limits"
_KEYID = re.compile(r'keyid="([^"]{1,200})"')


class SweptMemoryStorage(MemoryStorage):
    """``limits``' in-memory storage without a timer thread per expiry: expired
    counters are still ignored when read (as in ``MemoryStorage``), and swept from
    memory inline, at most once every :attr:`SWEEP_SECONDS`."""

    STORAGE_SCHEME = ["fts-memory"]  # noqa: RUF012 - the limits package declares it so
    SWEEP_SECONDS = 1.0
    _swept = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the timer thread
        now = time.monotonic()
        if now - self._swept >= self.SWEEP_SECONDS:
            self._swept = now
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def _storage_uri(settings: LimitsSettings) -> str:
    return "fts-memory://" if settings.storage_uri == "memory://" else settings.storage_uri


@dataclass
class LimitState:
    """A running app's limiter, its per-client limits and its trusted proxies."""

    limiter: Limiter
    per_client: list[RateLimitItem]
    enabled: bool


def _state() -> LimitState:
    return cast(LimitState, current_app.extensions[EXTENSION])


def _retry_after(reset_at: float) -> int:
    return max(1, math.ceil(reset_at - time.time()))


def client_key(caller: Caller) -> str:
    """The per-client limit's key of a verified caller: the partner's signing key id,
    or a digest of the bearer token (never the token)."""
    if caller.kind == "node":
        found = _KEYID.search(request.headers.get("Signature-Input", ""))
        return "key:" + (found.group(1) if found else caller.name)
    token = request.headers.get("Authorization", "").partition(" ")[2].strip()
    return "token:" + hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def check_client(caller: Caller) -> None:
    """Count this request against ``caller``'s own limit; :class:`RateLimited` if over."""
    state = _state()
    if not state.enabled:
        return
    strategy = state.limiter.limiter
    key = client_key(caller)
    for item in state.per_client:
        if not strategy.hit(item, "client", key):
            stats = strategy.get_window_stats(item, "client", key)
            refused.count("rate limited (client)")
            raise RateLimited("too many requests from this client",
                              retry_after=_retry_after(stats.reset_time))


def breach() -> RateLimited:
    """The error of a request the per-address limit refused (for the problem mapping)."""
    found = _state().limiter.current_limit
    retry = _retry_after(found.reset_at) if found is not None else 60
    return RateLimited("too many requests from this address", retry_after=retry)


def _on_breach(limit: RequestLimit) -> None:
    refused.count("rate limited (address)")


def _per_client(settings: LimitsSettings) -> list[RateLimitItem]:
    for name in ("per_address", "per_client"):
        try:
            parse_many(getattr(settings, name))
        except ValueError as exc:
            raise ConfigError(f"limits.{name}: {exc}") from None
    return list(parse_many(settings.per_client))


def exempt(app: Flask, bp: Blueprint) -> None:
    """Keep the routes of ``bp`` out of every limit (the operator's probes)."""
    cast(LimitState, app.extensions[EXTENSION]).limiter.exempt(bp)


def init_app(app: Flask, settings: LimitsSettings) -> None:
    """Bind the limiter to ``app`` with the node's settings."""
    per_client = _per_client(settings)
    clients.init_app(app, settings.trusted_proxies)
    limiter = Limiter(clients.client_address, app=app, application_limits=[settings.per_address],
                      storage_uri=_storage_uri(settings), strategy=settings.strategy,
                      headers_enabled=False, on_breach=_on_breach, key_prefix="fts",
                      enabled=settings.enabled)
    app.extensions[EXTENSION] = LimitState(limiter=limiter, per_client=per_client,
                                           enabled=settings.enabled)
