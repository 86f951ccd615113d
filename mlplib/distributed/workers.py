"""What each rank of a :class:`~mlplib.distributed.cluster.Cluster` runs, and how the
cluster gathers the results: one ``(rank, ok, payload)`` per rank, or an error.

A failure ends the run, never hangs it: a rank that raises sends its traceback and
:func:`_collect` raises :class:`RankError`; a rank that dies without one (a crash) is
noticed by its exit code; after ``timeout`` seconds ``TimeoutError`` is raised.
"""

import datetime
import queue as queue_module
import time
import traceback


class RankError(RuntimeError):
    """A rank of a :class:`Cluster` failed: ``rank``, its ``error`` (the last line of
    its traceback) and the whole ``traceback`` are attributes and in the message."""

    def __init__(self, message, rank=None, error="", traceback=""):
        super().__init__(message)
        self.rank, self.error, self.traceback = rank, error, traceback


def _worker(r, p, init_method, timeout, tasks, results):
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


def _tasks(fn, kwargs, rank_kwargs, nprocs):
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


def _collect(procs, results, timeout, what):
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
