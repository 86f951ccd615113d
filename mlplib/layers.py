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

The equations live in the two functions :func:`dense_forward` and
:func:`dense_backward`. :class:`Dense` holds ``W``, ``b`` and the arrays of the last
pass; its public methods check their inputs, then call the unchecked ``_forward`` and
``_backward_Z`` that a model uses once its inputs are known to be right.

>>> import numpy as np
>>> layer = Dense(3, 2, "relu", seed=0)
>>> layer.forward(np.ones((4, 3), dtype=np.float32)).shape
(4, 2)
"""

import numpy as np

from . import activations
from . import init as initializers
from .backend import namespace
from .errors import ShapeError, check_float_dtype, check_int, check_matrix


def dense_forward(X, W, b, f):
    r"""Pre-activation :math:`Z = XW + b` and activation :math:`A = f(Z)`."""
    Z = X @ W + b
    A = f(Z)
    return Z, A


def dense_backward(X, W, dZ, input_grad=True):
    r""":math:`dW = X^T dZ`, :math:`db = \sum_{\text{rows}} dZ`, :math:`dX = dZ W^T`.

    ``input_grad=False`` skips ``dX`` (the first layer needs no gradient for its input).
    """
    dW = X.T @ dZ
    db = namespace(dZ).sum(dZ, axis=0)
    dX = dZ @ W.T if input_grad else None
    return dW, db, dX


class Dense:
    """A fully connected layer ``A = f(X @ W + b)``; keeps ``X``, ``Z``, ``A`` for
    backward."""

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
        rng = (
            seed
            if isinstance(seed, np.random.Generator)
            else np.random.default_rng(seed)
        )
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

    @property
    def n_params(self):
        """Number of parameters: ``n_in * n_out`` weights plus ``n_out`` biases."""
        return int(self.W.shape[0] * self.W.shape[1] + self.b.shape[0])

    def describe(self):
        """A label such as ``layer '1' (Dense 3 -> 2, relu)`` for error messages."""
        return (
            f"layer {self.name!r} (Dense {self.n_in} -> {self.n_out}, "
            f"{self.activation.name})"
        )

    def forward(self, X):
        """``Z = X @ W + b``, ``A = f(Z)`` after checking ``X``; returns ``A``."""
        check_matrix(X, "input", self.n_in, where=self.describe)
        return self._forward(X)

    __call__ = forward

    def _forward(self, X):
        """:func:`dense_forward` on a checked ``X``, keeping ``X``, ``Z``, ``A``."""
        self.X = X
        self.Z, self.A = dense_forward(X, self.W, self.b, self.activation.f)
        return self.A

    def backward(self, dA, input_grad=True):
        """From ``dA = dE/dA``: store ``dW``, ``db``; return ``dX`` (or ``None``)."""
        self.check_dA(dA)
        dZ = self.activation.backward(self.Z, self.A, dA)
        return self._backward_Z(dZ, input_grad)

    def backward_Z(self, dZ, input_grad=True):
        """From ``dZ = dE/dZ``: store ``dW``, ``db``; return ``dX`` (or ``None``).

        ``input_grad=False`` skips the ``dX`` product and returns ``None`` (the first
        layer of a model needs no gradient for its input; for 784 inputs that product is
        a third of the layer's backward flops).
        """
        self.check_dZ(dZ)
        return self._backward_Z(dZ, input_grad)

    def _backward_Z(self, dZ, input_grad=True):
        """:func:`dense_backward` on a checked ``dZ``, storing ``dW`` and ``db``."""
        self.dW, self.db, dX = dense_backward(self.X, self.W, dZ, input_grad)
        return dX

    def check_dA(self, dA):
        """``dA`` has the shape of the output ``A`` of the last forward pass."""
        self._check_forward_done()
        if tuple(dA.shape) != tuple(self.A.shape):
            raise ShapeError(
                f"{self.describe()}: gradient dE/dA has shape {tuple(dA.shape)} but "
                f"the layer's output A had shape {tuple(self.A.shape)} in the last "
                "forward pass; they must be equal (no broadcasting)"
            )

    def check_dZ(self, dZ):
        """``dZ`` is ``(N, n_out)`` for the ``N`` rows of the last forward pass."""
        self._check_forward_done()
        check_matrix(dZ, "gradient dE/dZ", self.n_out, where=self.describe)
        if dZ.shape[0] != self.X.shape[0]:
            raise ShapeError(
                f"{self.describe()}: gradient dE/dZ has {dZ.shape[0]} rows but the "
                f"last forward batch had {self.X.shape[0]} (no broadcasting)"
            )

    def _check_forward_done(self):
        if self.A is None:
            raise RuntimeError(f"{self.describe()}: backward called before forward")

    def __repr__(self):
        return (
            f"Dense({self.n_in}, {self.n_out}, activation={self.activation.name!r}, "
            f"name={self.name!r})"
        )
