r"""A sequential model: layers applied one after the other.

.. math::

    Y = f^{(L)}(\cdots f^{(2)}(f^{(1)}(X W^{(1)} + b^{(1)}) W^{(2)} + b^{(2)}) \cdots
    W^{(L)} + b^{(L)})

Parameters are named like PyTorch's ``state_dict`` keys: ``"0.W"``, ``"0.b"``, ... The
public methods check their inputs and call the unchecked ``_forward``, ``_backward`` and
``_compute_gradients``, which :func:`mlplib.train.fit` calls directly once it has
checked the whole data set.

>>> import numpy as np
>>> model = Sequential.from_sizes([2, 3, 1], ["tanh", "sigmoid"], seed=0)
>>> model.forward(np.zeros((5, 2))).shape
(5, 1)
>>> sorted(model.parameters())
['0.W', '0.b', '1.W', '1.b']
"""

import numpy as np

from . import losses as losses_module
from .backend import namespace
from .errors import ShapeError, check_finite, check_matrix, check_names
from .layers import Dense


class Sequential:
    """A chain of :class:`~mlplib.layers.Dense` layers with forward and backward."""

    def __init__(self, layers):
        layers = list(layers)
        if not layers:
            raise ValueError("Sequential: needs at least one layer")
        for i, layer in enumerate(layers):
            layer.name = str(i)
        for prev, layer in zip(layers, layers[1:]):
            if prev.n_out != layer.n_in:
                raise ShapeError(
                    f"Sequential: {prev.describe()} outputs {prev.n_out} values but "
                    f"the next, {layer.describe()}, expects {layer.n_in} inputs "
                    f"(W shapes {tuple(prev.W.shape)} and {tuple(layer.W.shape)} do "
                    "not chain)"
                )
        self.layers = layers
        self._names = [(f"{i}.W", f"{i}.b") for i in range(len(layers))]

    @classmethod
    def from_sizes(
        cls, sizes, activations, init="glorot_uniform", seed=0, dtype=np.float32
    ):
        """Layers of sizes ``[n_0, n_1, ..., n_L]``, one activation each (or one name).

        ``seed`` seeds one generator shared by the layers in order (reproducible).
        """
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(
                "Sequential.from_sizes: need at least 2 sizes (input and output), "
                f"got {sizes}"
            )
        if isinstance(activations, str) or activations is None:
            activations = [activations] * (len(sizes) - 1)
        activations = list(activations)
        if len(activations) != len(sizes) - 1:
            raise ValueError(
                f"Sequential.from_sizes: {len(sizes) - 1} layers ({sizes}) need "
                f"{len(sizes) - 1} activations, got {len(activations)}: {activations}"
            )
        rng = np.random.default_rng(seed)
        pairs = zip(sizes[:-1], sizes[1:], activations)
        return cls(Dense(i, o, f, init, rng, dtype) for i, o, f in pairs)

    @property
    def dtype(self):
        return self.layers[0].W.dtype

    # ---- forward -------------------------------------------------------------------
    def forward(self, X):
        """The output ``Y`` of the last layer, after checking ``X`` (2-D, finite).

        ``X`` is converted to the model's dtype; each layer keeps ``X``, ``Z``, ``A``.
        """
        return self._forward(self.check_inputs(X, "model input"))

    __call__ = forward
    predict = forward

    def check_inputs(self, X, where):
        """``X`` as a finite ``(N, n_0)`` array in the model's namespace and dtype."""
        first = self.layers[0]
        label = lambda: f"{where}, {first.describe()}"  # noqa: E731 (built on failure)
        check_matrix(X, "input X", first.n_in, where=label)
        X = namespace(X, first.W).asarray(X, dtype=first.W.dtype)
        check_finite(X, "input X", where=label)
        return X

    def _forward(self, X):
        """Each layer's output is the next layer's input: :math:`A^{(0)} = X`."""
        A = X
        for layer in self.layers:
            A = layer._forward(A)
        return A

    # ---- backward ------------------------------------------------------------------
    def backward(self, dA=None, dZ=None, input_grad=True):
        """Backpropagate from the output: ``dA = dE/dA`` or ``dZ = dE/dZ`` of it.

        ``dZ`` is the logit gradient of a fused loss, which skips the last activation.
        Returns ``dE/dX``, or ``None`` with ``input_grad=False``.
        """
        if (dA is None) == (dZ is None):
            raise ValueError(
                "Sequential.backward: pass exactly one of dA (dE/dA of the output) "
                "or dZ (dE/dZ)"
            )
        last = self.layers[-1]
        if dZ is None:
            last.check_dA(dA)
            dZ = last.activation.backward(last.Z, last.A, dA)
        last.check_dZ(dZ)
        return self._backward(dZ, input_grad)

    def _backward(self, dZ, input_grad=False):
        r"""From the output layer's :math:`dZ` down: :math:`dA = dZ\,W^T`, then
        :math:`dZ = dA \odot f'(Z)` in the layer below."""
        for layer, below in zip(self.layers[:0:-1], self.layers[-2::-1]):
            dA = layer._backward_Z(dZ)
            dZ = below.activation.backward(below.Z, below.A, dA)
        return self.layers[0]._backward_Z(dZ, input_grad)

    def compute_gradients(self, loss, X, T):
        """Forward ``X``, evaluate ``loss`` against ``T``, backpropagate; return ``E``.

        A fused loss (softmax + cross-entropy, sigmoid + binary cross-entropy) is
        evaluated on the last layer's logits ``Z`` and its gradient enters below the
        output activation. ``T`` may be integer labels for the cross-entropy.
        """
        return self._compute_gradients(
            *self.check_data(loss, X, T, "compute_gradients")
        )

    def loss_value(self, loss, X, T):
        """The loss on ``(X, T)`` exactly as :meth:`compute_gradients` evaluates it."""
        return self._loss_value(*self.check_data(loss, X, T, "loss_value"))

    def check_data(self, loss, X, T, where):
        """``(loss, X, T)`` checked: a Loss fitting the output; ``X``, ``T`` as arrays.

        ``X`` and ``T`` are converted to the model's dtype; integer labels become
        one-hot rows (for the cross-entropy).
        """
        loss = self.check_loss(loss)
        X = self.check_inputs(X, where)
        T = loss.targets(T, (X.shape[0], self.layers[-1].n_out), where)
        return loss, X, namespace(X).asarray(T, dtype=self.dtype)

    def check_loss(self, loss):
        """The :class:`~mlplib.losses.Loss` for ``loss``, fitting the output layer."""
        loss = losses_module.get(loss)
        last = self.layers[-1]
        fused = loss.fused_activation
        if fused is not None and last.activation.name != fused:
            raise ValueError(
                f"loss {loss.name} works on the logits of a {fused} output, but the "
                f"last layer is {last.describe()}; give it activation={fused!r}"
            )
        return loss

    def _loss_input(self, loss):
        """What ``loss`` compares with ``T``: the logits ``Z`` for a fused loss."""
        last = self.layers[-1]
        return last.Z if loss.fused_activation else last.A

    def _loss_value(self, loss, X, T):
        """Forward ``X`` and return the loss against ``T`` (checked inputs)."""
        self._forward(X)
        return loss.E(self._loss_input(loss), T)

    def _compute_gradients(self, loss, X, T):
        """Forward, loss, backward on checked ``X`` and ``T``; returns ``E``."""
        self._forward(X)
        last, Y = self.layers[-1], self._loss_input(loss)
        dE = loss.dE(Y, T)
        fused = loss.fused_activation is not None  # dE/dZ already: skip f'(Z)
        self._backward(dE if fused else last.activation.backward(last.Z, last.A, dE))
        return loss.E(Y, T)

    # ---- parameters ----------------------------------------------------------------
    def parameters(self):
        """Named parameters ``{"0.W": W, "0.b": b, ...}``: the layers' own arrays."""
        return self._named("W", "b")

    def gradients(self):
        """Named gradients ``{"0.W": dW, "0.b": db, ...}`` from the last backward."""
        if self.layers[0].dW is None:
            raise RuntimeError(
                "Sequential.gradients: no gradients yet; call backward or "
                "compute_gradients first"
            )
        return self._named("dW", "db")

    def _named(self, w, b):
        named = {}
        for (name_w, name_b), layer in zip(self._names, self.layers):
            named[name_w], named[name_b] = getattr(layer, w), getattr(layer, b)
        return named

    def set_parameters(self, params):
        """Copy values into the parameters (in place); names and shapes must match."""
        own = self.parameters()
        check_names(params, own, "parameter names", "set_parameters")
        for key, value in params.items():
            value = np.asarray(value) if isinstance(own[key], np.ndarray) else value
            layer = self.layers[int(key.split(".")[0])].describe()
            where = f"set_parameters, {layer}"
            if tuple(value.shape) != tuple(own[key].shape):
                raise ShapeError(
                    f"set_parameters: {key} of {layer} has shape "
                    f"{tuple(own[key].shape)}, got {tuple(value.shape)}"
                )
            check_finite(value, key, where=where)
        for key, value in params.items():  # in place: an optimizer's references stay
            own[key][...] = namespace(own[key]).asarray(value, dtype=own[key].dtype)

    @property
    def n_params(self):
        """Total number of parameters (weights and biases of every layer)."""
        return sum(layer.n_params for layer in self.layers)

    def summary(self):
        """A table like Keras's ``model.summary()``: layer, output shape, parameters."""
        rows = [("Layer (activation)", "Output shape", "Param #")] + [
            (
                f"{la.name}: Dense ({la.activation.name})",
                f"(None, {la.n_out})",
                f"{la.n_params:,}",
            )
            for la in self.layers
        ]
        w = [max(len(r[i]) for r in rows) for i in range(3)]
        lines = [f"{a:<{w[0]}}  {b:<{w[1]}}  {c:>{w[2]}}" for a, b, c in rows]
        rule = "-" * (sum(w) + 4)
        total = f"Total params: {self.n_params:,}"
        return "\n".join([lines[0], rule, *lines[1:], rule, total])

    def __repr__(self):
        rows = "".join(f"    {layer!r},\n" for layer in self.layers)
        return "Sequential([\n" + rows + "])"
