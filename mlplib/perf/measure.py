r"""Rates measured on this machine: GEMM speed over a sweep of shapes, memory bandwidth.

A GEMM ``(m, k) @ (k, n)`` does :math:`2mkn` flops
(:func:`mlplib.perf.flops.gemm_flops`); its rate is flops over time
(:func:`mlplib.perf.timing.time_call`). The measured compute peak is the best rate
over a sweep that includes the shapes a computation actually runs, so no measurement
of those shapes can exceed it by more than noise.

The bandwidth comes from STREAM-style kernels on vectors far larger than the caches,
each written with NumPy's in-place ``out=`` so that no temporary arrays are allocated;
the bytes counted are those the kernel reads and writes
(:data:`mlplib.perf.flops.STREAM_WORDS`).
"""

import operator

import numpy as np

from .flops import gemm_flops, gflops, stream_words
from .timing import threads, time_call

BACKENDS = ("numpy", "torch", "torch-cuda", "cupy")


def _shape(size):
    """``N`` means ``(N, N, N)``; a triple ``(m, k, n)`` is kept."""
    if isinstance(size, (tuple, list)):
        if len(size) != 3:
            raise ValueError(f"a GEMM shape is (m, k, n), got {size!r}")
        return tuple(int(s) for s in size)
    return (int(size),) * 3


def random_matrices(size, dtype="float32", backend="numpy", seed=0):
    """``A: (m, k)`` and ``B: (k, n)`` uniform in [0, 1) of ``dtype`` on ``backend``."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; expected one of {BACKENDS}")
    m, k, n = _shape(size)
    rng = np.random.default_rng(seed)
    A = rng.random((m, k)).astype(dtype)
    B = rng.random((k, n)).astype(dtype)
    if backend == "numpy":
        return A, B
    if backend.startswith("torch"):
        import torch

        device = "cuda" if backend == "torch-cuda" else "cpu"
        return torch.asarray(A, device=device), torch.asarray(B, device=device)
    import cupy

    return cupy.asarray(A), cupy.asarray(B)


def gemm_rate(
    size,
    dtype="float32",
    backend="numpy",
    warmup=1,
    repeats=3,
    sync=True,
    n_threads=None,
):
    """Time ``A @ B`` for ``size`` = ``N`` or ``(m, k, n)``: median and best GFLOP/s.

    ``n_threads`` limits the threads (:func:`mlplib.perf.timing.threads`);
    ``sync=False`` reproduces the timing mistake (meaningful only on a GPU).
    """
    m, k, n = _shape(size)
    A, B = random_matrices((m, k, n), dtype, backend)
    with threads(n_threads):
        t = time_call(operator.matmul, A, B, warmup=warmup, repeats=repeats, sync=sync)
    f = gemm_flops(m, n, k)
    return {
        "backend": backend,
        "dtype": str(dtype),
        "shape": (m, k, n),
        "N": m if m == k == n else None,
        "threads": n_threads,
        "seconds": t["median"],
        "gflops": gflops(f, t["median"]),
        "best_gflops": gflops(f, t["min"]),
        "times": t["times"],
    }


def sweep(sizes, dtype="float32", backend="numpy", warmup=1, repeats=3, n_threads=None):
    """:func:`gemm_rate` for each size (``N`` or ``(m, k, n)``) in ``sizes``."""
    return [
        gemm_rate(s, dtype, backend, warmup, repeats, n_threads=n_threads)
        for s in sizes
    ]


def measured_peak(*results):
    """The best rate of any run in any of the sweeps ``results``."""
    rates = [r["best_gflops"] for res in results for r in res]
    if not rates:
        raise ValueError("measured_peak: no measurements given")
    return max(rates)


def gemm_peak(
    shapes=(),
    squares=(256, 512, 1024, 2000),
    dtype="float32",
    repeats=3,
    threads=(None,),
    backend="numpy",
):
    """Best GEMM rate over square sizes, the ``(m, k, n)`` shapes and thread counts.

    Pass the shapes a computation runs (:func:`mlplib.perf.flops.training_matmuls`) and
    the thread counts it may run with (``None``: all), so the peak bounds its GEMMs;
    ``backend`` as in :func:`random_matrices` (a GPU is timed synchronised).
    Returns ``{"gflops": best, "sweep": [...]}``, the sweep in that order.
    """
    sizes = list(squares) + [_shape(s) for s in shapes]
    results = [
        r
        for n in threads
        for r in sweep(sizes, dtype, backend, repeats=repeats, n_threads=n)
    ]
    return {"gflops": measured_peak(results), "sweep": results}


def triad_blocked(a, b, c, s, block=2**16):
    """``a = b + s c`` in one pass over memory: chunks of ``block`` entries, whose
    temporary ``s c`` stays in the cache instead of going out to memory and back.

    Printed in chapters/07_blas_gpu.
    """
    tmp = np.empty(block, dtype=a.dtype)
    for i in range(0, a.size, block):
        t = tmp[: min(block, a.size - i)]
        np.multiply(c[i : i + block], s, out=t)
        np.add(t, b[i : i + block], out=a[i : i + block])
    return a


def _stream_kernels(a, b, c, s):
    """The STREAM kernels with NumPy in-place ``out=`` (no temporaries allocated)."""
    return {
        "copy": lambda: np.copyto(c, a),
        "scale": lambda: np.multiply(c, s, out=b),
        "add": lambda: np.add(a, b, out=c),
        "triad": lambda: triad_blocked(a, b, c, s),
        "triad_two_pass": lambda: np.add(np.multiply(c, s, out=a), b, out=a),
    }


def stream_bandwidth(n=2**24, repeats=5, dtype="float64"):
    """Best GB/s of the STREAM kernels on vectors of ``n`` entries.

    Each kernel's bytes are :func:`mlplib.perf.flops.stream_words` times the item size;
    the rate is the best of ``repeats`` runs after one warm-up. Returns one dict per
    kernel.
    """
    rng = np.random.default_rng(0)
    a, b, c = (rng.random(n).astype(dtype) for _ in range(3))
    item = np.dtype(dtype).itemsize
    rows = []
    for name, kernel in _stream_kernels(a, b, c, 3.0).items():
        t = time_call(kernel, warmup=1, repeats=repeats)["min"]
        nbytes = stream_words(name, n) * item
        rows.append(
            {"kernel": name, "bytes": nbytes, "seconds": t, "GB/s": nbytes / t / 1e9}
        )
    return rows
