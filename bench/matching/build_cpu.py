"""CPU of the index build alone (issue 16): ``add_many`` of the first N records of
``scale_real.recombined`` (pickled in /tmp after the first run), then ``arrays()``;
peak RSS; ``dump`` also prints a sha256 of every array of the snapshot (to check
that two engines build the same index), ``prof`` writes a pyinstrument profile::

    PYTHONPATH=ENGINE python3 bench/matching/build_cpu.py ENGINE 100000 [time|dump|prof]
"""

import dataclasses
import hashlib
import pickle
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    eng, n = sys.argv[1], int(sys.argv[2])
    mode = sys.argv[3] if len(sys.argv) > 3 else "time"
    sys.path[:0] = [eng, str(HERE)]
    cache = Path(f"/tmp/build-cpu-recs{n}.pkl")
    if cache.exists():
        records = pickle.loads(cache.read_bytes())
    else:
        import scale_real
        records = scale_real.recombined(scale_real.list_people(scale_real.DATA), n)
        cache.write_bytes(pickle.dumps(records))
    import numpy as np

    from fts_share.matching import NameIndex
    from fts_share.matching.index.bulk import add_many
    idx = NameIndex()
    prof = None
    if mode == "prof":
        from pyinstrument import Profiler
        prof = Profiler(interval=0.001)
        prof.start()
    c0 = time.process_time()
    add_many(idx, records)
    c1 = time.process_time()
    arrays = idx.arrays()
    c2 = time.process_time()
    if prof is not None:
        prof.stop()
        Path(f"/tmp/build-cpu-prof{n}.txt").write_text(prof.output_text(unicode=True))
    print({"engine": eng, "add_cpu_s": round(c1 - c0, 2), "arrays_cpu_s": round(c2 - c1, 2),
           "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024})
    if mode == "dump":
        h = hashlib.sha256()
        for f in dataclasses.fields(arrays):
            v = getattr(arrays, f.name)
            if isinstance(v, np.ndarray):
                h.update(f.name.encode() + str(v.dtype).encode() + v.tobytes())
        print("arrays sha256", h.hexdigest())


if __name__ == "__main__":
    main()
