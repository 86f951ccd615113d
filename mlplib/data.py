"""Mini-batches: which samples each gradient step sees.

One epoch visits every sample exactly once. ``minibatches`` shuffles the indices ``0 .. n-1`` with a
seeded generator (a fresh ``np.random.default_rng(seed)`` per call, so the same seed gives the same
order) and cuts them into batches of ``batch_size``; the last batch holds the remaining
``n mod batch_size`` samples unless ``drop_last=True``.

``batch_size = n`` is full-batch gradient descent, ``batch_size = 1`` stochastic gradient descent,
anything between is mini-batch gradient descent: one loop covers all three::

    for epoch in range(n_epochs):
        for idx in data.minibatches(len(X), batch_size, seed=epoch):
            model.compute_gradients(loss, X[idx], T[idx])
            opt.step(model.gradients())
"""
import math

import numpy as np


def _check(n_samples, batch_size):
    for name, value in (("n_samples", n_samples), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an integer, got {value!r}")
    if n_samples < 1:
        raise ValueError(f"n_samples must be >= 1, got {n_samples}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")


def iterations_per_epoch(n, batch_size, drop_last=False):
    """Gradient steps per epoch: ``ceil(n / batch_size)``, or ``floor`` with ``drop_last`` (60,000 / 10 = 6,000)."""
    _check(n, batch_size)
    return n // batch_size if drop_last else math.ceil(n / batch_size)


def minibatches(n_samples, batch_size, shuffle=True, seed=None, drop_last=False):
    """Return an iterator over index arrays that split ``range(n_samples)`` into batches of ``batch_size`` (one epoch).

    ``shuffle=True`` permutes with ``np.random.default_rng(seed)``; ``shuffle=False`` keeps the order.
    Bad arguments raise at once. The last, smaller batch is included unless ``drop_last=True``.
    """
    _check(n_samples, batch_size)
    order = np.random.default_rng(seed).permutation(n_samples) if shuffle else np.arange(n_samples)
    stop = iterations_per_epoch(n_samples, batch_size, drop_last) * batch_size
    return (order[start:start + batch_size] for start in range(0, stop, batch_size))
