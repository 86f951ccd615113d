r"""The layer protocol, and its base class :class:`Layer`. A layer is an object with

- ``call(X)``: the forward equation on an input already checked (2-D, finite, the
  model's dtype); it keeps what ``call_backward`` needs and its output as ``self.A``,
  and returns ``A``. It reads ``self.training``: ``True`` while
  :func:`mlplib.training.fit` takes steps, ``False`` in
  :func:`~mlplib.training.evaluate`, :func:`~mlplib.training.predict` and validation
  (PyTorch's ``Module.training``, Keras's ``training=`` argument).
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
- ``buffer_names``: arrays the layer keeps that are not parameters (no gradient, no
  optimizer: batch normalisation's running statistics), as attributes; ``buffers()``
  returns them. A model saves and moves them with the parameters.
"""

import numpy as np

from ..backend import namespace
from ..errors import ShapeError, check_finite, check_matrix, check_names


class Layer:
    """The base of every layer: checked ``forward``/``backward`` around the protocol's
    ``call``/``call_backward``; no parameters unless a subclass has some."""

    n_in = n_out = None
    param_names = buffer_names = ()
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

    def buffers(self):
        """``{name: array}`` of the arrays kept beside the parameters."""
        return {name: getattr(self, name) for name in self.buffer_names}

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


def chain_widths(layers):
    """The widths ``[n_0, n_1, ..., n_L]`` between ``layers``: each layer's ``n_in``
    is the width before it (``None``: a layer as wide as its input)."""
    widths, prev = [next(la.n_in for la in layers if la.n_in is not None)], None
    for layer in layers:
        if layer.n_in is not None and layer.n_in != widths[-1]:
            shapes = ""
            if hasattr(prev, "W") and hasattr(layer, "W"):
                shapes = f" (W shapes {tuple(prev.W.shape)} and {tuple(layer.W.shape)}"
                shapes += " do not chain)"
            raise ShapeError(
                f"Sequential: {prev.describe()} outputs {widths[-1]} values but the "
                f"next, {layer.describe()}, expects {layer.n_in} inputs{shapes}"
            )
        widths.append(widths[-1] if layer.n_out is None else layer.n_out)
        prev = layer if layer.n_out is not None else prev
    return widths


def named(dicts):
    """``{"<i>.<key>": value}`` from the ``i``-th layer's ``{key: value}``."""
    return {f"{i}.{k}": v for i, d in enumerate(dicts) for k, v in d.items()}


def copy_named(own, values, what, where, describe):
    """Check ``values`` against the named arrays ``own`` (names, shapes, finite), then
    copy them in place; ``describe(key)`` names the layer holding ``key``."""
    check_names(values, own, what, where)
    for key, value in values.items():
        value = np.asarray(value) if isinstance(own[key], np.ndarray) else value
        if tuple(value.shape) != tuple(own[key].shape):
            raise ShapeError(
                f"{where}: {key!r} has shape {tuple(value.shape)} but "
                f"{describe(key)} expects {tuple(own[key].shape)}; build the model "
                "with the same sizes"
            )
        check_finite(value, key, where=f"{where}, {describe(key)}")
    for key, value in values.items():  # in place: an optimizer's references stay
        own[key][...] = namespace(own[key]).asarray(value, dtype=own[key].dtype)
