"""transparency-dev/merkle test data (RFC 9162 inclusion and consistency proofs, with the
corrupted-proof sets) against fts_share.audit.merkle. Source: tests/vectors/external/README.md.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from ext_node import VerificationError, merkle

DATA = Path(__file__).parent / "external" / "merkle"
INCLUSION = json.loads((DATA / "inclusion.json").read_text())["cases"]
CONSISTENCY = json.loads((DATA / "consistency.json").read_text())["cases"]

#: Cases where the node deliberately refuses what the Go verifier accepts: roots that are
#: not 32 bytes ("don't care" placeholders). A SHA-256 tree head is 32 bytes, and the
#: node refuses a hash of any other length before comparing anything (see merkle.py).
STRICTER = {"testdata/consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"}


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value is not None else b""


def _ids(cases: list[dict]) -> list[str]:
    return [c["path"].removeprefix("testdata/") for c in cases]


def test_counts() -> None:
    assert len(INCLUSION) == 98 and len(CONSISTENCY) == 98
    assert sum(not c["wantErr"] for c in INCLUSION) == 6
    assert sum(not c["wantErr"] for c in CONSISTENCY) == 6


@pytest.mark.parametrize("case", INCLUSION, ids=_ids(INCLUSION))
def test_inclusion(case: dict) -> None:
    def verify() -> None:
        merkle.verify_inclusion(leaf_hash=_b64(case["leafHash"]), index=case["leafIdx"],
                                size=case["treeSize"], root=_b64(case["root"]),
                                proof=[_b64(p) for p in case["proof"] or []])
    if case["wantErr"]:
        with pytest.raises(VerificationError):
            verify()
    else:
        verify()


@pytest.mark.parametrize("case", CONSISTENCY, ids=_ids(CONSISTENCY))
def test_consistency(case: dict) -> None:
    def verify(root1: bytes, root2: bytes) -> None:
        merkle.verify_consistency(first=case["size1"], second=case["size2"],
                                  first_root=root1, second_root=root2,
                                  proof=[_b64(p) for p in case["proof"] or []])
    root1, root2 = _b64(case["root1"]), _b64(case["root2"])
    if case["path"] in STRICTER:
        # The vector expects success for equal sizes, an empty proof and equal roots
        # of 12 bytes. The node refuses the malformed roots...
        assert not case["wantErr"] and root1 == root2 and len(root1) != merkle.HASH_SIZE
        with pytest.raises(VerificationError, match="expected 32 bytes"):
            verify(root1, root2)
        # ...and accepts the same case with well-formed equal roots.
        verify(merkle.EMPTY_ROOT, merkle.EMPTY_ROOT)
    elif case["wantErr"]:
        with pytest.raises(VerificationError):
            verify(root1, root2)
    else:
        verify(root1, root2)
