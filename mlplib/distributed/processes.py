"""Starting and supervising processes: ``p`` processes on this machine, joined in a
gloo process group, that run functions on all of them (:class:`Cluster`), what each
runs (:func:`worker`) and how the results are gathered (:func:`collect`): one
``(rank, ok, payload)`` per rank, or an error.

A failure ends the run, never hangs it: a rank that raises sends its traceback and
:func:`collect` raises :class:`RankError`; a rank that dies without one (a crash) is
noticed by its exit code; after ``timeout`` seconds ``TimeoutError`` is raised.

The processes are started with ``spawn`` (fresh interpreters, as in Colab and Jupyter,
where ``fork`` is unsafe) and use one thread each (as torchrun sets it).
"""

import datetime
import os
import queue as queue_module
import tempfile
import time
import traceback

from ..errors import check_int

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class RankError(RuntimeError):
    """A rank of a :class:`Cluster` failed: ``rank``, its ``error`` (the last line of
    its traceback) and the whole ``traceback`` are attributes and in the message."""

    def __init__(self, message, rank=None, error="", traceback=""):
        super().__init__(message)
        self.rank, self.error, self.traceback = rank, error, traceback


class Cluster:
    """``nprocs`` processes on this machine joined in a gloo process group, kept for
    many runs.

    Starting processes that import torch takes seconds, so a cluster starts them once;
    :meth:`run` then sends them work. Use it as a context manager:

    >>> from mlplib.distributed import rank
    >>> with Cluster(2) as cluster:
    ...     cluster.run(rank)
    [0, 1]

    Functions must be importable (defined in a module, not in a notebook cell): their
    arguments are pickled to a file that the processes read.

    Errors end the run, never hang it: if a rank raises, every rank is stopped and
    :class:`RankError` names the rank and shows its traceback; a rank that dies without
    one (a crash) is reported the same way; after ``timeout`` seconds (per run, and
    for each collective) every rank is stopped and ``TimeoutError`` is raised. A
    cluster that failed is closed: start a new one.
    """

    def __init__(self, nprocs=2, timeout=120.0, start_timeout=180.0):
        import multiprocessing

        nprocs = check_int(nprocs, "nprocs", "Cluster")
        self.nprocs, self.timeout, self.runs = nprocs, float(timeout), 0
        ctx = multiprocessing.get_context("spawn")
        self._dir = tempfile.TemporaryDirectory(prefix="mlplib-dist-")
        self._results = ctx.Queue()
        self._inboxes = [ctx.Queue() for _ in range(nprocs)]
        self._procs = []
        init_method = "file://" + os.path.join(self._dir.name, "rendezvous")
        saved = {k: os.environ.get(k) for k in THREAD_VARIABLES}
        os.environ.update({k: "1" for k in saved})  # inherited by the children
        try:
            for r in range(nprocs):
                args = (
                    r,
                    nprocs,
                    init_method,
                    timeout,
                    self._inboxes[r],
                    self._results,
                )
                self._procs.append(ctx.Process(target=worker, args=args, daemon=True))
                self._procs[-1].start()
        finally:
            for k, v in saved.items():
                os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
        self._wait("start", start_timeout)

    def run(self, fn, kwargs=None, rank_kwargs=None):
        """Run ``fn(**kwargs)`` on every rank; return the list of results, one per rank.

        ``fn`` may be a list of functions run one after the other (then ``kwargs`` is a
        list of dicts and each rank returns a list). ``rank_kwargs``: optional list of
        ``nprocs`` dicts added to the arguments of rank 0, 1, ...
        """
        import pickle

        single, fns, kws = tasks_of(fn, kwargs, rank_kwargs, self.nprocs)
        if not self._procs:
            raise RuntimeError("Cluster.run: the cluster is closed; start a new one")
        self.runs += 1
        for r in range(self.nprocs):
            extra = rank_kwargs[r] if rank_kwargs else {}
            task_file = os.path.join(self._dir.name, f"run{self.runs}-rank{r}.pkl")
            with open(task_file, "wb") as f:
                pickle.dump((fns, [pickle.dumps({**kw, **extra}) for kw in kws]), f)
            self._inboxes[r].put(task_file)
        out = self._wait(f"run {self.runs}")
        return [out[r][0] if single else out[r] for r in range(self.nprocs)]

    def _wait(self, what, timeout=None):
        try:
            timeout = self.timeout if timeout is None else timeout
            return collect(self._procs, self._results, timeout, what)
        except BaseException:
            self.close(force=True)
            raise

    def close(self, force=False):
        """Stop the processes (politely unless ``force``), delete the temp files."""
        if not self._procs:
            return
        if not force:
            for q in self._inboxes:
                q.put(None)
            for proc in self._procs:
                proc.join(10)
        for proc in self._procs:
            if proc.is_alive():
                proc.terminate()
        for proc in self._procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join()
        self._procs = []
        self._dir.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close(force=exc[0] is not None)


