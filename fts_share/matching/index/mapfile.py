"""A file of aligned numpy sections that processes map rather than read.

Layout::

    b"FTS-MAPPED-INDEX"                 magic (16 bytes)
    8 bytes, little-endian              length of the header
    header (JSON, UTF-8)                {"format", "version", "meta": {...},
                                         "sections": [{name, dtype, shape, offset}]}
    32 bytes                            SHA-256 of the header bytes
    sections                            each at an offset that is a multiple of 64

:func:`open_sections` maps the file read-only (``mmap``) and gives each section as a
read-only numpy array over the mapping: nothing is copied or decoded, so every
process mapping the same file shares its pages through the OS page cache. The
header and its section table are checked (magic, checksum, dtypes, every section
inside the file); the section data are not read, so a damaged data page is not
detected (a snapshot is written atomically and never changed in place).

Strings are stored as a :class:`StringTable` (offsets and UTF-8 bytes), looked up by
a :class:`HashIndex` (sorted 64-bit hashes, binary search, checked against the
string), so that no dictionary is built when the file is opened.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import struct
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from fts_share.errors import ValidationError

MAGIC = b"FTS-MAPPED-INDEX"
#: the layout's version: 2 added the masks of the fat postings' entries
#: (``arrays.post_start``, ``post_mask``, ``post_at``); a file of another is refused
VERSION = 2
ALIGN = 64
MAX_HEADER = 1 << 22
#: lookups a :class:`HashIndex` remembers
MEMO = 1 << 16
DTYPES = frozenset({"<i1", "<i4", "<i8", "<u1", "<u4", "<u8", "<f4", "<f8", "|b1", "|i1",
                    "|u1"})


def bad(message: str) -> ValidationError:
    """The one error a refused snapshot file raises (field ``path``)."""
    return ValidationError({"path": [message]})


def key_hash(key: str) -> int:
    """The 64-bit hash a :class:`HashIndex` files a string under."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogatepass"),
                                          digest_size=8).digest(), "little")


def string_sections(name: str, strings: Sequence[str], *, indexed: bool = False
                    ) -> dict[str, np.ndarray]:
    """The sections of a string table ``name`` (and of its hash index)."""
    raw = [s.encode("utf-8", "surrogatepass") for s in strings]
    offsets = np.zeros(len(raw) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in raw], out=offsets[1:])
    out: dict[str, np.ndarray] = {f"{name}.offsets": offsets,
           f"{name}.bytes": np.frombuffer(b"".join(raw), dtype=np.uint8)}
    if indexed:
        hashes = np.fromiter((key_hash(s) for s in strings), dtype=np.uint64,
                             count=len(strings))
        order = np.argsort(hashes, kind="stable")
        out[f"{name}.hashes"] = hashes[order]
        out[f"{name}.order"] = order.astype(np.int64)
    return out


class StringTable(Sequence[str]):
    """Strings by id, decoded one at a time from a mapped offsets + bytes pair."""

    def __init__(self, sections: dict[str, np.ndarray], name: str) -> None:
        off, raw = sections[f"{name}.offsets"], sections[f"{name}.bytes"]
        if len(off) == 0 or off[-1] > len(raw):
            raise bad(f"section {name}: offsets beyond the strings")
        self._off = off.data
        self._bytes = raw.data

    def __len__(self) -> int:
        return len(self._off) - 1

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        return str(self._bytes[self._off[i]:self._off[i + 1]], "utf-8", "surrogatepass")


class HashIndex:
    """String -> id over a :class:`StringTable` (``get``; ``None`` if absent)."""

    def __init__(self, sections: dict[str, np.ndarray], name: str,
                 table: StringTable | None = None) -> None:
        self.table = table or StringTable(sections, name)
        self._memo: dict[str, int | None] = {}
        self._hashes = sections[f"{name}.hashes"]
        self._order = sections[f"{name}.order"]
        if len(self._hashes) != len(self.table) or len(self._order) != len(self.table):
            raise bad(f"section {name}: hash index does not match the strings")

    def get(self, key: str, default: int | None = None) -> int | None:
        """The id of ``key``, or ``default`` (memoised: the same keys come back)."""
        found = self._memo.get(key, -1)
        if found == -1:
            found = self._find(key)
            if len(self._memo) >= MEMO:
                self._memo.clear()
            self._memo[key] = found
        return default if found is None else found

    def _find(self, key: str) -> int | None:
        h = np.uint64(key_hash(key))
        lo = int(np.searchsorted(self._hashes, h, side="left"))
        n = len(self._hashes)
        while lo < n and self._hashes[lo] == h:
            i = int(self._order[lo])
            if self.table[i] == key:
                return i
            lo += 1
        return None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __len__(self) -> int:
        return len(self.table)


