r"""A sequential model: layers applied one after the other.

.. math::

    Y = f^{(L)}(\cdots f^{(2)}(f^{(1)}(X W^{(1)} + b^{(1)}) W^{(2)} + b^{(2)}) \cdots
    W^{(L)} + b^{(L)})

Any layers of the protocol in :mod:`mlplib.layers` chain, the last a
:class:`~mlplib.layers.Dense` (the loss gradient enters through its :math:`dZ`).
Parameters are named like PyTorch's ``state_dict`` keys: ``"0.W"``, ``"0.b"``, ... The
public methods check their arguments, then call ``call``, ``call_backward``,
``call_loss`` or ``call_gradients``, which :func:`mlplib.training.fit` calls directly.
``train()`` and ``eval()`` set the mode every layer reads as ``layer.training``
(PyTorch's ``Module.train``/``eval``): :func:`~mlplib.training.fit` steps in training
mode and validates in evaluation mode, :func:`~mlplib.training.evaluate` and
:func:`~mlplib.training.predict` run in evaluation mode, and each restores the mode.

>>> import numpy as np
>>> model = Sequential.from_sizes([2, 3, 1], ["tanh", "sigmoid"], seed=0)
>>> model.forward(np.zeros((5, 2))).shape, sorted(model.parameters()), model.training
((5, 1), ['0.W', '0.b', '1.W', '1.b'], True)
"""

import numpy as np

from . import losses as losses_module
from .backend import namespace
from .errors import check_finite, check_matrix
from .layers import Dense, chain_widths, copy_named, named