def worker(r, p, init_method, timeout, tasks, results):
    """One spawned process: join the group, then run each task file it is sent."""
    import pickle

    try:
        import torch
        import torch.distributed as dist

        torch.set_num_threads(1)
        dist.init_process_group(
            "gloo",
            init_method=init_method,
            rank=r,
            world_size=p,
            timeout=datetime.timedelta(seconds=timeout),
        )
        results.put((r, True, "ready"))
        while (task_file := tasks.get()) is not None:
            with open(task_file, "rb") as f:
                fns, blobs = pickle.load(f)
            kwargs = [pickle.loads(blob) for blob in blobs]  # each task its own objects
            results.put((r, True, [fn(**kw) for fn, kw in zip(fns, kwargs)]))
        dist.destroy_process_group()
    except BaseException:
        results.put((r, False, traceback.format_exc()))
    finally:
        results.close()
        results.join_thread()


def tasks_of(fn, kwargs, rank_kwargs, nprocs):
    """Check the arguments of :meth:`Cluster.run`; return ``(single, fns, kwargs)``."""
    single = not isinstance(fn, (list, tuple))
    fns = [fn] if single else list(fn)
    kws = [kwargs or {}] if single else list(kwargs or [{}] * len(fns))
    if len(kws) != len(fns):
        raise ValueError(f"Cluster.run: {len(fns)} functions but {len(kws)} kwargs")
    if rank_kwargs is not None and len(rank_kwargs) != nprocs:
        raise ValueError(f"Cluster.run: rank_kwargs needs {nprocs} dicts, one per rank")
    for f in fns:
        if getattr(f, "__module__", None) == "__main__":
            raise ValueError(
                f"Cluster.run: {f.__name__} is defined in __main__ (a script or a "
                "notebook), which the processes cannot import; define it in a module"
            )
    return single, fns, kws


def collect(procs, results, timeout, what):
    """Gather one ``(rank, ok, payload)`` per rank; raise on a failure or a timeout."""
    out, deadline = {}, time.monotonic() + timeout
    while len(out) < len(procs):
        try:
            r, ok, payload = results.get(timeout=0.1)
        except queue_module.Empty:
            dead = [r for r, proc in enumerate(procs) if proc.exitcode is not None]
            if dead:  # a message sent just before exiting may still be in the pipe
                try:
                    r, ok, payload = results.get(timeout=1.0)
                except queue_module.Empty:
                    raise RankError(
                        f"{what}: rank {dead[0]} of {len(procs)} died without an error "
                        f"message (exit code {procs[dead[0]].exitcode}); all ranks "
                        "stopped"
                    ) from None
            elif time.monotonic() > deadline:
                missing = sorted(set(range(len(procs))) - set(out))
                raise TimeoutError(
                    f"{what}: ranks {missing} of {len(procs)} did not finish within "
                    f"{timeout:g} s; all ranks stopped"
                ) from None
            else:
                continue
        if not ok:
            last = payload.strip().splitlines()[-1]
            raise RankError(
                f"{what}: rank {r} of {len(procs)} failed with {last}\n"
                f"All ranks stopped. The traceback of rank {r}:\n{payload}",
                rank=r,
                error=last,
                traceback=payload,
            )
        out[r] = payload
    return out
