"""Memory bandwidth of this machine with STREAM-style kernels written in NumPy.

    python benchmarks/stream.py                    # a few seconds
    python benchmarks/stream.py --n 67108864 --repeats 10 --json stream.json

Kernels (``mlplib.measure.stream_bandwidth``), on float64 vectors of ``--n`` entries
(default 2^24, 128 MiB each, far beyond any cache), with NumPy's in-place ``out=``:
copy ``c = a`` (2 words per entry), scale ``b = s c`` (2), add ``c = a + b`` (3), triad
``a = b + s c`` in one pass over memory (3, cache-sized chunks) and in two NumPy passes
(5: the temporary ``s c`` goes out to memory and comes back). Bytes are the words each
kernel reads and writes times 8; the rate is the best of ``--repeats`` runs after a
warm-up. The hidden read of each written cache line (write-allocate) is not counted,
as in STREAM, so these are lower bounds on what the memory bus carries; the last column
adds that one word per entry (each kernel writes one array it did not read first). The
true traffic lies between the two columns: non-temporal stores skip the read.
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from mlplib.perf import hardware, measure  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=2**24)
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--json", help="also write the results to this file")
    args = p.parse_args(argv)
    info = hardware.cpu_info()
    print(f"{info['model']}, {info['cores']} cores, date {time.strftime('%Y-%m-%d')}")
    print(f"vectors of {args.n:,} float64 ({args.n * 8 / 2**20:.0f} MiB each)")
    rows = measure.stream_bandwidth(args.n, args.repeats)
    print(f"{'kernel':<16}{'MB moved':>10}{'best ms':>10}{'GB/s':>8}{'+ w-alloc':>11}")
    for r in rows:
        words = r["bytes"] / (8 * args.n)
        r["GB/s write-allocate"] = r["GB/s"] * (words + 1) / words
        print(
            f"{r['kernel']:<16}{r['bytes'] / 1e6:>10.0f}{r['seconds'] * 1e3:>10.2f}"
            f"{r['GB/s']:>8.1f}{r['GB/s write-allocate']:>11.1f}"
        )
    triad = next(r for r in rows if r["kernel"] == "triad")
    top = max(r["GB/s write-allocate"] for r in rows)
    print(
        f"triad (STREAM's figure): {triad['GB/s']:.1f} GB/s; "
        f"most moved, write-allocate counted: {top:.1f} GB/s"
    )
    if args.json:
        Path(args.json).write_text(json.dumps({"cpu": info["model"], "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
