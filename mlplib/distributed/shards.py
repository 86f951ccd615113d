r"""The global batch and its shards: the gradient of the whole batch from the ranks'.

Rank :math:`r` computes the gradient of the mean loss over its shard :math:`B_r` of the
global batch :math:`B`. The mean over the whole batch is the size-weighted mean of the
shards' means,

.. math::

    \frac{\partial E_B}{\partial w}
    = \sum_{r=0}^{p-1} \frac{|B_r|}{|B|}\,\frac{\partial E_{B_r}}{\partial w},

so one weighted sum over the ranks gives every rank the gradient of one process on the
whole batch. With :math:`p` times the batch per step, the learning rate grows too
(:func:`scaled_lr`).
"""

import numpy as np

from ..errors import ShapeError, check_int, check_names


def shard(idx, p):
    """Split the index array of one global batch into ``p`` contiguous shards.

    Sizes differ by at most one (``np.array_split``): shard ``r`` goes to rank ``r``.

    >>> [s.tolist() for s in shard(np.arange(5), 2)]
    [[0, 1, 2], [3, 4]]
    """
    p = check_int(p, "p (number of ranks)", "shard")
    return np.array_split(np.asarray(idx), p)


def combine_gradients(grads, counts=None):
    r"""The gradient of the mean loss over the union of shards, from each shard's
    gradient.

    ``grads`` is a list with one entry per worker: an array, or a dict name -> array (as
    ``model.gradients()``), each the gradient of the *mean* loss over that worker's
    shard. ``counts`` are the shards' sizes :math:`n_r` (default: all equal). Returns
    :math:`\sum_r n_r g_r / \sum_r n_r` (a dict when the inputs are dicts).

    >>> combine_gradients([np.array([1.0]), np.array([4.0])], counts=[2, 1])
    array([2.])
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
            check_names(g, names, f"worker {r}'s gradient names", "combine_gradients")
        return {k: combine_gradients([g[k] for g in grads], counts) for k in names}
    shapes = {np.shape(g) for g in grads}
    if len(shapes) != 1:
        raise ShapeError(
            f"combine_gradients: workers' gradients differ in shape: {shapes}"
        )
    return sum(w * np.asarray(g) for w, g in zip(weights, grads))


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
