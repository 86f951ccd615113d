"""Time one training epoch of mlplib, PyTorch (eager, CPU) and Keras side by side.

Usage (the first line: all configurations, a full MNIST epoch of 60,000 samples)::

    python benchmarks/train_epoch.py
    python benchmarks/train_epoch.py --samples 12000 --threads 1

For each configuration (sizes, batch size) the three frameworks start from the same
weights (mlplib.interop), see the same MNIST images in the same order, use plain SGD
(lr 0.01) and the softmax cross-entropy on logits, float32. Printed per framework:
seconds per epoch, the ratio to mlplib, the achieved rate (counted flops per epoch /
time) as a fraction of the float32 GEMM peak measured with NumPy in the same run, and
peak memory. A last table gives mlplib's time over the faster of PyTorch and Keras next
to the targets (``TARGETS``).

Threads: NumPy's BLAS (threadpoolctl), torch.set_num_threads and TensorFlow's
intra/inter-op pools are all set to ``--threads`` (default: the number of CPU cores).
Memory: each framework's epochs run in their own freshly started (spawned) child
process. After the data are loaded and the model built, the child resets its peak
resident set size (writing 5 to ``/proc/self/clear_refs``, Linux) and reports, after the
epochs, the peak (``VmHWM`` in ``/proc/self/status``) and how far it rose above the
resident size at the start of the epochs. The peak includes the Python interpreter, the
framework's libraries and the data (60,000 x 784 float32 = 180 MiB); the rise is what
training itself allocated.

Each epoch is run ``--repeats`` times (the same epoch, continuing from the trained
weights) and the fastest is reported: the machine may be busy with other work, which
only ever adds time.
"""

import argparse
import json
import multiprocessing as mp
import os
import resource
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault(
    "TF_ENABLE_ONEDNN_OPTS", "0"
)  # TF 2.21's oneDNN notice; and plain Eigen kernels, as in the book
import numpy as np  # noqa: E402

CONFIGS = [
    ((784, 16, 16, 10), 10),
    ((784, 16, 16, 10), 32),
    ((784, 16, 16, 10), 128),
    ((784, 256, 256, 10), 128),
]
# The targets: mlplib's time at most this fraction of the faster of PyTorch and Keras.
TARGETS = {
    ((784, 16, 16, 10), 10): 0.4,
    ((784, 16, 16, 10), 32): 0.4,
    ((784, 256, 256, 10), 128): 0.75,
}
LR = 0.01


def load(n):
    from mlplib.datasets import load_mnist

    (x, y), _ = load_mnist()
    return (x[:n].reshape(n, -1) / np.float32(255)).astype(np.float32), y[:n].astype(
        np.int64
    )


def set_threads(n):
    from threadpoolctl import threadpool_limits

    threadpool_limits(n)
    os.environ["OMP_NUM_THREADS"] = str(n)


def make_model(sizes):
    from mlplib import Sequential

    acts = ["relu"] * (len(sizes) - 2) + ["softmax"]
    return Sequential.from_sizes(list(sizes), acts, seed=0, dtype=np.float32)


def epoch_order(n, batch):
    from mlplib import data

    return list(data.minibatches(n, batch, seed=0))


def run_mlplib(sizes, batch, X, y, n_threads, repeats, start):
    from mlplib import optim, training

    model = make_model(sizes)
    opt = optim.SGD(model.parameters(), lr=LR)
    start()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        training.fit(
            model,
            X,
            y,
            "categorical_cross_entropy",
            opt,
            epochs=1,
            batch_size=batch,
            seed=0,
            progress=False,
        )
        times.append(time.perf_counter() - t)
    return times


def run_torch(sizes, batch, X, y, n_threads, repeats, start):
    import torch

    from mlplib import interop

    torch.set_num_threads(n_threads)
    torch.set_num_interop_threads(n_threads)
    net = interop.to_torch(make_model(sizes))[
        :-1
    ]  # logits; CrossEntropyLoss applies the softmax
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    ce = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    order = [torch.from_numpy(i) for i in epoch_order(len(X), batch)]
    start()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for (
            idx
        ) in order:  # the work of mlplib's train_step: gather, step, loss, accuracy
            xb, yb = Xt[idx], yt[idx]
            opt.zero_grad()
            out = net(xb)
            loss = ce(out, yb)
            loss.backward()
            opt.step()
            _ = loss.item(), int((out.argmax(1) == yb).sum())
        times.append(time.perf_counter() - t)
    return times


