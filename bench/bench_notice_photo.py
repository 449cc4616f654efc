"""Envelope bytes of a notice with the largest photo a node accepts (issue 17 item 4),
by audience size and recipient key kind: the envelope must stay within
``MAX_ENVELOPE_BYTES`` (1 MiB) for the roster's largest audience.

    python3 bench/bench_notice_photo.py

The photo is noise (it compresses as badly as a photo can), grown until its
re-encoded JPEG is just under ``PHOTO_MAX_BYTES`` (256 KiB); the notice also carries
the longest case summary (2,000 characters). Each line seals the notice, as the
node does, to N fresh recipient keys of one kind.
"""

from __future__ import annotations

import base64
import io
import sys
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from coalition import notice

from fts_share.clock import utcnow
from fts_share.config import DEFAULT_LEGAL_BASES, DEFAULT_PURPOSES
from fts_share.crypto.canonical import canonical_json
from fts_share.crypto.envelope import MAX_ENVELOPE_BYTES, Recipient, seal
from fts_share.crypto.keys import KeyKind, generate
from fts_share.notices.schemas import load_notice_input
from fts_share.notices.vocab import PHOTO_MAX_BYTES


def largest_photo() -> bytes:
    """A noise JPEG just under the limit once re-encoded."""
    side, best = 400, b""
    while True:
        out = io.BytesIO()
        Image.effect_noise((side, side), 70).convert("RGB").save(out, "JPEG", quality=88,
                                                                  optimize=True)
        if len(out.getvalue()) > PHOTO_MAX_BYTES - 4000:
            return best
        best, side = out.getvalue(), side + 20


def main() -> None:
    body = notice(recipients=["IRQ"])
    body["ext"] = {"case_summary": "x" * 2000, "photo": {
        "data": base64.b64encode(largest_photo()).decode(), "legal_basis": ["UNSCR-2396"]}}
    data = load_notice_input(body, legal_bases=DEFAULT_LEGAL_BASES, purposes=DEFAULT_PURPOSES,
                             photos=True)
    photo = data["ext"]["photo"]
    print(f"photo re-encoded: {len(base64.b64decode(photo['data']))} bytes, "
          f"{photo['width']} x {photo['height']} px, {len(photo['data'])} characters of base64")
    signer = generate(KeyKind.ED25519)
    print("| recipient keys | recipients | envelope bytes | share of 1 MiB |")
    print("|---|---|---|---|")
    for kind in (KeyKind.X25519, KeyKind.MLKEM768_X25519):
        keys = [generate(kind).public() for _ in range(200)]
        for n in (1, 50, 200):
            env = seal({"notice": data}, origin="FRA", seq=1, prev=None, created=utcnow(),
                       label="AMBER", kind="notice", signer=signer,
                       recipients=[Recipient(node=f"P{i:03d}", key=keys[i]) for i in range(n)])
            size = len(canonical_json(env))
            print(f"| {kind.value} | {n} | {size:,} | {size / MAX_ENVELOPE_BYTES:.0%} |")


if __name__ == "__main__":
    main()
