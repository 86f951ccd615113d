r"""Weight initialisation schemes, each a function ``(n_in, n_out, rng) -> (W, b)``.

``W`` has shape ``(n_in, n_out)`` and ``b`` shape ``(n_out,)``.

- ``torch_uniform``: W and b uniform in
  :math:`U(-1/\sqrt{n_{in}},\ 1/\sqrt{n_{in}})` (PyTorch ``nn.Linear``).
- ``glorot_uniform``: W uniform in
  :math:`U(-\sqrt{6/(n_{in}+n_{out})},\ +\sqrt{6/(n_{in}+n_{out})})` (Keras ``Dense``),
  b = 0.
- ``he_normal``: W normal :math:`N(0,\ 2/n_{in})` (He et al. 2015, for ReLU), b = 0.
- ``zeros``: W = 0, b = 0.

The distributions match the frameworks; the random streams do not (each library has its
own generator), so to compare with PyTorch or Keras copy the weights
(:mod:`mlplib.interop`).
"""

import numpy as np


def torch_uniform(n_in, n_out, rng):
    """PyTorch ``nn.Linear``: W and b uniform in ``[-1/sqrt(n_in), 1/sqrt(n_in)]``."""
    bound = 1 / np.sqrt(n_in)
    return rng.uniform(-bound, bound, (n_in, n_out)), rng.uniform(-bound, bound, n_out)


def glorot_uniform(n_in, n_out, rng):
    """Keras ``Dense`` default (Glorot & Bengio 2010): W uniform in
    ``±sqrt(6 / (n_in + n_out))``, b = 0.

    Printed in chapters/06_deep_training.
    """
    limit = np.sqrt(6 / (n_in + n_out))
    return rng.uniform(-limit, limit, (n_in, n_out)), np.zeros(n_out)


def he_normal(n_in, n_out, rng):
    """He et al. (2015): W normal with mean 0 and variance ``2 / n_in``, b = 0.

    Printed in chapters/06_deep_training.
    """
    return rng.normal(0.0, np.sqrt(2 / n_in), (n_in, n_out)), np.zeros(n_out)


def zeros(n_in, n_out, rng):
    """All zeros: every hidden unit stays identical under gradient descent (a lesson,
    not a choice)."""
    return np.zeros((n_in, n_out)), np.zeros(n_out)


INITIALIZERS = {
    f.__name__: f for f in (torch_uniform, glorot_uniform, he_normal, zeros)
}


def get(init):
    """Return an initialiser function from its name, or ``init`` itself if it is
    callable."""
    if callable(init):
        return init
    if init in INITIALIZERS:
        return INITIALIZERS[init]
    raise ValueError(
        f"unknown initialiser {init!r}; expected one of {sorted(INITIALIZERS)} or a "
        "function"
    )
