"""Reviewer services that need the node (its keys, its roster) around the audit core."""

from __future__ import annotations

from typing import Any, Callable

from fts_share.audit.verify import VerificationReport, verify_log
from fts_share.crypto.keys import PublicKey, verify_signature
from fts_share.errors import FtsError
from fts_share.node import Node


def key_lookup(node: Node) -> Callable[[str], Callable[[bytes, bytes], None] | None]:
    """Verifiers for this node's tree-head keys: the current one, and earlier ones as
    the roster lists them (after a rotation)."""

    def verifier(pub: PublicKey) -> Callable[[bytes, bytes], None]:
        return lambda sig, data: verify_signature(pub, sig, data)

    def lookup(kid: str) -> Callable[[bytes, bytes], None] | None:
        if kid == node.signing.kid:
            return verifier(node.signing.public())
        try:
            return verifier(node.roster.key(node.code, kid, use="sign").key)
        except FtsError:
            return None

    return lookup


def verify_node_log(node: Node) -> VerificationReport:
    """Recompute this node's audit tree and check every signed tree head."""
    with node.store.read() as session:
        return verify_log(session, lookup_key=key_lookup(node))


def report_json(report: VerificationReport) -> dict[str, Any]:
    """The verification report for the API and the CLI."""
    return report.to_json()
