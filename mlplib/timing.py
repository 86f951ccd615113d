r"""Timing a computation honestly: warm-up, repeats, device synchronisation.

1. **Warm up.** The first call pays one-off costs (allocating memory, starting threads,
   loading a GPU kernel, creating a cuBLAS handle); run it before the clock starts.
2. **Repeat.** One run is one sample of a noisy quantity. The median of several ignores
   the odd slow run; the minimum is the run least disturbed by other programs.
3. **Synchronise the device.** A GPU call such as ``torch.matmul`` only *queues* the
   work and returns at once; the clock must stop after ``torch.cuda.synchronize()``
   (CuPy: the stream's ``synchronize()``). NumPy and PyTorch on the CPU are synchronous.
"""

import contextlib
import statistics
import time

try:  # module attributes, so that tests can replace them
    from array_api_compat import is_cupy_array, is_torch_array
except ImportError:  # pragma: no cover - array-api-compat is a dependency

    def is_torch_array(x):
        return type(x).__module__.startswith("torch")

    def is_cupy_array(x):
        return type(x).__module__.startswith("cupy")


def synchronize(*arrays):
    """Wait until the device of each array has finished its queued work.

    PyTorch CUDA tensors: ``torch.cuda.synchronize(device)``; CuPy arrays: the current
    stream's ``synchronize()``; host arrays: nothing to wait for. Returns the number of
    synchronisations done.
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


def _check_counts(warmup, repeats):
    if isinstance(repeats, bool) or not (isinstance(repeats, int) and repeats >= 1):
        raise ValueError(f"time_call: repeats must be an integer >= 1, got {repeats!r}")
    if isinstance(warmup, bool) or not (isinstance(warmup, int) and warmup >= 0):
        raise ValueError(f"time_call: warmup must be an integer >= 0, got {warmup!r}")


def time_call(fn, *args, warmup=1, repeats=5, sync=True):
    """Time ``fn(*args)``: ``warmup`` untimed calls, then ``repeats`` timed ones.

    With ``sync=True`` the arguments' device is synchronised before the clock starts,
    and the result's and arguments' before it stops (:func:`synchronize`). Returns
    ``{"median": s, "min": s, "times": [s, ...]}`` in seconds.
    """
    _check_counts(warmup, repeats)
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
    """Median time of ``fn(*args)`` without and with device synchronisation.

    Returns ``{"unsynchronised": s, "synchronised": s}``. On a GPU the first is the
    launch only; on a CPU (synchronous) the two agree.
    """
    unsync = time_call(fn, *args, warmup=warmup, repeats=repeats, sync=False)
    synchronize(*args)
    done = time_call(fn, *args, warmup=warmup, repeats=repeats, sync=True)
    return {"unsynchronised": unsync["median"], "synchronised": done["median"]}


def with_transfer(fn, to_device, to_host):
    """``fn`` wrapped so that its time includes moving the inputs in and the result out.

    ``to_device`` converts each host argument (``torch.asarray(a, device="cuda")``),
    ``to_host`` converts the result back (``lambda t: t.cpu()``).
    """

    def moved(*host_args):
        return to_host(fn(*(to_device(a) for a in host_args)))

    return moved


@contextlib.contextmanager
def threads(n):
    """Limit BLAS/OpenMP pools (threadpoolctl) and PyTorch to ``n`` threads.

    ``n=None`` leaves everything as it is.
    """
    if n is None:
        yield
        return
    if isinstance(n, bool) or not (isinstance(n, int) and n >= 1):
        raise ValueError(f"threads: n must be a positive integer or None, got {n!r}")
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    with threadpool_limits(limits=n):
        torch.set_num_threads(n)
        try:
            yield
        finally:
            torch.set_num_threads(before)
