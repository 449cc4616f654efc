"""Who the client is: its address, behind trusted reverse proxies only.

The client address is the TCP peer. Only when the peer is one of the configured
``limits.trusted_proxies`` (addresses or networks) is ``X-Forwarded-For`` believed,
read from the right: the first hop that is not a trusted proxy is the client. A client
cannot choose its own address by sending the header itself.
"""

from __future__ import annotations

import ipaddress
from typing import cast

from flask import Flask, current_app, request

from fts_share.errors import ConfigError

EXTENSION = "fts_share_proxies"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """Parse the trusted proxies (ConfigError naming the setting if one is not valid)."""
    try:
        return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries)
    except ValueError as exc:
        raise ConfigError(f"limits.trusted_proxies: {exc}") from None


def _is_trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)


def forwarded_client(peer: str, forwarded: list[str], trusted: tuple[Network, ...]) -> str:
    """The client behind ``peer``: ``peer`` itself unless it is a trusted proxy; then
    the right-most hop of ``forwarded`` (X-Forwarded-For values) that is not a trusted
    proxy. A malformed hop ends the walk at the last trusted one."""
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    hops = [h.strip() for value in forwarded for h in value.split(",") if h.strip()]
    last = peer
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return last
        if not _is_trusted(hop, trusted):
            return hop
        last = hop
    return last


def client_address() -> str:
    """The address of this request's client (see the module's description)."""
    peer = str(request.environ.get("REMOTE_ADDR") or "unknown")
    trusted = cast("tuple[Network, ...]", current_app.extensions.get(EXTENSION, ()))
    return forwarded_client(peer, request.headers.getlist("X-Forwarded-For"), trusted)[:64]


def init_app(app: Flask, trusted_proxies: tuple[str, ...]) -> None:
    """Remember the trusted proxies of ``app``."""
    app.extensions[EXTENSION] = networks(trusted_proxies)
