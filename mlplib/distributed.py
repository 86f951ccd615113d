r"""Data-parallel training on ``torch.distributed``: p processes, one model, one batch.

Each of the :math:`p` processes (*ranks*) holds a full copy of the model and computes
the gradient of the mean loss over its own shard of the global batch. Because the mean
over the whole batch is the count-weighted mean of the shards' means,

.. math::

    \frac{\partial E_B}{\partial w}
    = \sum_{r=0}^{p-1} \frac{|B_r|}{|B|}\,\frac{\partial E_{B_r}}{\partial w},

one ``all_reduce`` (a sum over ranks) of the weighted gradients gives every rank the
gradient a single process would compute on the whole batch, and every rank then takes
the same optimizer step. :func:`fit` is that loop; after any number of steps its weights
equal those of :func:`mlplib.train.fit` with the same global ``batch_size`` and
``seed``.

Parts:

* pure NumPy (no processes): :func:`shard`, :func:`combine_gradients`, the all-reduce
  schedules and cost model (:func:`ring_schedule`, :func:`schedule`,
  :func:`simulate_allreduce`, :func:`words_sent`, :func:`allreduce_time`,
  :func:`fit_alpha_beta`) and :func:`scaled_lr` (the linear scaling rule with warm-up);
* collectives (inside a process group): :func:`allreduce_gradients`,
  :func:`check_same_shapes`, :func:`fit`, :func:`ddp_fit` (PyTorch's
  ``DistributedDataParallel`` on the same shards, for comparison),
  :func:`time_allreduce`;
* starting processes: :func:`launch` (from Python or a notebook, with
  ``multiprocessing``'s *spawn*) and ``python -m torch.distributed.run ... -m
  mlplib.distributed`` (torchrun) for the same training from the command line.

Failures end the run with an error, never a hang: :func:`launch` stops every rank as
soon as one fails and raises :class:`RankError` with that rank's traceback; a run that
takes longer than ``timeout`` seconds raises ``TimeoutError``; collectives time out too
(the process group's ``timeout``); ranks whose parameters or data sizes differ get a
:class:`~mlplib.errors.ShapeError` before the first gradient is exchanged.

torch is imported only by the functions that need it.
"""

import datetime
import os
import queue as queue_module
import tempfile
import time
import traceback

import numpy as np

from . import data
from . import losses as losses_module
from .errors import ShapeError
from .train import History

ALGORITHMS = ("ring", "tree", "reduce_broadcast")


# ---- pure NumPy: shards and the gradient of the whole batch --------------------------
def shard(idx, p):
    """Split the index array of one global batch into ``p`` contiguous shards.

    Sizes differ by at most one (``np.array_split``): shard ``r`` goes to rank ``r``.
    """
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 1:
        raise ValueError(
            f"shard: p (number of ranks) must be a positive integer, got {p!r}"
        )
    return np.array_split(np.asarray(idx), int(p))


def combine_gradients(grads, counts=None):
    r"""The gradient of the mean loss over the union of shards, from each shard's
    gradient.

    ``grads`` is a list with one entry per worker: an array, or a dict name -> array (as
    ``model.gradients()``), each the gradient of the *mean* loss over that worker's
    shard. ``counts`` are the shards' sizes :math:`n_r` (default: all equal). Returns
    :math:`\sum_r n_r g_r / \sum_r n_r` (a dict when the inputs are dicts).
    """
    grads = list(grads)
    if not grads:
        raise ValueError(
            "combine_gradients: needs the gradients of at least one worker"
        )
    counts = np.ones(len(grads)) if counts is None else np.asarray(counts, dtype=float)
    if counts.shape != (len(grads),):
        raise ShapeError(
            f"combine_gradients: {len(grads)} workers' gradients but counts has shape "
            f"{counts.shape}; give one count per worker"
        )
    if np.any(counts < 0) or counts.sum() <= 0:
        raise ValueError("combine_gradients: counts must be >= 0 and not all zero")
    weights = counts / counts.sum()
    if isinstance(grads[0], dict):
        names = list(grads[0])
        for r, g in enumerate(grads):
            if list(g) != names:
                raise KeyError(f"combine_gradients: worker {r} has names {list(g)}")
        return {k: combine_gradients([g[k] for g in grads], counts) for k in names}
    shapes = {np.shape(g) for g in grads}
    if len(shapes) != 1:
        raise ShapeError(
            f"combine_gradients: workers' gradients differ in shape: {shapes}"
        )
    return sum(w * np.asarray(g) for w, g in zip(weights, grads))


