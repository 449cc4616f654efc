"""The ``@target-uri`` a partner signed, as this node rebuilds it (RFC 9421 §2.2.2).

A partner signs the full URI it requested: this node's public URL (the ``url`` of its
configuration, which the roster lists) followed by the path and query exactly as they
went on the wire. The server therefore never uses the ``Host`` header, which the
sender chooses freely, nor the decoded path and query that WSGI and Werkzeug hand to
views (``%27`` would become ``'``, ``%7E`` ``~``, ``%41`` ``A``, and the signature base
would differ from the one signed). It takes:

* the authority and scheme (and any path prefix) from the configured public URL;
* the request target as sent, from ``RAW_URI`` or ``REQUEST_URI`` (waitress, gunicorn
  and Werkzeug set them), without the mount point (``SCRIPT_NAME``) when a proxy
  passes it through; an absolute-form target contributes its path and query only;
* when the server gives no raw target, ``PATH_INFO`` percent-encoded again with RFC
  3986's unreserved and sub-delimiter characters left as they are, and
  ``QUERY_STRING``, which WSGI passes undecoded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

# RFC 3986 pchar without the percent sign: what a path may carry unencoded.
_PATH_SAFE = "/-._~!$&'()*+,;=:@"


def _raw_target(environ: Mapping[str, Any]) -> str | None:
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not isinstance(raw, str) or not raw:
        return None
    if raw.startswith("/"):
        return raw
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https"):
        return None  # "*" or something no partner signs: rebuild from PATH_INFO
    return (parts.path or "/") + ("?" + parts.query if "?" in raw else "")


def _rebuilt_target(environ: Mapping[str, Any]) -> str:
    path = str(environ.get("PATH_INFO", "") or "/")
    # WSGI strings carry the raw bytes as latin-1.
    quoted = quote(path.encode("latin-1", "replace"), safe=_PATH_SAFE)
    query = str(environ.get("QUERY_STRING", "") or "")
    return quoted + ("?" + query if query else "")


def request_target(environ: Mapping[str, Any]) -> str:
    """The path and query of this request as the client sent them, relative to the
    application's mount point."""
    raw = _raw_target(environ)
    if raw is None:
        return _rebuilt_target(environ)
    mount = quote(str(environ.get("SCRIPT_NAME", "") or "").encode("latin-1", "replace"),
                  safe=_PATH_SAFE).rstrip("/")
    if mount and (raw == mount or raw.startswith((mount + "/", mount + "?"))):
        raw = raw[len(mount):]
        if not raw.startswith("/"):
            raw = "/" + raw
    return raw


def target_uri(environ: Mapping[str, Any], public_url: str) -> str:
    """The ``@target-uri`` of this request: ``public_url`` (the node's configured URL,
    a trailing slash dropped) followed by the request target as sent."""
    return public_url.rstrip("/") + request_target(environ)
