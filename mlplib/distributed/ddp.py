r"""The reference: the same data-parallel training with PyTorch's DDP.

``DistributedDataParallel`` averages the ranks' gradients during the backward pass
(:math:`\frac1p\sum_r g_r`, the plain mean); on shards of equal size that is the
gradient of the whole batch, and its weights equal :func:`~mlplib.distributed.fit`'s.
"""

import copy

import numpy as np

from .. import data
from .collective import rank, world_size
from .shards import shard


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

    from ..interop import copy_from_torch, to_torch

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
    trained = copy.deepcopy(model)
    copy_from_torch(trained, net)
    return trained.parameters()
