r"""Measuring speed honestly: a timer with warm-up, repeats and the median, and GFLOP/s sweeps.

Three rules:

1. **Warm up.** The first call pays one-off costs (allocating memory, starting threads, loading a
   GPU kernel or creating a cuBLAS handle); run it before the clock starts.
2. **Repeat and take the median.** One run is one sample of a noisy quantity; the median of
   several ignores the odd slow run (another process, a frequency change).
3. **Synchronise the device.** A GPU call such as ``torch.matmul`` only *launches* the work and
   returns at once; the clock must stop after the GPU has finished, i.e. after
   ``torch.cuda.synchronize()`` (CuPy: the stream's ``synchronize()``). Without it the timer measures
   the launch, and the GFLOP/s come out absurdly high. NumPy and PyTorch on the CPU are synchronous.

The GEMM rate is :math:`2N^3 / t` flops per second (:func:`mlplib.flops.gemm_flops`).
"""
import contextlib
import statistics
import time

import numpy as np

from .flops import gemm_flops, gflops

try:  # the detectors come from array-api-compat; kept as module attributes so tests can replace them
    from array_api_compat import is_cupy_array, is_torch_array
except ImportError:  # pragma: no cover - array-api-compat is a dependency
    def is_torch_array(x):
        return type(x).__module__.startswith("torch")

    def is_cupy_array(x):
        return type(x).__module__.startswith("cupy")


def synchronize(*arrays):
    """Wait until the device holding each array has finished its queued work; return how many syncs ran.

    PyTorch CUDA tensors: ``torch.cuda.synchronize(device)``. CuPy arrays: the current stream's
    ``synchronize()``. NumPy arrays, CPU tensors and other values: nothing to wait for.
    """
    n = 0
    for x in arrays:
        if is_torch_array(x) and x.device.type == "cuda":
            import torch

            torch.cuda.synchronize(x.device)
            n += 1
        elif is_cupy_array(x):
            import cupy

            cupy.cuda.get_current_stream().synchronize()
            n += 1
    return n


def _flatten(value):
    if isinstance(value, (tuple, list)):
        return [v for item in value for v in _flatten(item)]
    return [value]


def time_call(fn, *args, warmup=1, repeats=5, sync=True):
    """Time ``fn(*args)``: ``warmup`` untimed calls, then ``repeats`` timed ones.

    With ``sync=True`` the device of the arguments is synchronised before the clock starts and the
    device of the arguments and the result before it stops (:func:`synchronize`), so a GPU call is
    timed to completion. Returns ``{"median": s, "min": s, "times": [s, ...]}`` in seconds.
    """
    if not (isinstance(repeats, int) and repeats >= 1):
        raise ValueError(f"time_call: repeats must be an integer >= 1, got {repeats!r}")
    if not (isinstance(warmup, int) and warmup >= 0):
        raise ValueError(f"time_call: warmup must be an integer >= 0, got {warmup!r}")
    wait = synchronize if sync else (lambda *a: 0)
    for _ in range(warmup):
        wait(*_flatten(fn(*args)), *args)
    times = []
    for _ in range(repeats):
        wait(*args)
        start = time.perf_counter()
        out = fn(*args)
        wait(*_flatten(out), *args)
        times.append(time.perf_counter() - start)
    return {"median": statistics.median(times), "min": min(times), "times": times}


def launch_vs_complete(fn, *args, warmup=1, repeats=5):
    """The slides' mistake, measured: time ``fn(*args)`` without and with device synchronisation.

    Returns ``{"unsynchronised": median s, "synchronised": median s}``. On a GPU the first is the
    launch only; on a CPU (synchronous) the two agree.
    """
    unsync = time_call(fn, *args, warmup=warmup, repeats=repeats, sync=False)
    synchronize(*args)
    done = time_call(fn, *args, warmup=warmup, repeats=repeats, sync=True)
    return {"unsynchronised": unsync["median"], "synchronised": done["median"]}


@contextlib.contextmanager
def threads(n):
    """Limit BLAS/OpenMP thread pools (threadpoolctl) and PyTorch's intra-op threads to ``n`` inside the block.

    ``n=None`` leaves everything as it is.
    """
    if n is None:
        yield
        return
    if not (isinstance(n, int) and n >= 1):
        raise ValueError(f"threads: n must be a positive integer or None, got {n!r}")
    from threadpoolctl import threadpool_limits

    try:
        import torch
    except ImportError:  # pragma: no cover - torch is installed with the book
        torch = None
    before = torch.get_num_threads() if torch is not None else None
    with threadpool_limits(limits=n):
        if torch is not None:
            torch.set_num_threads(n)
        try:
            yield
        finally:
            if torch is not None:
                torch.set_num_threads(before)


BACKENDS = ("numpy", "torch", "torch-cuda", "cupy")


def gpu_backend():
    """The GPU backend available here (``"torch-cuda"`` or ``"cupy"``), or ``None`` when there is no GPU."""
    try:
        import torch

        if torch.cuda.is_available():
            return "torch-cuda"
    except ImportError:  # pragma: no cover
        pass
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() > 0:
            return "cupy"
    except Exception:  # no CuPy, or CuPy without a driver
        pass
    return None


def random_matrices(N, dtype="float32", backend="numpy", seed=0):
    """Two ``N x N`` matrices uniform in [0, 1) of ``dtype`` on ``backend`` (see :data:`BACKENDS`)."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; expected one of {BACKENDS}")
    rng = np.random.default_rng(seed)
    A = rng.random((N, N), dtype=np.float32 if str(dtype) == "float32" else np.float64)
    B = rng.random((N, N), dtype=A.dtype)
    A, B = A.astype(dtype, copy=False), B.astype(dtype, copy=False)
    if backend == "numpy":
        return A, B
    if backend.startswith("torch"):
        import torch

        device = "cuda" if backend == "torch-cuda" else "cpu"
        return torch.asarray(A, device=device), torch.asarray(B, device=device)
    import cupy

    return cupy.asarray(A), cupy.asarray(B)


def gemm_rate(N, dtype="float32", backend="numpy", warmup=1, repeats=3, sync=True, n_threads=None):
    """Measure ``C = A @ B`` for ``N x N`` matrices: returns a dict with the median and best GFLOP/s.

    ``n_threads`` limits the thread count (:func:`threads`); ``sync=False`` reproduces the timing
    mistake (meaningful only on a GPU).
    """
    A, B = random_matrices(N, dtype, backend)
    with threads(n_threads):
        t = time_call(lambda X, Y: X @ Y, A, B, warmup=warmup, repeats=repeats, sync=sync)
    f = gemm_flops(N, N, N)
    return {
        "backend": backend, "dtype": str(dtype), "N": N, "threads": n_threads, "seconds": t["median"],
        "gflops": gflops(f, t["median"]), "best_gflops": gflops(f, t["min"]), "times": t["times"],
    }


def sweep(sizes, dtype="float32", backend="numpy", warmup=1, repeats=3, n_threads=None):
    """:func:`gemm_rate` for each ``N`` in ``sizes``; a list of dicts."""
    return [gemm_rate(N, dtype, backend, warmup, repeats, n_threads=n_threads) for N in sizes]


def measured_peak(*results):
    """The best rate seen in any run of any of the sweeps ``results`` (lists of :func:`gemm_rate` dicts)."""
    rates = [r["best_gflops"] for res in results for r in res]
    if not rates:
        raise ValueError("measured_peak: no measurements given")
    return max(rates)