class Sequential:
    """A chain of layers (:mod:`mlplib.layers`) with forward and backward."""

    def __init__(self, layers):
        layers = list(layers)
        if not layers:
            raise ValueError("Sequential: needs at least one layer")
        for i, layer in enumerate(layers):
            layer.name = str(i)
        if not isinstance(layers[-1], Dense):
            last = layers[-1].describe()
            raise TypeError(f"Sequential: the last layer must be a Dense, got {last}")
        self.layers = layers
        self.widths = chain_widths(layers)
        self.train()

    @classmethod
    def from_sizes(
        cls, sizes, activations, init="glorot_uniform", seed=0, dtype=np.float32
    ):
        """Dense layers of sizes ``[n_0, n_1, ..., n_L]``, one activation each (or one
        name). ``seed`` seeds one generator shared by the layers in order."""
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
        return next(iter(self.parameters().values())).dtype

    def train(self, mode=True):
        """Training mode for every layer (``mode=False``: evaluation); returns self."""
        self.training = bool(mode)
        for layer in self.layers:
            layer.training = self.training
        return self

    def eval(self):
        return self.train(False)

    def forward(self, X):
        """The output ``Y`` of the last layer, after checking ``X`` (2-D, finite) and
        converting it to the model's dtype."""
        return self.call(self.check_inputs(X, "model input"))

    __call__ = forward
    predict = forward

    def check_inputs(self, X, where):
        """``X`` as a finite ``(N, n_0)`` array in the model's namespace and dtype."""
        where = f"{where}, {self.layers[0].describe()}"
        check_matrix(X, "input X", self.widths[0], where=where)
        X = namespace(X, self.layers[-1].W).asarray(X, dtype=self.dtype)
        check_finite(X, "input X", where=where)
        return X

    def call(self, X):
        """Each layer's output is the next layer's input: :math:`A^{(0)} = X`.

        Printed in chapters/02_mlp_forward.
        """
        A = X
        for layer in self.layers:
            A = layer.call(A)
        return A

    def backward(self, dA=None, dZ=None, input_grad=True):
        """Backpropagate ``dA = dE/dA`` of the output, or ``dZ = dE/dZ`` (a fused
        loss's logit gradient); returns ``dE/dX`` (``None`` if not ``input_grad``)."""
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
        return self.call_backward(dZ, input_grad)

    def call_backward(self, dZ, input_grad=False):
        r"""From the output layer's :math:`dZ` down: each layer turns the gradient of
        its output into that of its input (:math:`dA = dZ\,W^T`, then
        :math:`dZ = dA \odot f'(Z)` in a dense layer below).

        Printed in chapters/03_backpropagation.
        """
        layers = self.layers
        if len(layers) == 1:
            return layers[0].call_backward_Z(dZ, input_grad)
        dA = layers[-1].call_backward_Z(dZ)
        for layer in layers[-2:0:-1]:
            dA = layer.call_backward(dA)
        return layers[0].call_backward(dA, input_grad)

    def compute_gradients(self, loss, X, T):
        """Forward ``X``, evaluate ``loss`` against ``T`` (integer labels for the
        cross-entropy), backpropagate; return ``E``. A fused loss uses the logits."""
        return self.call_gradients(*self.check_data(loss, X, T, "compute_gradients"))

    def loss_value(self, loss, X, T):
        """The loss on ``(X, T)`` exactly as :meth:`compute_gradients` evaluates it."""
        return self.call_loss(*self.check_data(loss, X, T, "loss_value"))

    def check_data(self, loss, X, T, where):
        """``(loss, X, T)`` checked: a Loss fitting the output; ``X``, ``T`` in the
        model's dtype (integer labels become one-hot rows for the cross-entropy)."""
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

    def loss_input(self, loss):
        """What ``loss`` compares with ``T``: the logits ``Z`` for a fused loss."""
        last = self.layers[-1]
        return last.Z if loss.fused_activation else last.A

    def call_loss(self, loss, X, T):
        """Forward ``X`` and return the loss against ``T`` (checked inputs)."""
        self.call(X)
        return loss.E(self.loss_input(loss), T)

    def call_gradients(self, loss, X, T):
        """Forward, loss, backward on checked ``X`` and ``T``; returns ``E``.

        Printed in chapters/03_backpropagation.
        """
        self.call(X)
        last, Y = self.layers[-1], self.loss_input(loss)
        dE = loss.dE(Y, T)  # dE/dZ for a fused loss, else dE/dA: then through f'(Z)
        if loss.fused_activation is None:
            dE = last.activation.backward(last.Z, last.A, dE)
        self.call_backward(dE)
        return loss.E(Y, T)

    def parameters(self):
        """Named parameters ``{"0.W": W, "0.b": b, ...}``: the layers' own arrays."""
        return named(layer.parameters() for layer in self.layers)

    def buffers(self):
        """Named arrays kept beside the parameters, such as ``"1.running_mean"``."""
        return named(layer.buffers() for layer in self.layers)

    def gradients(self):
        """Named gradients ``{"0.W": dW, "0.b": db, ...}`` from the last backward."""
        grads = named(layer.gradients() for layer in self.layers)
        if any(g is None for g in grads.values()):
            raise RuntimeError(
                "Sequential.gradients: no gradients yet; call backward or "
                "compute_gradients first"
            )
        return grads

    def set_parameters(self, params, where="set_parameters"):
        """Copy values into the parameters (in place); names and shapes must match."""
        copy_named(self.parameters(), params, "parameter names", where, self.describe)

    def set_buffers(self, buffers, where="set_buffers"):
        """Copy values into the buffers (in place); names and shapes must match."""
        copy_named(self.buffers(), buffers, "buffer names", where, self.describe)

    def describe(self, key):
        """The layer that holds the array named ``key`` (``"1.W"``), for messages."""
        return self.layers[int(key.split(".")[0])].describe()

    @property
    def n_params(self):
        """Total number of parameters (of every layer)."""
        return sum(layer.n_params for layer in self.layers)

    def summary(self):
        """A table like Keras's ``model.summary()``: layer, output shape, parameters."""
        rows = [("Layer (activation)", "Output shape", "Param #")] + [
            (f"{la.name}: {la.kind()}", f"(None, {n})", f"{la.n_params:,}")
            for la, n in zip(self.layers, self.widths[1:])
        ]
        w = [max(len(r[i]) for r in rows) for i in range(3)]
        lines = [f"{a:<{w[0]}}  {b:<{w[1]}}  {c:>{w[2]}}" for a, b, c in rows]
        rule = "-" * (sum(w) + 4)
        total = f"Total params: {self.n_params:,}"
        return "\n".join([lines[0], rule, *lines[1:], rule, total])

    def __repr__(self):
        rows = "".join(f"    {layer!r},\n" for layer in self.layers)
        return "Sequential([\n" + rows + "])"