# ---- pure NumPy: all-reduce algorithms and their cost --------------------------------
def _check_p(p, where):
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 2:
        raise ValueError(f"{where}: needs p >= 2 ranks, got {p!r}")


def ring_schedule(p):
    """Who sends which chunk at each step of a ring all-reduce of ``p`` ranks.

    The vector is cut into ``p`` chunks. Returns ``2(p-1)`` steps; each step is a list
    of ``(phase, src, dst, chunk)`` with ``dst = (src + 1) % p``. Reduce-scatter (steps
    ``s = 0 .. p-2``): rank ``r`` sends chunk ``(r - s) % p``, which ``dst`` adds to its
    own; afterwards rank ``r`` holds the full sum of chunk ``(r + 1) % p``. All-gather
    (``s = 0 .. p-2``): rank ``r`` sends chunk ``(r + 1 - s) % p``, which ``dst``
    stores.
    """
    _check_p(p, "ring_schedule")
    steps = []
    for phase, offset in (("reduce-scatter", 0), ("all-gather", 1)):
        for s in range(p - 1):
            steps.append(
                [(phase, r, (r + 1) % p, (r + offset - s) % p) for r in range(p)]
            )
    return steps


def schedule(p, algorithm="ring"):
    r"""The steps of an all-reduce of ``p`` ranks: lists of ``(phase, src, dst,
    chunk)``.

    Messages within a step travel at the same time. ``chunk`` is ``None`` when the whole
    vector is sent. ``"ring"``: :func:`ring_schedule`. ``"tree"`` (binomial tree,
    :math:`L = \lceil\log_2 p\rceil` rounds each way): in reduce round ``k`` every rank
    ``r`` with ``r mod 2^{k+1} = 2^k`` sends its partial sum to ``r - 2^k``; the
    broadcast runs the rounds backwards with the arrows reversed.
    ``"reduce_broadcast"``: rank 0 receives from ranks 1 .. p-1 one after the other,
    then sends the sum to each in turn.
    """
    _check_algorithm(algorithm)
    _check_p(p, "schedule")
    if algorithm == "ring":
        return ring_schedule(p)
    if algorithm == "reduce_broadcast":
        reduce = [[("reduce", r, 0, None)] for r in range(1, p)]
        return reduce + [[("broadcast", 0, r, None)] for r in range(1, p)]
    rounds = int(np.ceil(np.log2(p)))
    up = [
        [("reduce", r, r - 2**k, None) for r in range(p) if r % 2 ** (k + 1) == 2**k]
        for k in range(rounds)
    ]
    down = [
        [("broadcast", dst, src, None) for _, src, dst, _ in step]
        for step in reversed(up)
    ]
    return up + down


def simulate_allreduce(vectors, algorithm="ring"):
    """Sum ``p`` equal-length vectors by following :func:`schedule`, as ``p`` ranks
    would.

    Returns ``(results, sent)``: every rank's final vector (all equal to the sum) and
    the number of values each rank sent. Ring chunks are ``np.array_split`` pieces, so
    the length need not be a multiple of ``p``.
    """
    bufs = [np.array(v, dtype=float) for v in vectors]
    p = len(bufs)
    if p < 2 or len({b.shape for b in bufs}) != 1 or bufs[0].ndim != 1:
        raise ShapeError(
            "simulate_allreduce: needs at least 2 one-dimensional vectors of one length"
        )
    bounds = np.cumsum([0] + [len(c) for c in np.array_split(bufs[0], p)])
    piece = [slice(bounds[c], bounds[c + 1]) for c in range(p)] + [slice(None)]
    sent = np.zeros(p, dtype=int)
    for step in schedule(p, algorithm):
        # read every message of a step before any buffer changes: they travel together
        values = [
            bufs[src][piece[-1 if c is None else c]].copy() for _, src, _, c in step
        ]
        for (phase, src, dst, c), v in zip(step, values):
            sent[src] += v.size
            where = piece[-1 if c is None else c]
            if phase in ("reduce-scatter", "reduce"):
                bufs[dst][where] += v
            else:
                bufs[dst][where] = v
    return bufs, sent


