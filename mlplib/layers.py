r"""Layers: the protocol every layer follows, and the dense (fully connected) layer.

**The layer protocol.** A layer is an object with

- ``call(X)``: the forward equation on an input already checked (2-D, finite, the
  model's dtype); it keeps what ``call_backward`` needs and its output as ``self.A``,
  and returns ``A``. It reads ``self.training``: ``True`` while
  :func:`mlplib.train.fit` takes steps, ``False`` in :func:`~mlplib.train.evaluate`,
  :func:`~mlplib.train.predict` and validation (PyTorch's ``Module.training``,
  Keras's ``training=`` argument).
- ``call_backward(dA, input_grad=True)``: from :math:`dA = \partial E/\partial A` of
  the last ``call``, store the parameters' gradients and return :math:`dX`, or
  ``None`` when ``input_grad`` is false (the first layer needs no input gradient).
- ``param_names``: the names of its parameter arrays, kept as attributes of those
  names, each gradient as ``"d" + name`` (``W`` and ``dW``; ``gamma`` and ``dgamma``);
  ``()`` for a layer without parameters. ``parameters()`` and ``gradients()`` return
  them as dicts (``{"W": W, "b": b}``, ``{"W": dW, "b": db}``); a model names them
  ``"<index>.<name>"``, like PyTorch's ``state_dict``. A gradient is ``None`` before the
  first backward pass.
- ``n_in`` and ``n_out``: the widths of its input and output, or ``None`` for a layer
  whose output is as wide as its input (dropout).

:class:`Layer` is the base class: its ``forward`` and ``backward`` check their
arguments, then call ``call`` and ``call_backward`` (Keras's ``Layer.__call__`` around
``Layer.call``). A model checks its data once and calls ``call`` and ``call_backward``
directly.

**The dense layer.** A batch is a matrix with one sample per row. For a layer with
``n_in`` inputs and ``n_out`` outputs:

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

from . import activations
from . import init as initializers
from .backend import namespace
from .errors import ShapeError, check_float_dtype, check_int, check_matrix


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


class Layer:
    """The base of every layer: checked ``forward``/``backward`` around the protocol's
    ``call``/``call_backward``; no parameters unless a subclass has some."""

    n_in = n_out = None
    param_names = ()
    training = True
    name = "layer"
    A = None

    def call(self, X):  # pragma: no cover - every layer defines it
        raise NotImplementedError

    def call_backward(self, dA, input_grad=True):  # pragma: no cover - likewise
        raise NotImplementedError

    def parameters(self):
        """``{name: array}`` of the layer's own parameter arrays (updated in place)."""
        return {name: getattr(self, name) for name in self.param_names}

    def gradients(self):
        """``{name: gradient}`` from the last backward pass (``None`` before one)."""
        return {name: getattr(self, "d" + name) for name in self.param_names}

    @property
    def n_params(self):
        """Number of parameters (scalars) of the layer."""
        return int(sum(np.prod(p.shape) for p in self.parameters().values()))

    def label(self):
        """What the layer is, such as ``Dense 3 -> 2, relu``, for messages."""
        return type(self).__name__

    def describe(self):
        """A label such as ``layer '1' (Dense 3 -> 2, relu)`` for error messages."""
        return f"layer {self.name!r} ({self.label()})"

    def kind(self):
        """The layer's row in a model summary, such as ``Dense (relu)``."""
        return type(self).__name__

    def forward(self, X):
        """``call(X)`` after checking that ``X`` is a ``(N, n_in)`` matrix."""
        check_matrix(X, "input", self.n_in, where=self.describe)
        return self.call(X)

    __call__ = forward

    def backward(self, dA, input_grad=True):
        """``call_backward(dA)`` after checking ``dA`` against the last output."""
        self.check_dA(dA)
        return self.call_backward(dA, input_grad)

    def check_dA(self, dA):
        """``dA`` has the shape of the output ``A`` of the last forward pass."""
        if self.A is None:
            raise RuntimeError(f"{self.describe()}: backward called before forward")
        if tuple(dA.shape) != tuple(self.A.shape):
            raise ShapeError(
                f"{self.describe()}: gradient dE/dA has shape {tuple(dA.shape)} but "
                f"the layer's output A had shape {tuple(self.A.shape)} in the last "
                "forward pass; they must be equal (no broadcasting)"
            )


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


def chain_widths(layers):
    """The widths ``[n_0, n_1, ..., n_L]`` between ``layers``: each layer's ``n_in``
    is the width before it (``None``: a layer as wide as its input)."""
    widths, prev = [next(la.n_in for la in layers if la.n_in is not None)], None
    for layer in layers:
        if layer.n_in is not None and layer.n_in != widths[-1]:
            shapes = ""
            if isinstance(prev, Dense) and isinstance(layer, Dense):
                shapes = f" (W shapes {tuple(prev.W.shape)} and {tuple(layer.W.shape)}"
                shapes += " do not chain)"
            raise ShapeError(
                f"Sequential: {prev.describe()} outputs {widths[-1]} values but the "
                f"next, {layer.describe()}, expects {layer.n_in} inputs{shapes}"
            )
        widths.append(widths[-1] if layer.n_out is None else layer.n_out)
        prev = layer if layer.n_out is not None else prev
    return widths
