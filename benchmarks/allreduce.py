"""All-reduce latency and bandwidth with torch.distributed (gloo) on this machine.

    python benchmarks/allreduce.py                    # 2 processes, 1 KB .. 64 MB
    python benchmarks/allreduce.py --nprocs 4 --max-mb 16 --json allreduce.json

Method: ``--nprocs`` processes (one thread each) join a gloo process group
(``mlplib.distributed.Cluster``); for each message size from 1 KB to ``--max-mb``
(powers of two) every rank times one warm-up and then several ``all_reduce`` calls
and keeps the median; the size's time is the slowest rank's
(``mlplib.distributed.measure_alpha_beta``, the code the book's data-parallel chapter
runs). The ring model T(n) = 2(p-1) alpha + 2 (p-1)/p n beta is fitted by least
squares on the relative error; the table shows each size's measured and modelled time
and the relative error, and the last line the fitted alpha (latency per message), beta
(seconds per byte; 1/beta is the bandwidth) and the fit error (max and rms of the
relative errors). On a machine shared with other work the small-message times vary.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from mlplib import distributed  # noqa: E402


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--nprocs", type=int, default=2, help="processes (default 2)")
    p.add_argument("--min-kb", type=float, default=1, help="smallest message, KB")
    p.add_argument("--max-mb", type=float, default=64, help="largest message, MB")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    p.add_argument("--timeout", type=float, default=300, help="seconds per run")
    p.add_argument("--json", help="also write the results to this file")
    return p.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    lo, hi = int(np.log2(args.min_kb * 2**10)), int(np.log2(args.max_mb * 2**20))
    sizes = [2**k for k in range(lo, hi + 1)]
    start = time.perf_counter()
    with distributed.Cluster(args.nprocs, timeout=args.timeout) as cluster:
        result = distributed.measure_alpha_beta(cluster, sizes, dtype=args.dtype)
    cores = os.cpu_count()
    print(f"all_reduce ({args.dtype}, gloo), {args.nprocs} processes, {cores} cores")
    print("\n".join(distributed.alpha_beta_table(result)))
    print(f"total {time.perf_counter() - start:.1f} s (with process start-up)")
    if args.json:
        keys = ("alpha", "beta", "bandwidth", "max_rel_err", "rms_rel_err", "p")
        out = {k: result[k] for k in keys}
        out.update(n_bytes=[int(n) for n in result["n_bytes"]], cores=cores)
        out.update(times=result["times"].tolist(), dtype=args.dtype)
        Path(args.json).write_text(json.dumps(out, indent=1))
    return result


if __name__ == "__main__":
    main()