def words_sent(n, p, algorithm="ring"):
    r"""Values the busiest rank sends in one all-reduce of ``n`` values over ``p``
    ranks.

    ``"ring"``: :math:`2(p-1)n/p` (every rank the same). ``"tree"``: the root sends the
    whole vector once per broadcast round, :math:`\lceil\log_2 p\rceil n`.
    ``"reduce_broadcast"``: the root sends the sum to every other rank, :math:`(p-1)n`.
    """
    _check_algorithm(algorithm)
    if p == 1:
        return 0.0
    if algorithm == "ring":
        return 2 * (p - 1) * n / p
    if algorithm == "tree":
        return float(np.ceil(np.log2(p)) * n)
    return float((p - 1) * n)


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
    _check_algorithm(algorithm)
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


def _check_algorithm(algorithm):
    if algorithm not in ALGORITHMS:
        raise ValueError(
            f"unknown all-reduce algorithm {algorithm!r}; expected one of {ALGORITHMS}"
        )


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


def scaled_lr(base_lr, p, step, warmup_steps=0):
    r"""The linear scaling rule with linear warm-up: the learning rate at ``step`` (0,
    1, ...).

    With :math:`p` times the batch, use :math:`p\,\eta_1`; during the first
    ``warmup_steps`` steps ramp up linearly from :math:`\eta_1` to :math:`p\,\eta_1`
    (Goyal et al., 2017).
    """
    target = base_lr * p
    if warmup_steps <= 0 or step >= warmup_steps:
        return target
    return base_lr + (target - base_lr) * step / warmup_steps


# ---- inside a process group ----------------------------------------------------------
def rank(group=None):
    """This process's rank (0 when no process group is initialised)."""
    import torch.distributed as dist

    return dist.get_rank(group) if dist.is_initialized() else 0


def world_size(group=None):
    """The number of ranks (1 when no process group is initialised)."""
    import torch.distributed as dist

    return dist.get_world_size(group) if dist.is_initialized() else 1


def check_same_shapes(named, what="parameters", group=None):
    """Raise :class:`ShapeError` on every rank unless all ranks hold the same ``named``
    layout.

    ``named`` is a dict name -> array (or name -> any value to compare, such as sizes).
    One small collective (``all_gather_object``): call it before exchanging gradients,
    whose ``all_reduce`` on mismatched sizes would fail obscurely or wait forever.
    """
    import torch.distributed as dist

    if not dist.is_initialized():
        return
    mine = {
        k: (tuple(v.shape), str(v.dtype)) if hasattr(v, "shape") else v
        for k, v in named.items()
    }
    every = [None] * dist.get_world_size(group)
    dist.all_gather_object(every, mine, group=group)
    for r, theirs in enumerate(every):
        if theirs != every[0]:
            diff = sorted(
                f"{k}: rank 0 {every[0].get(k, '-')}, rank {r} {theirs.get(k, '-')}"
                for k in set(every[0]) | set(theirs)
                if every[0].get(k) != theirs.get(k)
            )
            raise ShapeError(f"ranks disagree on their {what}: " + "; ".join(diff))


def _check_buffers(grads):
    """Gradients must be NumPy arrays that torch can share and all_reduce can write."""
    for name, g in grads.items():
        if not (
            isinstance(g, np.ndarray) and g.flags.c_contiguous and g.flags.writeable
        ):
            raise TypeError(
                f"allreduce_gradients: {name} must be a writable C-contiguous NumPy "
                f"array, got {type(g).__name__}"
            )


def allreduce_gradients(grads, weight=None, group=None):
    r"""Replace each gradient, in place, by the weighted sum over the ranks.

    ``weight`` is this rank's :math:`w_r = |B_r| / |B|` (default :math:`1/p`, the plain
    mean); every gradient becomes :math:`\sum_r w_r g_r`. ``torch.from_numpy`` shares
    the array's memory (no copy), so ``all_reduce`` writes the sum into it.
    """
    import torch
    import torch.distributed as dist

    _check_buffers(grads)
    p = world_size(group)
    weight = 1.0 / p if weight is None else float(weight)
    for g in grads.values():
        g *= weight  # w_r g_r
        if p > 1:  # sum over ranks, in place
            dist.all_reduce(torch.from_numpy(g), op=dist.ReduceOp.SUM, group=group)
    return grads


