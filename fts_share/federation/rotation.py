"""The secretariat's roster edits for key changes: a partner's new keys (rotation) and a
compromised key (revocation). Each returns the draft of the next roster version, to be
signed with :func:`fts_share.federation.roster.sign_roster`.

Rotation lists the new keys from ``at`` and ends the window of the keys they replace
(same member, same use) at ``at + overlap``: what was signed with an old key before its
window ended stays verifiable, and a partner that has not yet imported the new roster
is not cut off at once. Revocation sets ``revoked_at``: from then on nothing is sealed
to the key and nothing dated later and signed with it is accepted.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from fts_share.clock import to_rfc3339
from fts_share.crypto.keys import PublicKey
from fts_share.errors import RosterError
from fts_share.federation.roster import roster_key_entry

_SIGNED = ("signature", "v", "secretariat")


def _next_draft(document: Mapping[str, Any], *, at: datetime) -> dict[str, Any]:
    """The body of ``document`` as the draft of its next version, issued at ``at``."""
    draft = {k: copy.deepcopy(v) for k, v in document.items() if k not in _SIGNED}
    try:
        draft["version"] = int(document["version"]) + 1
    except (KeyError, TypeError, ValueError) as exc:
        raise RosterError("roster: no version to follow") from exc
    draft["issued"] = to_rfc3339(at)
    return draft


def _member(draft: Mapping[str, Any], code: str) -> dict[str, Any]:
    for member in draft.get("members", []):
        if member.get("code") == code:
            return dict(member)
    raise RosterError(f"{code!r} is not on the roster")


def _open(entry: Mapping[str, Any]) -> bool:
    return entry.get("valid_until") is None and entry.get("revoked_at") is None


def _new_keys(public_keys: Mapping[str, Any], *, code: str) -> list[tuple[PublicKey, str]]:
    """The (key, use) pairs of a node's ``keys/public.json``."""
    if public_keys.get("code") not in (None, code):
        raise RosterError(f"these public keys are {public_keys.get('code')!r}'s, not {code!r}'s")
    try:
        new = [(PublicKey.from_json(public_keys["signing"]), "sign")]
        new += [(PublicKey.from_json(k), "encrypt") for k in public_keys["encryption"]]
    except (KeyError, TypeError) as exc:
        raise RosterError("public keys: expected 'signing' and 'encryption'") from exc
    return new


def rotate_keys(document: Mapping[str, Any], *, code: str, public_keys: Mapping[str, Any],
                at: datetime, overlap: timedelta = timedelta(days=7)) -> dict[str, Any]:
    """The next roster draft on which ``code`` holds the keys of ``public_keys`` (a
    node's ``keys/public.json``: ``signing`` and ``encryption``) from ``at``; each of
    its open keys of the same use that is not among them ends at ``at + overlap``."""
    new = _new_keys(public_keys, code=code)
    draft = _next_draft(document, at=at)
    member = _member(draft, code)
    entries = [dict(e) for e in member["keys"]]
    listed = {e["kid"] for e in entries}
    kept = {(key.kid, use) for key, use in new}
    end = to_rfc3339(at + overlap)
    for e in entries:
        replaced = any(use == e["use"] for _, use in new) and (e["kid"], e["use"]) not in kept
        if replaced and _open(e):
            e["valid_until"] = end
    entries += [roster_key_entry(key, use=use, valid_from=at)
                for key, use in new if key.kid not in listed]
    member["keys"] = entries
    draft["members"] = [member if m.get("code") == code else m for m in draft["members"]]
    return draft


def revoke_key(document: Mapping[str, Any], *, kid: str, at: datetime) -> dict[str, Any]:
    """The next roster draft on which key ``kid`` (of whichever partner) is revoked at
    ``at``: compromised, so nothing is sealed to it and nothing dated from ``at`` and
    signed with it is accepted."""
    draft = _next_draft(document, at=at)
    for member in draft.get("members", []):
        for entry in member.get("keys", []):
            if entry.get("kid") == kid:
                if entry.get("revoked_at") is None:
                    entry["revoked_at"] = to_rfc3339(at)
                return draft
    raise RosterError(f"key {kid!r} is not on the roster")