def write_sections(path: str, meta: dict[str, Any],
                   sections: Iterable[tuple[str, np.ndarray]]) -> None:
    """Write ``sections`` (name, array) and ``meta`` to ``path`` atomically (a
    temporary file beside it, flushed, then renamed over it)."""
    arrays = [(name, np.ascontiguousarray(arr)) for name, arr in sections]
    table: list[dict[str, Any]] = []
    pos = 0
    for name, arr in arrays:
        dtype = arr.dtype.newbyteorder("<").str if arr.dtype.byteorder not in "|" \
            else arr.dtype.str
        if dtype not in DTYPES:
            raise ValueError(f"section {name}: unsupported dtype {arr.dtype}")
        table.append({"name": name, "dtype": dtype, "shape": list(arr.shape),
                      "offset": pos})
        pos += -(-arr.nbytes // ALIGN) * ALIGN
    header = json.dumps({"format": "fts-share-mapped-index", "version": VERSION, "meta": meta,
                         "sections": table}, ensure_ascii=False, separators=(",", ":"),
                        sort_keys=True).encode()
    lead = len(MAGIC) + 8 + len(header) + 32
    start = -(-lead // ALIGN) * ALIGN
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as fh:
            fh.write(MAGIC + struct.pack("<Q", len(header)) + header
                     + hashlib.sha256(header).digest())
            fh.write(b"\0" * (start - lead))
            for (_, arr), entry in zip(arrays, table):
                fh.seek(start + entry["offset"])
                fh.write(arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes())
            fh.truncate(start + pos)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class Sections:
    """A mapped file: its ``meta`` and its sections (read-only numpy arrays)."""

    def __init__(self, meta: dict[str, Any], arrays: dict[str, np.ndarray],
                 handle: mmap.mmap | None, size: int) -> None:
        self.meta = meta
        self.arrays = arrays
        self.size = size
        self._handle = handle

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.arrays[name]
        except KeyError:
            raise bad(f"missing section {name!r}") from None


def open_sections(path: str) -> Sections:
    """Map ``path`` read-only and check its header (see the module docstring); a file
    that is not one, truncated or with a corrupt header raises ``ValidationError``."""
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            doc, lead = _header(fh)
            handle = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError, struct.error) as exc:
        if isinstance(exc, ValidationError):
            raise
        raise bad(f"not a mapped index file: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != "fts-share-mapped-index":
        raise bad("not a mapped index file")
    if doc.get("version") != VERSION:
        raise bad(f"unsupported mapped index version {doc.get('version')!r}")
    meta = doc.get("meta")
    if not isinstance(meta, dict):
        raise bad("mapped index file: no meta")
    start = -(-lead // ALIGN) * ALIGN
    try:
        arrays = dict(_section(entry, handle, start, size) for entry in doc["sections"])
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ValidationError):
            raise
        raise bad(f"mapped index file: bad section table ({exc!r})"[:200]) from None
    return Sections(meta, arrays, handle, size)


def _header(fh: Any) -> tuple[Any, int]:
    """The decoded header of an open file (its checksum checked), and its end."""
    head = fh.read(len(MAGIC) + 8)
    if len(head) < len(MAGIC) + 8 or head[:len(MAGIC)] != MAGIC:
        raise bad("not a mapped index file")
    (hlen,) = struct.unpack("<Q", head[len(MAGIC):])
    if hlen > MAX_HEADER:
        raise bad("not a mapped index file: header too large")
    header = fh.read(hlen)
    if len(header) != hlen or hashlib.sha256(header).digest() != fh.read(32):
        raise bad("mapped index file: header checksum does not match")
    return json.loads(header), len(MAGIC) + 8 + hlen + 32


def _section(entry: dict[str, Any], handle: mmap.mmap, start: int, size: int
             ) -> tuple[str, np.ndarray]:
    """One section of the table, as a read-only array over the mapping."""
    name, dtype, shape, off = (str(entry["name"]), str(entry["dtype"]),
                               [int(x) for x in entry["shape"]], int(entry["offset"]))
    if dtype not in DTYPES or off < 0 or off % ALIGN or any(x < 0 for x in shape):
        raise bad(f"section {name!r}: bad entry")
    count = int(np.prod(shape, dtype=np.int64))
    if start + off + count * np.dtype(dtype).itemsize > size:
        raise bad(f"section {name!r} is truncated")
    if count == 0:
        arr = np.zeros(shape, dtype=dtype)
        arr.flags.writeable = False
        return name, arr
    return name, np.frombuffer(handle, dtype=dtype, count=count,
                               offset=start + off).reshape(shape)
