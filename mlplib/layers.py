r"""The dense (fully connected) layer.

A batch is a matrix with one sample per row. For a layer with ``n_in`` inputs and
``n_out`` outputs:

.. math::

    Z = X W + b, \qquad A = f(Z), \qquad
    X: (N, n_{in}),\ W: (n_{in}, n_{out}),\ b: (n_{out},),\ Z, A: (N, n_{out}).

This is the layout Keras stores (``Dense.kernel`` is ``(n_in, n_out)``); PyTorch's
``Linear.weight`` is the transpose, ``(n_out, n_in)``, and computes ``X @ W.T + b``.

Backward, given :math:`dA = \partial E/\partial A`:

.. math::

    dZ = dA \odot f'(Z), \quad dW = X^T dZ, \quad db = \textstyle\sum_{\text{rows}} dZ, \quad dX = dZ\, W^T.
"""
import numpy as np

from . import activations, init as initializers
from .backend import namespace
from .errors import check_matrix


class Dense:
    """A fully connected layer ``A = f(X @ W + b)``, which remembers ``X``, ``Z`` and ``A`` for backward."""

    def __init__(self, n_in, n_out, activation=None, init="glorot_uniform", seed=0, dtype=np.float32, name="dense"):
        for what, n in (("n_in", n_in), ("n_out", n_out)):
            if not (isinstance(n, (int, np.integer)) and n > 0):
                raise ValueError(f"Dense {name!r}: {what} must be a positive integer, got {n!r}")
        self.name = name
        self.activation = activations.get(activation)
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        W, b = initializers.get(init)(int(n_in), int(n_out), rng)
        self.W = np.asarray(W, dtype=dtype)
        self.b = np.asarray(b, dtype=dtype)
        self.dW = self.db = None
        self.X = self.Z = self.A = None

    @property
    def n_in(self):
        return self.W.shape[0]

    @property
    def n_out(self):
        return self.W.shape[1]

    def describe(self):
        """A short label such as ``layer '1' (Dense 3 -> 2, relu)`` used in error messages."""
        return f"layer {self.name!r} (Dense {self.n_in} -> {self.n_out}, {self.activation.name})"

    def forward(self, X):
        """``Z = X @ W + b``, ``A = f(Z)``; keeps ``X``, ``Z``, ``A`` for :meth:`backward`."""
        check_matrix(X, "input", self.n_in, where=self.describe())
        self.X = X
        self.Z = X @ self.W + self.b
        self.A = self.activation.f(self.Z)
        return self.A

    __call__ = forward

    def backward(self, dA):
        """Given ``dA = dE/dA``, store ``dW``, ``db`` and return ``dX = dE/dX``."""
        return self.backward_Z(self.activation.backward(self.Z, self.A, dA))

    def backward_Z(self, dZ):
        """Given ``dZ = dE/dZ``: ``dW = X^T dZ``, ``db`` = column sums of ``dZ``, return ``dX = dZ W^T``."""
        if self.X is None:
            raise RuntimeError(f"{self.describe()}: backward called before forward")
        check_matrix(dZ, "gradient dE/dZ", self.n_out, where=self.describe())
        if dZ.shape[0] != self.X.shape[0]:
            raise ValueError(
                f"{self.describe()}: gradient has {dZ.shape[0]} rows but the last forward batch had {self.X.shape[0]}"
            )
        self.dW = self.X.T @ dZ
        self.db = namespace(dZ).sum(dZ, axis=0)
        return dZ @ self.W.T

    def __repr__(self):
        return f"Dense({self.n_in}, {self.n_out}, activation={self.activation.name!r}, name={self.name!r})"
