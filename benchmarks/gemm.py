"""NumPy GEMM speed on this machine: GFLOP/s of float32 (sgemm) and float64 (dgemm) at N = 1000..6000.

    python benchmarks/gemm.py                 # full table, about 2 minutes on 2 cores
    python benchmarks/gemm.py --sizes 1000 2000 --repeats 2

Method (mlplib.measure.time_call): one untimed warm-up call per size, then ``--repeats`` timed calls
(fewer at the largest sizes, see ``--big-repeats``); the rate is 2 N^3 / median time. The machine's
measured peak, per precision, is the best single-run rate seen for any size in this run (sgemm peak
from the float32 runs, dgemm peak from the float64 runs), so "fraction of peak" compares each median
with the fastest GEMM of that precision this machine was seen to do. On a machine shared with other
busy processes the medians scatter and the fraction drops; run it on an idle machine.
"""
import argparse
import platform
import sys
import time

import numpy as np

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
from mlplib import measure  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 3000, 4000, 5000, 6000])
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per size up to N = 4000")
    parser.add_argument("--big-repeats", type=int, default=2, help="timed calls per size above N = 4000")
    parser.add_argument("--threads", type=int, default=None, help="limit BLAS threads (default: all)")
    args = parser.parse_args(argv)

    from threadpoolctl import threadpool_info

    blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
    print(f"NumPy {np.__version__}, BLAS: " + ", ".join(f"{p['internal_api']} {p['version']} "
          f"({p['architecture']}, {p['num_threads']} threads)" for p in blas))
    print(f"machine: {platform.machine()}, {platform.processor() or 'unknown CPU'}, date {time.strftime('%Y-%m-%d')}")
    print(f"thread limit for the runs: {args.threads or 'none (all BLAS threads)'}")
    results = {}
    for dtype in ("float32", "float64"):
        results[dtype] = [
            measure.gemm_rate(N, dtype, repeats=args.repeats if N <= 4000 else args.big_repeats,
                              warmup=1, n_threads=args.threads)
            for N in args.sizes
        ]
    peak = {dtype: measure.measured_peak(res) for dtype, res in results.items()}
    print(f"measured peak (best single run, any size): sgemm {peak['float32']:.1f} GFLOP/s, "
          f"dgemm {peak['float64']:.1f} GFLOP/s\n")
    print("GFLOP/s from the median time of the repeats (best run in brackets)")
    print(f"{'N':>6} {'sgemm GFLOP/s':>20} {'of peak':>8} {'dgemm GFLOP/s':>20} {'of peak':>8}")
    for r32, r64 in zip(results["float32"], results["float64"]):
        print(f"{r32['N']:>6} {r32['gflops']:>11.1f} ({r32['best_gflops']:>5.1f}) {r32['gflops'] / peak['float32']:>8.0%} "
              f"{r64['gflops']:>11.1f} ({r64['best_gflops']:>5.1f}) {r64['gflops'] / peak['float64']:>8.0%}")
    at4000 = [r for r in results["float32"] if r["N"] == 4000]
    if at4000:
        frac = at4000[0]["gflops"] / peak["float32"]
        print(f"\nsgemm at N = 4000: {frac:.0%} of the measured sgemm peak ({'meets' if frac >= 0.8 else 'MISSES'} the 80% bar)")
        return 0 if frac >= 0.8 else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
