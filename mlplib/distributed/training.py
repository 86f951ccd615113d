r"""Data-parallel training: every rank runs the same loop on its shard of each batch.

The batches are those of :func:`mlplib.training.fit` (the same random seed), so after
any number of steps the weights equal those of one process on the whole batches: rank
:math:`r` computes the gradient on shard :math:`B_r`, the weighted sum over ranks
:math:`\sum_r \frac{|B_r|}{|B|} g_r` is the gradient of the whole batch, and every
rank takes the same optimizer step.
"""

import time

import numpy as np

from .. import data
from ..training.history import History
from .collective import allreduce_gradients, check_same_shapes, rank, world_size
from .shards import shard


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
    """Data-parallel training, every rank with the same arguments (``batch_size``: the
    global batch; ``lr``: optional ``step -> rate``). Returns a ``History``: per epoch
    ``loss`` (all ranks); this rank's ``steps``, ``time_s``, ``compute_s``, ``comm_s``.
    """
    p, r = (1, 0) if alone else (world_size(group), rank(group))
    loss, X, T = _check_fit(model, X, T, loss, p, group, batch_size, epochs, seed)
    history, step = History(loss=[], steps=[], time_s=[], compute_s=[], comm_s=[]), 0
    for epoch in range(epochs):
        start, E_sum, compute_s, comm_s = time.perf_counter(), 0.0, 0.0, 0.0
        batches = list(data.minibatches(X.shape[0], batch_size, seed=[seed, epoch]))
        for idx in batches:
            t0 = time.perf_counter()
            E_mine, grads, weight = rank_gradients(model, loss, X, T, idx, p, r)
            E_sum, t1 = E_sum + E_mine, time.perf_counter()
            if p > 1:
                allreduce_gradients(grads, weight=weight, group=group)
            compute_s, comm_s = compute_s + t1 - t0, comm_s + time.perf_counter() - t1
            if lr is not None:
                optimizer.lr = lr(step)
            optimizer.step(grads)
            step += 1
        E = _sum_over_ranks(E_sum, p, group) / X.shape[0]
        logs = (E, len(batches), time.perf_counter() - start, compute_s, comm_s)
        for key, value in zip(history, logs):
            history[key].append(value)
    return history


def _check_fit(model, X, T, loss, p, group, batch_size, epochs, seed):
    """``(loss, X, T)`` checked and converted; with ``p > 1`` ranks, the ranks agree."""
    loss, X, T = model.check_data(loss, X, T, "distributed.fit")
    if p > 1:
        setup = {"N": X.shape[0], "batch_size": batch_size, "epochs": epochs}
        check_same_shapes(model.parameters(), "parameters", group)
        check_same_shapes(
            {**setup, "seed": seed}, "data size and training arguments", group
        )
    return loss, X, T


def rank_gradients(model, loss, X, T, idx, p, r):
    """Rank ``r``'s part of the global batch ``idx`` of ``p`` ranks: the loss *sum*
    over its shard B_r, the gradients of the shard's mean loss, and the weight
    |B_r|/|B| that the all-reduce gives them.

    Printed in chapters/08_data_parallel.
    """
    mine = shard(idx, p)[r]
    E_mine, grads = _local_gradients(model, loss, X[mine], T[mine])
    return E_mine, grads, mine.size / idx.size


def _local_gradients(model, loss, X, T):
    """The loss *sum* over this rank's samples and the gradients of their mean loss."""
    if not len(X):  # a last batch smaller than p leaves this rank without samples
        return 0.0, {k: np.zeros_like(v) for k, v in model.parameters().items()}
    E = float(model.call_gradients(loss, X, T))
    return E * len(X), model.gradients()


def _sum_over_ranks(value, p, group=None):
    """The sum of one float over the ``p`` ranks (the value itself when alone)."""
    if p == 1:
        return value
    import torch
    import torch.distributed as dist

    summed = torch.tensor([value], dtype=torch.float64)
    dist.all_reduce(summed, group=group)
    return float(summed[0])


def fit_params(model, X, T, loss, optimizer, **kwargs):
    """:func:`fit`, returning ``{"history": ..., "params": ...}`` (a Cluster task)."""
    history = fit(model, X, T, loss, optimizer, **kwargs)
    params = {k: v.copy() for k, v in model.parameters().items()}
    return {"history": dict(history), "params": params}


def synthetic_data(n, sizes, seed=0):
    """``(X, y)``: ``n`` standard-normal inputs, labels from a random teacher net."""
    from ..model import Sequential

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, sizes[0]))
    teacher = Sequential.from_sizes(
        [sizes[0], sizes[-1]], "softmax", seed=seed + 1, dtype=np.float64
    )
    return X, np.argmax(teacher.forward(X), axis=1)
