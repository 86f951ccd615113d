r"""The dense (fully connected) layer.

A batch is a matrix with one sample per row. For a layer with ``n_in`` inputs and
``n_out`` outputs:

.. math::

    Z = X W + b, \qquad A = f(Z), \qquad
    X: (N, n_{in}),\ W: (n_{in}, n_{out}),\ b: (n_{out},),\ Z, A: (N, n_{out}).

This is the layout Keras stores (``Dense.kernel`` is ``(n_in, n_out)``); PyTorch's
``Linear.weight`` is the transpose, ``(n_out, n_in)``, and computes ``X @ W.T + b``.
Backward, given :math:`dZ = \partial E/\partial Z`:

.. math::

    dW = X^T dZ, \quad db = \textstyle\sum_{\text{rows}} dZ, \quad dX = dZ\, W^T.

The equations are the functions :func:`dense_forward` and :func:`dense_backward`.

>>> import numpy as np
>>> layer = Dense(3, 2, "relu", seed=0)
>>> layer.forward(np.ones((4, 3), dtype=np.float32)).shape
(4, 2)
>>> sorted(layer.parameters()), layer.training
(['W', 'b'], True)
"""

import numpy as np

from .. import activations
from .. import init as initializers
from ..backend import namespace
from ..errors import ShapeError, check_float_dtype, check_int, check_matrix
from .base import Layer


def dense_forward(X, W, b, f):
    r"""Pre-activation :math:`Z = XW + b` and activation :math:`A = f(Z)`.

    Printed in chapters/02_mlp_forward.
    """
    Z = X @ W + b
    A = f(Z)
    return Z, A


def dense_backward(X, W, dZ, input_grad=True):
    r""":math:`dW = X^T dZ`, :math:`db = \sum_{\text{rows}} dZ`, :math:`dX = dZ W^T`.

    ``input_grad=False`` skips ``dX`` (the first layer needs no gradient for its input).
    Printed in chapters/03_backpropagation.
    """
    dW = X.T @ dZ
    db = namespace(dZ).sum(dZ, axis=0)
    dX = dZ @ W.T if input_grad else None
    return dW, db, dX


class Dense(Layer):
    """A fully connected layer ``A = f(X @ W + b)``; keeps ``X``, ``Z``, ``A`` for
    backward."""

    param_names = ("W", "b")

    def __init__(
        self,
        n_in,
        n_out,
        activation=None,
        init="glorot_uniform",
        seed=0,
        dtype=np.float32,
        name="dense",
    ):
        where = f"Dense {name!r}"
        n_in, n_out = check_int(n_in, "n_in", where), check_int(n_out, "n_out", where)
        dtype = check_float_dtype(dtype, where)
        self.name = name
        self.activation = activations.get(activation)
        rng = seed
        if not isinstance(seed, np.random.Generator):
            rng = np.random.default_rng(seed)
        W, b = initializers.get(init)(n_in, n_out, rng)
        for what, arr, shape in (("W", W, (n_in, n_out)), ("b", b, (n_out,))):
            if tuple(np.shape(arr)) != shape:
                raise ShapeError(
                    f"{where}: initialiser {init!r} returned {what} of shape "
                    f"{tuple(np.shape(arr))}, expected {shape} "
                    "(W is (n_in, n_out), b is (n_out,))"
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

    def label(self):
        return f"Dense {self.n_in} -> {self.n_out}, {self.activation.name}"

    def kind(self):
        return f"Dense ({self.activation.name})"

    def call(self, X):
        """:func:`dense_forward`, keeping ``X``, ``Z``, ``A`` for backward."""
        self.X = X
        self.Z, self.A = dense_forward(X, self.W, self.b, self.activation.f)
        return self.A

    def call_backward(self, dA, input_grad=True):
        r""":math:`dZ = dA \odot f'(Z)`, then :meth:`call_backward_Z`."""
        dZ = self.activation.backward(self.Z, self.A, dA)
        return self.call_backward_Z(dZ, input_grad)

    def call_backward_Z(self, dZ, input_grad=True):
        """:func:`dense_backward` from ``dZ = dE/dZ``, storing ``dW`` and ``db``."""
        self.dW, self.db, dX = dense_backward(self.X, self.W, dZ, input_grad)
        return dX

    def check_dZ(self, dZ):
        """``dZ`` is ``(N, n_out)`` for the ``N`` rows of the last forward pass."""
        if self.A is None:
            raise RuntimeError(f"{self.describe()}: backward called before forward")
        check_matrix(dZ, "gradient dE/dZ", self.n_out, where=self.describe)
        if dZ.shape[0] != self.X.shape[0]:
            raise ShapeError(
                f"{self.describe()}: gradient dE/dZ has {dZ.shape[0]} rows but the "
                f"last forward batch had {self.X.shape[0]} (no broadcasting)"
            )

    def __repr__(self):
        return (
            f"Dense({self.n_in}, {self.n_out}, activation={self.activation.name!r}, "
            f"name={self.name!r})"
        )