def run_keras(sizes, batch, X, y, n_threads, repeats, start):
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(n_threads)
    tf.config.threading.set_inter_op_parallelism_threads(n_threads)
    import keras

    from mlplib import interop

    km = interop.to_keras(make_model(sizes))
    km.compile(
        optimizer=keras.optimizers.SGD(learning_rate=LR),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    order = np.concatenate(epoch_order(len(X), batch))
    Xs, ys = X[order], y[order]  # mlplib's order; Keras then must not shuffle
    km.fit(
        Xs[:batch], ys[:batch], batch_size=batch, epochs=1, verbose=0, shuffle=False
    )  # trace the step
    start()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        km.fit(Xs, ys, batch_size=batch, epochs=1, verbose=0, shuffle=False)
        times.append(time.perf_counter() - t)
    return times


RUNNERS = {"mlplib": run_mlplib, "pytorch": run_torch, "keras": run_keras}


def child(name, sizes, batch, n, n_threads, repeats, queue):
    set_threads(n_threads)
    X, y = load(n)
    rss = {}

    # called by the runner once the model is built, just before the first timed epoch
    def start():
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write(
                    "5"
                )  # reset the peak resident set size (VmHWM) to the current size
        except OSError:
            pass
        rss["start"] = status_mib("VmRSS")

    times = RUNNERS[name](sizes, batch, X, y, n_threads, repeats, start)
    peak = status_mib("VmHWM")
    queue.put(
        {
            "seconds": min(times),
            "times": times,
            "peak_mib": peak,
            "rise_mib": peak - rss["start"],
        }
    )


def status_mib(field):
    """A size field of /proc/self/status (VmRSS, VmHWM) in MiB; ru_maxrss where /proc
    is absent."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(name, sizes, batch, n, n_threads, repeats):
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=child, args=(name, sizes, batch, n, n_threads, repeats, q))
    p.start()
    result = q.get()
    p.join()
    return result


def gemm_peak(n_threads):
    """The float32 GEMM peak that bounds every rate of the run: the best over square
    sizes and every matrix product the configurations' training steps execute, on
    ``n_threads`` and on one thread (``mlplib.perf.measure.gemm_peak``)."""
    from mlplib.perf import flops, measure

    shapes = sorted(
        {
            s
            for sizes, batch in CONFIGS
            for *_, s in flops.training_matmuls(sizes, batch)
        }
    )
    threads = tuple(dict.fromkeys((n_threads, 1)))
    return measure.gemm_peak(
        shapes, squares=(1000, 2000, 4000), dtype="float32", threads=threads
    )["gflops"]


def theoretical_gflops():
    """cores x clock x float32 flops per cycle, from /proc/cpuinfo (None if unknown)."""
    from mlplib.perf import hardware

    try:
        return hardware.theoretical_peak("float32")["gflops"]
    except (OSError, ValueError, KeyError):
        return None


def epoch_flops(sizes, batch, n):
    """Flops one epoch executes (``mlplib.perf.flops.mlp_flops``): the forward and
    backward matrix products a training step runs (no input gradient of the first
    layer), plus the biases."""
    from mlplib.perf.flops import mlp_flops

    total = 0
    for start in range(0, n, batch):
        rows = mlp_flops(sizes, min(batch, n - start))
        total += sum(
            r["forward_gemm"] + r["backward_gemm"] + r["bias"] + r["bias_grad"]
            for r in rows
        )
    return total


def report(sizes, batch, results, flops, peak):
    """Print one configuration's rows; return them as dicts."""
    base = results.get("mlplib", {}).get("seconds")
    rows = []
    for name, r in results.items():
        ratio = r["seconds"] / base if base else float("nan")
        pct = 100 * flops / r["seconds"] / 1e9 / peak
        net = "-".join(map(str, sizes))
        print(
            f"{net:<16}{batch:>6}  "
            f"{name:<9}{r['seconds']:>9.2f}{ratio:>10.2f}{pct:>8.2f}"
            f"{r['peak_mib']:>10.0f}{r['rise_mib']:>10.1f}",
            flush=True,
        )
        rows.append(
            {
                "sizes": sizes,
                "batch": batch,
                "framework": name,
                **r,
                "ratio_to_mlplib": ratio,
                "flops": flops,
                "percent_of_peak": pct,
            }
        )
    return rows


def summary(rows):
    """mlplib's time over the faster of PyTorch and Keras, next to the issue's
    target."""
    print("\nmlplib / fastest other framework (target)")
    for (sizes, batch), target in TARGETS.items():
        here = {
            r["framework"]: r["seconds"]
            for r in rows
            if r["sizes"] == sizes and r["batch"] == batch
        }
        others = [t for name, t in here.items() if name != "mlplib"]
        if "mlplib" in here and others:
            ratio = here["mlplib"] / min(others)
            net = "-".join(map(str, sizes))
            print(
                f"{net:<16}{batch:>6}  {ratio:.2f}x  (target <= {target}x, "
                f"{'met' if ratio <= target else 'missed'})"
            )


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=60000)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--frameworks", default="mlplib,pytorch,keras")
    ap.add_argument(
        "--repeats",
        type=int,
        default=2,
        help="epochs timed per framework; the fastest is reported",
    )
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args(argv)
    names = args.frameworks.split(",")
    peak = gemm_peak(args.threads)
    print(
        f"threads {args.threads} (BLAS, torch intra/inter-op, TF intra/inter-op); "
        f"samples per epoch {args.samples}"
    )
    theory = theoretical_gflops()
    print(
        f"float32 GEMM peak measured in this run (squares and the training shapes, "
        f"{args.threads} and 1 threads): {peak:.1f} GFLOP/s; theoretical: "
        + (f"{theory:.1f} GFLOP/s" if theory else "unknown (no clock reported)")
    )
    print(
        f"s/epoch: fastest of {args.repeats} epochs; memory: peak RSS of a fresh "
        "child process during the epochs, "
        "and its rise over the RSS at their start\n"
    )
    header = (
        f"{'network':<16}{'batch':>6}  "
        f"{'framework':<9}{'s/epoch':>9}{'x mlplib':>10}{'% peak':>8}"
        f"{'peak MiB':>10}{'rise MiB':>10}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for sizes, batch in CONFIGS:
        flops = epoch_flops(sizes, batch, args.samples)
        results = {
            name: measure(name, sizes, batch, args.samples, args.threads, args.repeats)
            for name in names
        }
        rows += report(sizes, batch, results, flops, peak)
    summary(rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {"gemm_peak_gflops": peak, "threads": args.threads, "rows": rows},
                f,
                indent=1,
            )


if __name__ == "__main__":
    sys.exit(main())
