"""Arrays as training consumes them: one-hot targets and mini-batches.

(:mod:`mlplib.datasets` is where the data come from: MNIST and the 8x8 digits, loaded
offline and verified; this module is what training does with any arrays.)

One epoch visits every sample exactly once. :func:`minibatches` shuffles the indices
``0 .. n-1`` with a seeded generator (a fresh ``np.random.default_rng(seed)`` per call,
so the same seed gives the same order) and cuts them into batches of ``batch_size``; the
last batch holds the remaining ``n mod batch_size`` samples unless ``drop_last=True``.

``batch_size = n`` is full-batch gradient descent, ``batch_size = 1`` stochastic
gradient descent, anything between is mini-batch gradient descent: one loop covers all
three.

>>> [idx.tolist() for idx in minibatches(5, 2, shuffle=False)]
[[0, 1], [2, 3], [4]]
>>> from mlplib import Sequential, optim
>>> X, T = np.eye(4), one_hot([0, 1, 1, 0], 2)
>>> model = Sequential.from_sizes([4, 2], "softmax", seed=0)
>>> opt = optim.SGD(model.parameters(), lr=0.5)
>>> for epoch in range(3):
...     for idx in minibatches(len(X), 2, seed=epoch):
...         E = model.compute_gradients("categorical_cross_entropy", X[idx], T[idx])
...         opt.step(model.gradients())
>>> opt.t  # 3 epochs of 2 steps
6
>>> one_hot([2, 0], 3)
array([[0., 0., 1.],
       [1., 0., 0.]], dtype=float32)
"""

import math

import numpy as np

from .errors import check_int, check_labels


def one_hot(y, n_classes=None, dtype=np.float32, where="one_hot"):
    r"""One-hot rows: ``T[n, y[n]] = 1``, every other entry 0; ``T`` is
    ``(N, n_classes)``.

    ``y`` holds integer labels in ``0 .. n_classes-1`` (``n_classes`` defaults to
    ``max(y) + 1``).
    """
    y = np.asarray(y)
    if n_classes is None:
        n_classes = int(y.max()) + 1 if y.size else 0
    y = check_labels(y, check_int(n_classes, "n_classes", where), "labels", where)
    T = np.zeros((y.shape[0], n_classes), dtype=dtype)
    T[np.arange(y.shape[0]), y] = 1
    return T


def iterations_per_epoch(n, batch_size, drop_last=False):
    """Gradient steps per epoch: ``ceil(n / batch_size)``, ``floor`` with ``drop_last``.

    >>> iterations_per_epoch(60_000, 128)
    469
    """
    n = check_int(n, "n_samples", "iterations_per_epoch")
    batch_size = check_int(batch_size, "batch_size", "iterations_per_epoch")
    return n // batch_size if drop_last else math.ceil(n / batch_size)


def minibatches(n_samples, batch_size, shuffle=True, seed=None, drop_last=False):
    """An iterator over index arrays splitting ``range(n_samples)`` into batches.

    ``shuffle=True`` permutes with ``np.random.default_rng(seed)``; ``shuffle=False``
    keeps the order. Bad arguments raise at once. The last, smaller batch is included
    unless ``drop_last=True``.

    Printed in chapters/04_optimizers.
    """
    stop = iterations_per_epoch(n_samples, batch_size, drop_last) * batch_size
    rng = np.random.default_rng(seed)
    order = rng.permutation(n_samples) if shuffle else np.arange(n_samples)
    return (order[start : start + batch_size] for start in range(0, stop, batch_size))
