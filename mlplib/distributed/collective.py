r"""Collectives inside a process group: rank, world size, and the gradients' sum.

Rank :math:`r` of :math:`p` scales its gradient by :math:`w_r = |B_r|/|B|`; one
``all_reduce`` (a sum over ranks) then leaves every rank with
:math:`\sum_r w_r g_r`, the gradient of the whole batch. Before the first exchange the
ranks compare their parameters' shapes (:func:`check_same_shapes`): an ``all_reduce``
of arrays that differ between ranks would fail obscurely or wait forever.

torch is imported only by the functions that need it.
"""

import numpy as np

from ..errors import ShapeError, checked


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


def _check_buffers(grads, weight=None, group=None):
    """Gradients must be NumPy arrays that torch can share and all_reduce can write."""
    for name, g in grads.items():
        if not (
            isinstance(g, np.ndarray) and g.flags.c_contiguous and g.flags.writeable
        ):
            raise TypeError(
                f"allreduce_gradients: {name} must be a writable C-contiguous NumPy "
                f"array, got {type(g).__name__}"
            )


@checked(_check_buffers)
def allreduce_gradients(grads, weight=None, group=None):
    r"""Replace each gradient, in place, by the weighted sum over the ranks.

    ``weight`` is this rank's :math:`w_r = |B_r| / |B|` (default :math:`1/p`); every
    gradient becomes :math:`\sum_r w_r g_r`. ``torch.from_numpy`` shares the array's
    memory (no copy), so ``all_reduce`` writes the sum into it.

    Printed in chapters/08_data_parallel.
    """
    import torch
    import torch.distributed as dist

    p = world_size(group)
    weight = 1.0 / p if weight is None else float(weight)
    for g in grads.values():
        g *= weight  # w_r g_r
        if p > 1:  # sum over ranks, in place
            dist.all_reduce(torch.from_numpy(g), op=dist.ReduceOp.SUM, group=group)
    return grads
