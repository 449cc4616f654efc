"""fts-share: a federated exchange of notices about foreign terrorist fighters.

Domain packages (``crypto``, ``federation``, ``matching``, ``audit``) never import
Flask; the HTTP layers live in ``api`` and ``web``.
"""

__version__ = "0.1.0"
