"""The verifier's last step: the log against the heads partners witnessed, and the
head schedule.

Every head this node signs is stored here before anyone sees it, and partners keep the
heads they receive (:mod:`fts_share.audit.crosscheck`). So a validly signed head that a
partner holds proves what the log held at that size, whatever happened to this node's
store since: the log must still have at least that many entries, the same root at
that size, and the head itself among its stored heads. An attacker who cuts the log
and deletes the local heads is caught by the first partner that witnessed a later head.

With heads signed at every ``every`` entries (the node's ``[audit] head_every``, by
the poller-lock holder at its next tick), a log of ``count`` entries must also hold a
head of size at least ``count - count % every``: deleting the latest heads is seen
offline too. The newest such head may lag its entry by a tick: while that entry is
recent (``pending``), its absence is a warning.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fts_share.audit.epochs import RestoreMark, explaining
from fts_share.audit.errors import VerificationError
from fts_share.audit.heads import SignatureVerifier, SignedTreeHead, verify_tree_head
from fts_share.audit.problems import Problems
from fts_share.audit.store import HeadRecord

#: ``(partner code, head of this node that the partner witnessed)``.
Witnessed = tuple[str, SignedTreeHead]
#: ``root_at(size)``: the root recomputed from the entries (size <= the log's size).
RootAt = Callable[[int], bytes]


def check_witnessed(witnessed: Sequence[Witnessed], stored: Sequence[HeadRecord], *,
                    count: int, root_at: RootAt,
                    lookup_key: Callable[[str], SignatureVerifier | None],
                    problems: Problems, warnings: list[str],
                    restores: Sequence[RestoreMark] = ()) -> int:
    """Check each witnessed head against the log; return how many were checked.

    A head whose signature does not verify under this node's keys proves nothing about
    this log: it is a warning (the partner holds a forgery), not a problem. So is a
    head that a restore explains (``restores``: the restore entries whose attestation
    was checked): signed before the restore, beyond the snapshot it went back to.
    """
    held = {(row.size, row.root) for row in stored}
    checked = 0
    for partner, head in witnessed:
        label = f"signed tree head of size {head.size} witnessed by {partner}"
        verify = lookup_key(head.key_id)
        try:
            if verify is None:
                raise VerificationError(f"unknown key id {head.key_id}")
            verify_tree_head(head, verify)
        except VerificationError as exc:
            warnings.append(f"{label}: not signed by this node ({exc}); ignored")
            continue
        checked += 1
        if _explained(label, head, restores, count=count, root_at=root_at, held=held,
                      warnings=warnings):
            continue
        if head.size > count:
            problems.head(count, f"{label}: expected at least {head.size} entries, got {count} "
                                 f"(entries {count}..{head.size - 1} are missing: the log "
                                 f"was cut short)")
            continue
        want = root_at(head.size)
        if want != head.root:
            problems.head(0, f"{label}: expected root {head.root.hex()}, got {want.hex()} "
                             f"recomputed from the entries: the first {head.size} entries "
                             f"were rewritten")
        elif (head.size, head.root.hex()) not in held:
            problems.other(f"{label}: missing from this node's signed heads (heads were "
                           f"deleted)")
    return checked


def _explained(label: str, head: SignedTreeHead, restores: Sequence[RestoreMark], *,
               count: int, root_at: RootAt, held: set[tuple[int, str]],
               warnings: list[str]) -> bool:
    """Whether a restore explains a witnessed head that no longer matches (a warning
    naming it); a head that matches is not explained, it is checked as usual."""
    if not restores:
        return False
    if head.size > count or root_at(head.size) != head.root:
        mark = explaining(head, restores)
        what = "is from before"
    elif (head.size, head.root.hex()) not in held:
        mark = explaining(head, restores, beyond=False)
        what = "is missing from this node's signed heads, signed before"
    else:
        return False
    if mark is None:
        return False
    warnings.append(f"{label} {what} {mark.describe()}: the history the restore went "
                    f"back from, not tampering")
    return True


def check_schedule(stored: Sequence[HeadRecord], *, count: int, every: int,
                   problems: Problems, warnings: list[str],
                   pending: Callable[[int], bool] | None = None) -> None:
    """With heads signed at every ``every`` entries, a head of size at least the last
    multiple of ``every`` up to ``count`` must be stored.

    The schedule is required only once the log holds a head: a node upgraded from a
    version that signed heads only on request has no head at all until its first
    scheduled one (``head_interval`` after it starts, or its next multiple of
    ``every``). A log with no head at all is a warning, not a problem: offline, it
    cannot be told from a log whose every head was deleted; a partner's witnessed head
    tells them apart (:func:`check_witnessed`).
    """
    if every <= 0 or count < every:
        return
    due = count - count % every
    if not stored:
        warnings.append(f"signed tree heads: none stored for {count} entries (a head is "
                        f"signed at every {every} entries): expected after an upgrade until "
                        f"the node signs its first head, otherwise every head was deleted "
                        f"(the partners' witnessed heads show which)")
        return
    largest = max(row.size for row in stored)
    if largest < due and largest >= due - every and pending is not None and pending(due - 1):
        # The poller-lock holder signs the head at its next tick: not yet is not deleted.
        warnings.append(f"signed tree heads: the head of size {due} is not signed yet "
                        f"(entry {due - 1} was appended moments ago)")
        return
    if largest < due:
        problems.other(f"signed tree heads: expected one of size {due} or more (a head is "
                       f"signed at every {every} entries), got at most size {largest}: heads "
                       f"were deleted")
