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
from .errors import ShapeError, check_matrix


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
        for what, arr, shape in (("W", W, (n_in, n_out)), ("b", b, (n_out,))):
            if tuple(np.shape(arr)) != tuple(int(n) for n in shape):
                raise ShapeError(
                    f"Dense {name!r}: initialiser {init!r} returned {what} of shape {tuple(np.shape(arr))}, "
                    f"expected {tuple(int(n) for n in shape)} (W is (n_in, n_out), b is (n_out,))"
                )
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

    @property
    def n_params(self):
        """Number of parameters: ``n_in * n_out`` weights plus ``n_out`` biases."""
        return int(self.W.shape[0] * self.W.shape[1] + self.b.shape[0])

    def describe(self):
        """A short label such as ``layer '1' (Dense 3 -> 2, relu)`` used in error messages."""
        return f"layer {self.name!r} (Dense {self.n_in} -> {self.n_out}, {self.activation.name})"

    def forward(self, X):
        """``Z = X @ W + b``, ``A = f(Z)``; keeps ``X``, ``Z``, ``A`` for :meth:`backward`."""
        check_matrix(X, "input", self.n_in, where=self.describe)
        self.X = X
        self.Z = X @ self.W + self.b
        self.A = self.activation.f(self.Z)
        return self.A

    __call__ = forward

    def backward(self, dA, input_grad=True):
        """Given ``dA = dE/dA``, store ``dW``, ``db`` and return ``dX = dE/dX`` (``None`` if not ``input_grad``)."""
        if self.A is None:
            raise RuntimeError(f"{self.describe()}: backward called before forward")
        if tuple(dA.shape) != tuple(self.A.shape):
            raise ShapeError(
                f"{self.describe()}: gradient dE/dA has shape {tuple(dA.shape)} but the layer's output A had shape "
                f"{tuple(self.A.shape)} in the last forward pass; they must be equal (no broadcasting)"
            )
        return self.backward_Z(self.activation.backward(self.Z, self.A, dA), input_grad)

    def backward_Z(self, dZ, input_grad=True):
        """Given ``dZ = dE/dZ``: ``dW = X^T dZ``, ``db`` = column sums of ``dZ``, return ``dX = dZ W^T``.

        ``input_grad=False`` skips the ``dX`` product and returns ``None`` (the first layer of a model
        needs no gradient for its input; for 784 inputs that product is a third of the layer's backward flops).
        """
        if self.X is None:
            raise RuntimeError(f"{self.describe()}: backward called before forward")
        check_matrix(dZ, "gradient dE/dZ", self.n_out, where=self.describe)
        if dZ.shape[0] != self.X.shape[0]:
            raise ShapeError(
                f"{self.describe()}: gradient has {dZ.shape[0]} rows but the last forward batch had {self.X.shape[0]}"
            )
        self.dW = self.X.T @ dZ
        self.db = namespace(dZ).sum(dZ, axis=0)
        return dZ @ self.W.T if input_grad else None

    def __repr__(self):
        return f"Dense({self.n_in}, {self.n_out}, activation={self.activation.name!r}, name={self.name!r})"