def _as_inputs(model, X, T, loss):
    """``X`` in the model's dtype, ``T`` as rows (integer labels become one-hot)."""
    from .datasets import one_hot

    X = np.asarray(X, dtype=model.dtype)
    n_in, n_out = model.layers[0].n_in, model.layers[-1].n_out
    if X.ndim != 2 or X.shape[1] != n_in:
        raise ShapeError(f"fit: X must have shape (N, {n_in}), got {X.shape}")
    T = np.asarray(T)
    if T.ndim == 1 and loss.name == "categorical_cross_entropy":
        T = one_hot(T, n_out, dtype=model.dtype)
    if T.shape != (X.shape[0], n_out):
        raise ShapeError(
            f"fit: T must have shape ({X.shape[0]}, {n_out}) (or integer labels (N,) "
            f"with the categorical cross-entropy), got {T.shape}"
        )
    return X, np.asarray(T, dtype=model.dtype)


def fit(
    model,
    X,
    T,
    loss,
    optimizer,
    epochs=1,
    batch_size=32,
    seed=0,
    lr=None,
    group=None,
    alone=False,
):
    """Data-parallel training: every rank calls it with the same model, data and
    arguments.

    ``batch_size`` is the *global* batch. The batches are those of
    :func:`mlplib.train.fit` (:func:`mlplib.data.minibatches`, seed ``[seed, epoch]``);
    rank ``r`` computes the gradient on shard ``r`` of each (:func:`shard`), the
    count-weighted gradients are summed over ranks (:func:`allreduce_gradients`) and
    every rank takes the same optimizer step. ``lr``: optional function
    ``step -> learning rate`` (such as :func:`scaled_lr`), applied before each step.
    Without a process group, or with ``alone=True`` (this rank trains by itself, for
    comparison), it is plain mini-batch training.

    Returns a :class:`~mlplib.train.History`; per epoch: ``loss`` (the mean training
    loss over all ranks), and for this rank ``steps``, ``time_s`` (the epoch's wall
    time) and its part computing gradients (``compute_s``) and exchanging them
    (``comm_s``).
    """
    import torch
    import torch.distributed as dist

    loss = losses_module.get(loss)
    X, T = _as_inputs(model, X, T, loss)
    p, r = (1, 0) if alone else (world_size(group), rank(group))
    setup = {"N": X.shape[0], "batch_size": batch_size, "epochs": epochs, "seed": seed}
    if p > 1:
        check_same_shapes(model.parameters(), "parameters", group)
        check_same_shapes(setup, "data size and training arguments", group)
    history = History(loss=[], steps=[], time_s=[], compute_s=[], comm_s=[])
    step = 0
    for epoch in range(epochs):
        start, total, compute_s, comm_s = time.perf_counter(), 0.0, 0.0, 0.0
        batches = list(data.minibatches(X.shape[0], batch_size, seed=[seed, epoch]))
        for idx in batches:
            mine = shard(idx, p)[r]
            t0 = time.perf_counter()
            if mine.size:
                E = model.compute_gradients(loss, X[mine], T[mine])
                total += float(E) * mine.size
                grads = model.gradients()
            else:  # a last batch smaller than p leaves this rank without samples
                grads = {k: np.zeros_like(v) for k, v in model.parameters().items()}
            t1 = time.perf_counter()
            if p > 1:
                allreduce_gradients(grads, weight=mine.size / idx.size, group=group)
            compute_s, comm_s = compute_s + t1 - t0, comm_s + time.perf_counter() - t1
            if lr is not None:
                optimizer.lr = lr(step)
            optimizer.step(grads)
            step += 1
        if p > 1:
            summed = torch.tensor([total], dtype=torch.float64)
            dist.all_reduce(summed, group=group)
            total = float(summed[0])
        history["loss"].append(total / X.shape[0])
        history["steps"].append(len(batches))
        history["time_s"].append(time.perf_counter() - start)
        history["compute_s"].append(compute_s)
        history["comm_s"].append(comm_s)
    return history


def fit_params(model, X, T, loss, optimizer, **kwargs):
    """:func:`fit`, returning ``{"history": ..., "params": ...}`` (a Cluster task)."""
    history = fit(model, X, T, loss, optimizer, **kwargs)
    params = {k: v.copy() for k, v in model.parameters().items()}
    return {"history": dict(history), "params": params}


