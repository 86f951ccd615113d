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

from ..errors import check_int, checked

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

    Printed in chapters/07_blas_gpu.
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


def _check_counts(fn, *args, warmup=1, repeats=5, sync=True):
    check_int(repeats, "repeats", "time_call")
    check_int(warmup, "warmup", "time_call", minimum=0)


@checked(_check_counts)
def time_call(fn, *args, warmup=1, repeats=5, sync=True):
    """Time ``fn(*args)``: ``warmup`` untimed calls, then ``repeats`` timed ones.

    With ``sync=True`` the arguments' device is synchronised before the clock starts,
    and the result's and arguments' before it stops (:func:`synchronize`). Returns
    ``{"median": s, "min": s, "times": [s, ...]}`` in seconds.

    Printed in chapters/07_blas_gpu.
    """
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
    check_int(n, "n (threads, or None)", "threads")
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    with threadpool_limits(limits=n):
        torch.set_num_threads(n)
        try:
            yield
        finally:
            torch.set_num_threads(before)
