r"""A sequential model: layers applied one after the other.

.. math::

    \hat{Y} = f^L(\cdots f^2(f^1(X W^1 + b^1) W^2 + b^2) \cdots W^L + b^L)

Parameters are named like PyTorch's ``state_dict`` keys: ``"0.W"``, ``"0.b"``, ``"1.W"``, ...
"""
import numpy as np

from . import losses as losses_module
from .backend import namespace
from .errors import ShapeError, check_finite, check_matrix
from .layers import Dense


class Sequential:
    """A chain of :class:`~mlplib.layers.Dense` layers with forward and backward passes."""

    def __init__(self, layers):
        layers = list(layers)
        if not layers:
            raise ValueError("Sequential: needs at least one layer")
        for i, layer in enumerate(layers):
            layer.name = str(i)
        for prev, layer in zip(layers, layers[1:]):
            if prev.n_out != layer.n_in:
                raise ShapeError(
                    f"Sequential: {prev.describe()} outputs {prev.n_out} values but the next, "
                    f"{layer.describe()}, expects {layer.n_in} inputs (W shapes {tuple(prev.W.shape)} "
                    f"and {tuple(layer.W.shape)} do not chain)"
                )
        self.layers = layers

    @classmethod
    def from_sizes(cls, sizes, activations, init="glorot_uniform", seed=0, dtype=np.float32):
        """Build ``sizes = [n_0, n_1, ..., n_L]`` with one activation per layer (a list, or one name for all).

        ``seed`` seeds one generator shared by the layers in order, so the model is reproducible.
        """
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"Sequential.from_sizes: need at least 2 sizes (input and output), got {sizes}")
        if isinstance(activations, str) or activations is None:
            activations = [activations] * (len(sizes) - 1)
        activations = list(activations)
        if len(activations) != len(sizes) - 1:
            raise ValueError(
                f"Sequential.from_sizes: {len(sizes) - 1} layers ({sizes}) need {len(sizes) - 1} activations, "
                f"got {len(activations)}: {activations}"
            )
        rng = np.random.default_rng(seed)
        return cls(
            Dense(n_in, n_out, act, init=init, seed=rng, dtype=dtype)
            for n_in, n_out, act in zip(sizes[:-1], sizes[1:], activations)
        )

    # ---- forward -------------------------------------------------------------------------------
    @property
    def dtype(self):
        return self.layers[0].W.dtype

    def forward(self, X):
        """Return the output ``A`` of the last layer; each layer keeps its ``X``, ``Z`` and ``A``.

        ``X`` must be 2-D ``(batch, n_in)`` and finite; it is converted to the model's dtype.
        """
        first = self.layers[0]
        where = lambda: f"model input, {first.describe()}"  # built only if a check fails
        check_matrix(X, "input", first.n_in, where=where)
        xp = namespace(X, first.W)
        X = xp.asarray(X, dtype=first.W.dtype)
        check_finite(X, "input X", where=where)
        A = X
        for layer in self.layers:
            A = layer.forward(A)
        return A

    __call__ = forward
    predict = forward

    # ---- backward ------------------------------------------------------------------------------
    def backward(self, dA=None, dZ=None, input_grad=True):
        """Backpropagate from the output: pass ``dA = dE/dA`` of the last layer, or ``dZ = dE/dZ``
        (the logit gradient of a fused loss, which skips the last activation). Returns ``dE/dX``,
        or ``None`` with ``input_grad=False`` (the first layer then skips computing it)."""
        if (dA is None) == (dZ is None):
            raise ValueError("Sequential.backward: pass exactly one of dA (dE/dA of the output) or dZ (dE/dZ)")
        last = self.layers[-1]
        first = self.layers[0]
        grad = (last.backward(dA, last is not first or input_grad) if dZ is None
                else last.backward_Z(dZ, last is not first or input_grad))
        for layer in reversed(self.layers[:-1]):
            grad = layer.backward(grad, layer is not first or input_grad)
        return grad

    def compute_gradients(self, loss, X, T):
        """Forward ``X``, evaluate ``loss`` against ``T``, backpropagate; return the loss value.

        A fused loss (softmax + cross-entropy, sigmoid + binary cross-entropy) is evaluated on the
        last layer's logits ``Z`` and its gradient enters below the output activation.
        """
        loss = losses_module.get(loss)
        Y = self.forward(X)
        if loss.fused_activation is None:
            E = loss.value(Y, T)
            self.backward(dA=loss.gradient(Y, T), input_grad=False)
            return E
        last = self.layers[-1]
        if last.activation.name != loss.fused_activation:
            raise ValueError(
                f"loss {loss.name} works on the logits of a {loss.fused_activation} output, but the last layer is "
                f"{last.describe()}; give it activation={loss.fused_activation!r}"
            )
        E = loss.value(last.Z, T)
        self.backward(dZ=loss.gradient(last.Z, T), input_grad=False)
        return E

    # ---- parameters ----------------------------------------------------------------------------
    def parameters(self):
        """Named parameters ``{"0.W": W, "0.b": b, ...}``; the arrays are the layers' own (updates in place show)."""
        return {f"{layer.name}.{p}": getattr(layer, p) for layer in self.layers for p in ("W", "b")}

    def gradients(self):
        """Named gradients ``{"0.W": dW, "0.b": db, ...}`` from the last :meth:`backward`."""
        if self.layers[0].dW is None:
            raise RuntimeError("Sequential.gradients: no gradients yet; call backward or compute_gradients first")
        return {f"{layer.name}.{p}": getattr(layer, "d" + p) for layer in self.layers for p in ("W", "b")}

    def set_parameters(self, params):
        """Copy values into the parameters from a ``{"0.W": ..., ...}`` dict; names and shapes must match exactly."""
        own = self.parameters()
        missing, extra = sorted(set(own) - set(params)), sorted(set(params) - set(own))
        if missing or extra:
            raise KeyError(f"set_parameters: missing {missing}, unexpected {extra}; expected exactly {sorted(own)}")
        for key, value in params.items():
            value = np.asarray(value) if isinstance(own[key], np.ndarray) else value
            if tuple(value.shape) != tuple(own[key].shape):
                layer = self.layers[int(key.split(".")[0])]
                raise ShapeError(
                    f"set_parameters: {key} of {layer.describe()} has shape {tuple(own[key].shape)}, "
                    f"got {tuple(value.shape)}"
                )
            check_finite(value, key, where=f"set_parameters, {self.layers[int(key.split('.')[0])].describe()}")
        for key, value in params.items():  # in place, so references held by an optimizer stay valid
            xp = namespace(own[key])
            own[key][...] = xp.asarray(value, dtype=own[key].dtype)

    @property
    def n_params(self):
        """Total number of parameters (weights and biases of every layer)."""
        return sum(int(np.prod(p.shape)) for p in self.parameters().values())

    def summary(self):
        """A table like Keras's ``model.summary()``: layer, output shape, parameter count, total."""
        rows = [("Layer (activation)", "Output shape", "Param #")]
        for layer in self.layers:
            rows.append(
                (f"{layer.name}: Dense ({layer.activation.name})", f"(None, {layer.n_out})", f"{layer.n_params:,}")
            )
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        line = "-" * (sum(widths) + 4)
        fmt = lambda r: f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}"
        body = [fmt(rows[0]), line] + [fmt(r) for r in rows[1:]] + [line, f"Total params: {self.n_params:,}"]
        return "\n".join(body)

    def __repr__(self):
        return "Sequential([\n" + "".join(f"    {layer!r},\n" for layer in self.layers) + "])"