def ddp_fit(model, X, y, lr, epochs=1, batch_size=32, seed=0):
    """The same data-parallel training with PyTorch's ``DistributedDataParallel``.

    Softmax cross-entropy and plain SGD (``torch.optim.SGD(lr)``), starting from
    ``model``'s weights (``mlplib.interop.to_torch``, same dtype), on the same global
    batches and shards as :func:`fit`. ``y`` holds integer labels. Returns the final
    parameters in mlplib's layout (``{"0.W": ..., "0.b": ...}``); ``model`` is not
    changed.
    """
    import torch
    from torch.nn.parallel import DistributedDataParallel

    from .interop import to_torch

    if model.layers[-1].activation.name != "softmax":
        raise ValueError(
            "ddp_fit: the last layer must be a softmax layer (trained on its logits)"
        )
    net = to_torch(model)[:-1]  # logits out: CrossEntropyLoss applies the softmax
    ddp = DistributedDataParallel(net)
    opt = torch.optim.SGD(ddp.parameters(), lr=lr)
    criterion = torch.nn.CrossEntropyLoss()
    X = torch.from_numpy(np.asarray(X, dtype=model.dtype))
    y = torch.from_numpy(np.asarray(y, dtype=np.int64))
    p, r = world_size(), rank()
    for epoch in range(epochs):
        for idx in data.minibatches(X.shape[0], batch_size, seed=[seed, epoch]):
            mine = torch.from_numpy(shard(idx, p)[r])
            opt.zero_grad()
            criterion(ddp(X[mine]), y[mine]).backward()
            opt.step()
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    params = {}
    for i, lin in enumerate(linears):
        params[f"{i}.W"] = lin.weight.detach().numpy().T.copy()
        params[f"{i}.b"] = lin.bias.detach().numpy().copy()
    return params


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


# ---- starting processes --------------------------------------------------------------
class RankError(RuntimeError):
    """A rank of a :class:`Cluster` failed: ``rank``, its ``error`` (the last line of
    its traceback) and the whole ``traceback`` are attributes and in the message."""

    def __init__(self, message, rank=None, error="", traceback=""):
        super().__init__(message)
        self.rank, self.error, self.traceback = rank, error, traceback


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


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


class Cluster:
    """``nprocs`` processes on this machine joined in a gloo process group, kept for
    many runs.

    Starting processes that import torch takes seconds, so a cluster starts them once;
    :meth:`run` then sends them work. Use it as a context manager::

        with Cluster(2) as cluster:
            ranks = cluster.run(distributed.rank)     # [0, 1]

    The processes are started with ``spawn`` (fresh interpreters, as in Colab and
    Jupyter, where ``fork`` is unsafe) and use one thread each (as torchrun sets it).
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

        if isinstance(nprocs, bool) or not isinstance(nprocs, int) or nprocs < 1:
            raise ValueError(
                f"Cluster: nprocs must be a positive integer, got {nprocs!r}"
            )
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


# ---- the command line: torchrun -m mlplib.distributed --------------------------------
def synthetic_data(n, sizes, seed=0):
    """``(X, y)``: ``n`` standard-normal inputs, labels from a random teacher net."""
    from .model import Sequential

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, sizes[0]))
    teacher = Sequential.from_sizes(
        [sizes[0], sizes[-1]], "softmax", seed=seed + 1, dtype=np.float64
    )
    return X, np.argmax(teacher.forward(X), axis=1)


def main(argv=None):
    """Train an MLP data-parallel on synthetic data and save the final weights (rank 0).

    Run it with torchrun, which starts the processes and sets ``RANK``, ``WORLD_SIZE``,
    ``MASTER_ADDR`` and ``MASTER_PORT`` for each::

        python -m torch.distributed.run --nproc_per_node=2 -m mlplib.distributed --out
        w.npz
    """
    import argparse

    import torch.distributed as dist

    from . import optim
    from .model import Sequential

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--sizes", default="784,16,16,10")
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument(
        "--out", required=True, help="file for rank 0's final weights (.npz)"
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=args.timeout))
    try:
        X, y = synthetic_data(args.samples, sizes, args.seed)
        acts = ["relu"] * (len(sizes) - 2) + ["softmax"]
        model = Sequential.from_sizes(sizes, acts, seed=args.seed, dtype=np.float64)
        opt = optim.SGD(model.parameters(), lr=args.lr)
        fit(
            model,
            X,
            y,
            "categorical_cross_entropy",
            opt,
            epochs=args.epochs,
            batch_size=args.batch_size,
            seed=args.seed,
        )
        if rank() == 0:
            np.savez(args.out, world_size=world_size(), **model.parameters())
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
