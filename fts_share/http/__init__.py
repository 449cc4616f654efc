"""What the JSON API (``fts_share.api``) and the web pages (``fts_share.web``) share:
the request context (the node, the clock, units of work, request bodies) and the
authenticated caller. ``api`` and ``web`` both import this package, never each other.
"""
