r"""The α–β model of an all-reduce's time, fitted to measured times.

A message of :math:`m` bytes costs :math:`\alpha + m\beta`: a latency :math:`\alpha`
per message and :math:`\beta` seconds per byte (:math:`1/\beta` is the bandwidth). The
ring all-reduce of :math:`n` bytes over :math:`p` ranks then takes

.. math::

    T(n) = 2(p-1)\alpha + 2\frac{p-1}{p}\,n\beta .

:func:`allreduce_time` is the model for each schedule, :func:`fit_alpha_beta` fits
:math:`\alpha, \beta` by least squares, and :func:`measure_alpha_beta` times
``all_reduce`` on a :class:`~mlplib.distributed.cluster.Cluster` and fits the model.
"""

import time

import numpy as np

from ..errors import ShapeError
from .allreduce import check_algorithm


def allreduce_time(n_bytes, p, alpha, beta, algorithm="ring"):
    r"""The α-β model's time for an all-reduce of ``n_bytes`` over ``p`` ranks.

    A message of :math:`m` bytes costs :math:`\alpha + m\beta`; ranks send at the same
    time.

    * ``"ring"``: :math:`2(p-1)` steps of :math:`n/p` bytes:
      :math:`T = 2(p-1)\alpha + 2\frac{p-1}{p} n\beta`.
    * ``"tree"``: up and down a binomial tree, :math:`\lceil\log_2 p\rceil` rounds each
      way, a whole message per round: :math:`T = 2\lceil\log_2 p\rceil(\alpha +
      n\beta)`.
    * ``"reduce_broadcast"``: the root receives :math:`p-1` messages, then sends
      :math:`p-1`, one after the other: :math:`T = 2(p-1)(\alpha + n\beta)`.

    Works elementwise on arrays of ``n_bytes`` or ``p``.
    """
    check_algorithm(algorithm)
    p = np.asarray(p, dtype=float)
    n = np.asarray(n_bytes, dtype=float)
    if np.any(p < 1):
        raise ValueError("allreduce_time: p must be >= 1")
    if algorithm == "ring":
        t = 2 * (p - 1) * alpha + 2 * (p - 1) / p * n * beta
    elif algorithm == "tree":
        t = 2 * np.ceil(np.log2(p)) * (alpha + n * beta)
    else:
        t = 2 * (p - 1) * (alpha + n * beta)
    return t if t.ndim else float(t)


def fit_alpha_beta(n_bytes, times, p):
    r"""Fit the ring model :math:`T(n) = 2(p-1)\alpha + 2\frac{p-1}{p}n\beta` to
    measurements.

    Least squares on the *relative* error (each equation divided by its measured time),
    so 1 KB messages count as much as 64 MB ones. Returns a dict with ``alpha`` (s),
    ``beta`` (s per byte), ``bandwidth`` (:math:`1/\beta`, bytes/s), ``predicted`` (s),
    ``rel_err`` (per size) and ``max_rel_err`` and ``rms_rel_err``.
    """
    n = np.asarray(n_bytes, dtype=float)
    t = np.asarray(times, dtype=float)
    if n.shape != t.shape or n.ndim != 1 or n.size < 2:
        raise ShapeError(
            f"fit_alpha_beta: need two equal 1-D arrays, got {n.shape} and {t.shape}"
        )
    if p < 2:
        raise ValueError(f"fit_alpha_beta: an all-reduce over p={p} rank sends nothing")
    if np.any(t <= 0):
        raise ValueError("fit_alpha_beta: times must be positive")
    A = np.column_stack([np.full_like(n, 2 * (p - 1)), 2 * (p - 1) / p * n])
    (alpha, beta), *_ = np.linalg.lstsq(A / t[:, None], np.ones_like(t), rcond=None)
    predicted = A @ np.array([alpha, beta])
    rel = (predicted - t) / t
    return {
        "alpha": float(alpha),
        "beta": float(beta),
        "bandwidth": float(1 / beta) if beta > 0 else float("inf"),
        "predicted": predicted,
        "rel_err": rel,
        "max_rel_err": float(np.abs(rel).max()),
        "rms_rel_err": float(np.sqrt(np.mean(rel**2))),
    }


def time_allreduce(n_bytes, dtype="float32", budget_s=0.05, max_repeats=50, group=None):
    """Median seconds of one ``all_reduce`` for each message size in ``n_bytes`` (every
    rank calls it).

    First 50 small calls (ranks that were idle respond slowly at first); then for
    each size one warm-up call, a barrier, and ``k`` timed calls with
    ``k = clip(budget_s / (n * 1 ns), 5, max_repeats)`` (the same on every rank, so the
    collectives stay matched). Returns an array of medians (this rank's clock).
    """
    import torch
    import torch.distributed as dist

    dtype = np.dtype(dtype)
    warm = torch.from_numpy(np.ones(256, dtype=dtype))
    for _ in range(50):  # wake both ranks up: the first calls after idling are slow
        dist.all_reduce(warm, group=group)
    out = []
    for n in n_bytes:
        buf = torch.from_numpy(np.ones(max(1, int(n) // dtype.itemsize), dtype=dtype))
        dist.all_reduce(buf, group=group)
        repeats = int(np.clip(budget_s / (max(int(n), 1) * 1e-9), 5, max_repeats))
        samples = []
        dist.barrier(group=group)
        for _ in range(repeats):
            t0 = time.perf_counter()
            dist.all_reduce(buf, group=group)
            samples.append(time.perf_counter() - t0)
        out.append(float(np.median(samples)))
    return np.array(out)


def measure_alpha_beta(cluster, n_bytes=None, dtype="float32"):
    """Time ``all_reduce`` on ``cluster`` for each size and fit the ring's α-β model.

    ``n_bytes`` defaults to the powers of two from 1 KB to 64 MB. Each size's time is
    the slowest rank's median (an all-reduce ends when the last rank has the sum).
    Returns :func:`fit_alpha_beta`'s dict plus ``n_bytes``, ``times`` and ``p``.
    """
    n_bytes = np.array([2**k for k in range(10, 27)] if n_bytes is None else n_bytes)
    per_rank = cluster.run(time_allreduce, {"n_bytes": n_bytes, "dtype": dtype})
    times = np.max(per_rank, axis=0)
    fitted = fit_alpha_beta(n_bytes, times, cluster.nprocs)
    return {**fitted, "n_bytes": n_bytes, "times": times, "p": cluster.nprocs}


def alpha_beta_table(result):
    """The measured and fitted times of :func:`measure_alpha_beta` as lines of text."""
    lines = [f"{'size':>8}  {'measured':>11}  {'model':>11}  {'error':>6}"]
    for n, t, m, e in zip(
        result["n_bytes"], result["times"], result["predicted"], result["rel_err"]
    ):
        size = f"{n / 2**20:g} MB" if n >= 2**20 else f"{n / 2**10:g} KB"
        lines.append(f"{size:>8}  {t * 1e3:8.3f} ms  {m * 1e3:8.3f} ms  {e:+6.0%}")
    lines.append(
        f"alpha = {result['alpha'] * 1e6:.1f} us, "
        f"beta = {result['beta'] * 1e9:.3f} ns/B "
        f"({result['bandwidth'] / 1e9:.2f} GB/s); p = {result['p']}; fit error: "
        f"max {result['max_rel_err']:.0%}, rms {result['rms_rel_err']:.0%}"
    )
    return lines
