"""GEMM speed against the theoretical peak, over square and training shapes.

    python benchmarks/gemm.py                      # about a minute on 2 cores
    python benchmarks/gemm.py --squares 500 1000 --repeats 2 --json gemm.json

Method: for float32 and float64, ``mlplib.measure.gemm_peak`` times ``A @ B`` (one
warm-up, ``--repeats`` timed calls) at square sizes and at every matrix product one
training step of ``--sizes`` at ``--batch`` executes (``mlplib.flops.training_matmuls``:
forward, ``dW``, and ``dX`` except in the first layer). The rate is ``2 m k n`` over the
time; the measured peak is the best run. The theoretical peak is cores x clock x flops
per cycle read from /proc/cpuinfo (``mlplib.hardware``); where the system reports only
its nominal clock (virtual machines), turbo can take a measurement above it, and the
clock the best run implies is printed.
"""

import argparse
import json
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from mlplib.perf import flops, hardware, measure  # noqa: E402


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--squares", type=int, nargs="+", default=[256, 512, 1000, 2000, 4000]
    )
    p.add_argument("--sizes", type=int, nargs="+", default=[784, 256, 256, 10])
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--backend", choices=measure.BACKENDS, default="numpy")
    p.add_argument("--json", help="also write the results to this file")
    return p.parse_args(argv)


def report(dtype, peak, theory):
    head = f"{'m x k x n':>18} {'median GFLOP/s':>15} {'best':>8} {'of theory':>10}"
    print(f"\n{dtype}: {head}")
    for r in peak["sweep"]:
        shape = "x".join(map(str, r["shape"]))
        share = r["best_gflops"] / theory["gflops"]
        rates = f"{r['gflops']:>15.1f} {r['best_gflops']:>8.1f}"
        print(f"{'':9}{shape:>18} {rates} {share:>10.0%}")
    ghz = hardware.implied_ghz(peak["gflops"], theory)
    share = peak["gflops"] / theory["gflops"]
    print(f"best {peak['gflops']:.1f} GFLOP/s = {share:.0%} of the theoretical")
    print(f"{theory['gflops']:.1f} GFLOP/s; it needs a clock of at least {ghz:.2f} GHz")


def main(argv=None):
    args = parse(argv)
    info = hardware.cpu_info()
    shapes = sorted({s for _, _, s in flops.training_matmuls(args.sizes, args.batch)})
    print(
        f"{platform.machine()}, {info['model']}, {info['cores']} cores, clock "
        f"{info['ghz']:.2f} GHz ({info['clock_source']}), {time.strftime('%Y-%m-%d')}"
    )
    results = {"cpu": {k: v for k, v in info.items() if k != "flags"}, "runs": {}}
    results["backend"], results["date"] = args.backend, time.strftime("%Y-%m-%d")
    if args.backend == "torch-cuda":
        import torch

        results["device"] = torch.cuda.get_device_name()
        print(
            f"device: {results['device']} (no theoretical peak: the CPU's is not its)"
        )
    for dtype in ("float32", "float64"):
        peak = measure.gemm_peak(
            shapes, args.squares, dtype, args.repeats, backend=args.backend
        )
        theory = hardware.theoretical_peak(dtype, info)
        if args.backend in ("numpy", "torch"):
            report(dtype, peak, theory)
        else:
            for r in peak["sweep"]:
                print(f"{dtype} {r['shape']}: best {r['best_gflops']:.1f} GFLOP/s")
        results["runs"][dtype] = {"theoretical_cpu": theory, **peak}
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
