from fts_share.audit import log, merkle
from fts_share.audit.heads import verify_tree_head
from fts_share.storage.audit_store import audit_store


def test_record_and_proofs(store, key, verifier, clock):
    with store.transaction() as s:
        for i in range(13):
            log.record(audit_store(s), now=clock(i), actor="user:alice", action="open", object_type="notice",
                       object_id=f"n{i}", object_version=1, purpose="investigation",
                       legal_basis=["2178"])
        head = log.sign_tree_head(audit_store(s), now=clock(20), sign=key.sign, key_id="k1")
    with store.transaction() as s:
        for i in range(13, 21):
            log.record(audit_store(s), now=clock(i), actor="system", action="purge")
    with store.read() as s:
        from sqlalchemy import select

        from fts_share.storage.audit_tables import AuditEntry
        leaves = [e.leaf_hash for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
        assert len(leaves) == 21
        latest = log.latest_tree_head(audit_store(s))
        assert latest == head
        verify_tree_head(latest, verifier)
        assert head.root == merkle.root(leaves[:13])
        for n in range(1, 22):
            for i in range(n):
                p = log.inclusion_proof(audit_store(s), i, n)
                merkle.verify_inclusion(leaf_hash=leaves[i], index=i, size=n, proof=p,
                                        root=merkle.root(leaves[:n]))
            for m in range(n + 1):
                p = log.consistency_proof(audit_store(s), m, n)
                merkle.verify_consistency(first=m, second=n, first_root=merkle.root(leaves[:m]),
                                          second_root=merkle.root(leaves[:n]), proof=p)
