r"""Inverted dropout (Srivastava et al., 2014): in training, each entry of the input is
kept with probability :math:`1 - r` and scaled by :math:`1/(1-r)`, so that its expected
value is unchanged; in inference the layer passes its input through.

With a mask :math:`M` of independent Bernoulli entries, :math:`P(M_{nj} = 1) = 1 - r`:

.. math::

    A = \frac{X \odot M}{1 - r}, \qquad dX = \frac{dA \odot M}{1 - r}.

PyTorch's ``nn.Dropout(p=r)`` and Keras's ``layers.Dropout(rate=r)`` compute the same
(each with its own random generator, so their masks differ from mlplib's).

>>> import numpy as np
>>> drop = Dropout(0.5, seed=0)
>>> A = drop.forward(np.ones((2, 4)))
>>> sorted(set(A.ravel().tolist()))
[0.0, 2.0]
>>> drop.training = False
>>> drop.forward(np.ones((2, 4))).tolist()
[[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]
"""

import numpy as np

from .backend import namespace
from .errors import check_real
from .layers import Layer


def dropout_forward(X, M, r):
    r""":math:`A = X \odot M / (1 - r)`: dropped entries are 0, kept ones scaled.
    Printed in chapters/06_deep_training."""
    return X * M / (1 - r)


def dropout_backward(dA, M, r):
    r""":math:`dX = dA \odot M / (1 - r)`: the gradient flows through kept entries.
    Printed in chapters/06_deep_training."""
    return dA * M / (1 - r)


class Dropout(Layer):
    """Drop each input entry with probability ``rate`` while training (a new mask at
    every forward pass, from a generator seeded with ``seed``); identity in
    inference."""

    def __init__(self, rate, seed=0, name="dropout"):
        self.name = name
        self.rate = check_real(rate, "rate", f"Dropout {name!r}", 0, 1, open_="high")
        self.rng = (
            seed
            if isinstance(seed, np.random.Generator)
            else np.random.default_rng(seed)
        )
        self.M = None

    def label(self):
        return f"Dropout {self.rate:g}"

    def call(self, X):
        """A new mask and :func:`dropout_forward` in training; ``X`` itself else."""
        if not self.training or self.rate == 0:
            self.M, self.A = None, X
            return X
        keep = self.rng.random(tuple(X.shape)) >= self.rate
        self.M = namespace(X).asarray(keep, dtype=X.dtype)
        self.A = dropout_forward(X, self.M, self.rate)
        return self.A

    def call_backward(self, dA, input_grad=True):
        """:func:`dropout_backward` with the last mask (``dA`` itself without one)."""
        if not input_grad:
            return None
        return dA if self.M is None else dropout_backward(dA, self.M, self.rate)

    def __repr__(self):
        return f"Dropout({self.rate:g}, name={self.name!r})"


# ---- conversions to and from PyTorch and Keras (mlplib.interop re-exports them) -----
def dropout_to_torch(drop):
    """``nn.Dropout(p=rate)`` (its own random masks)."""
    from .interop import framework

    return framework("torch").nn.Dropout(p=drop.rate)


def dropout_to_keras(drop):
    """``layers.Dropout(rate)`` (its own random masks)."""
    from .interop import framework

    return framework("keras").layers.Dropout(drop.rate)


def dropout_from_framework(layer, seed=0, name="dropout"):
    """An mlplib :class:`~mlplib.dropout.Dropout` with the rate of a PyTorch
    ``nn.Dropout`` (``p``) or a Keras ``layers.Dropout`` (``rate``)."""

    rate = getattr(layer, "p", getattr(layer, "rate", None))
    if rate is None:
        raise ValueError(f"{type(layer).__name__} is not nn.Dropout or layers.Dropout")
    return Dropout(float(rate), seed=seed, name=name)
