"""Start ``p`` processes on this machine, joined in a gloo process group, and run
functions on all of them: :class:`Cluster` (kept for many runs) and :func:`launch`
(one run).

The processes are started with ``spawn`` (fresh interpreters, as in Colab and Jupyter,
where ``fork`` is unsafe) and use one thread each (as torchrun sets it).
"""

import os
import tempfile

from ..errors import check_int
from .workers import _collect, _tasks, _worker

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


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
                self._procs.append(ctx.Process(target=_worker, args=args, daemon=True))
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

        single, fns, kws = _tasks(fn, kwargs, rank_kwargs, self.nprocs)
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
            return _collect(self._procs, self._results, timeout, what)
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


def launch(fn, nprocs=2, kwargs=None, rank_kwargs=None, timeout=120.0):
    """Start a :class:`Cluster` of ``nprocs`` processes, run ``fn`` once, stop it.

    Returns the list of results, one per rank (see :meth:`Cluster.run`).
    """
    _tasks(fn, kwargs, rank_kwargs, nprocs)  # bad arguments fail before any start
    with Cluster(nprocs, timeout) as cluster:
        return cluster.run(fn, kwargs, rank_kwargs)
