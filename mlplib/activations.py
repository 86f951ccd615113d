r"""Activation functions :math:`A = f(Z)`, applied elementwise (softmax: row by row).

Each activation knows its value ``f(Z)`` and its derivative ``f'(Z)``; the backward pass
of a layer multiplies the incoming gradient by that derivative,
:math:`\partial E/\partial Z = \partial E/\partial A \odot f'(Z)`.
Softmax couples the outputs of a row, so it overrides :meth:`Activation.backward` with
the product by its Jacobian.

Conventions at the kinks follow PyTorch: ``relu'(0) = 0``, ``hardlim(0) = 1``.
"""

from .backend import namespace
from .errors import check_real


class Activation:
    """Base class: ``f(Z)`` and ``derivative(Z, A)``; ``A`` is ``f(Z)``, passed to save
    recomputing it."""

    name = "activation"

    def __call__(self, Z):
        return self.f(Z)

    def f(self, Z):
        raise NotImplementedError(f"{type(self).__name__} must define f(Z)")

    def derivative(self, Z, A=None):
        raise NotImplementedError(f"{type(self).__name__} must define derivative(Z, A)")

    def backward(self, Z, A, dA):
        r"""Chain rule through the activation: :math:`dZ = dA \odot f'(Z)`."""
        return dA * self.derivative(Z, A)

    def __repr__(self):
        return f"{type(self).__name__}()"


class Identity(Activation):
    r""":math:`f(z) = z`, :math:`f'(z) = 1` (a linear layer; Keras calls it
    ``"linear"``)."""

    name = "identity"

    def f(self, Z):
        return Z

    def derivative(self, Z, A=None):
        return namespace(Z).ones_like(Z)

    def backward(self, Z, A, dA):
        return dA


class HardLim(Activation):
    r"""Hard limit (Heaviside step): :math:`f(z) = 1` if :math:`z \ge 0` else 0;
    :math:`f'(z) = 0`.

    The perceptron's activation. Its derivative is zero wherever it exists, which is why
    gradient descent cannot train it.
    """

    name = "hardlim"

    def f(self, Z):
        xp = namespace(Z)
        return xp.astype(Z >= 0, Z.dtype)

    def derivative(self, Z, A=None):
        return namespace(Z).zeros_like(Z)


class HardLimS(Activation):
    r"""Symmetric hard limit (sign): :math:`f(z) = +1` if :math:`z \ge 0` else
    :math:`-1`; :math:`f'(z) = 0`."""

    name = "hardlims"

    def f(self, Z):
        xp = namespace(Z)
        return xp.where(Z >= 0, xp.ones_like(Z), -xp.ones_like(Z))

    def derivative(self, Z, A=None):
        return namespace(Z).zeros_like(Z)


class Sigmoid(Activation):
    r""":math:`\sigma(z) = 1 / (1 + e^{-z})`, :math:`\sigma'(z) = \sigma(z)(1 -
    \sigma(z))`.

    Computed from :math:`e^{-|z|}`, which never overflows, so :math:`z = \pm 10^4` gives
    0 or 1 with no warning.

    Printed in chapters/01_perceptron.
    """

    name = "sigmoid"

    def f(self, Z):
        xp = namespace(Z)
        E = xp.exp(-xp.abs(Z))
        return xp.where(Z >= 0, 1 / (1 + E), E / (1 + E))

    def derivative(self, Z, A=None):
        A = self.f(Z) if A is None else A
        return A * (1 - A)


class Tanh(Activation):
    r""":math:`\tanh(z)`, :math:`\tanh'(z) = 1 - \tanh^2(z)`."""

    name = "tanh"

    def f(self, Z):
        return namespace(Z).tanh(Z)

    def derivative(self, Z, A=None):
        A = self.f(Z) if A is None else A
        return 1 - A * A


class ReLU(Activation):
    r""":math:`\mathrm{relu}(z) = \max(z, 0)`, derivative 1 for :math:`z > 0`, else
    0."""

    name = "relu"

    def f(self, Z):
        xp = namespace(Z)
        return xp.maximum(Z, xp.zeros_like(Z))

    def derivative(self, Z, A=None):
        return namespace(Z).astype(Z > 0, Z.dtype)


class LeakyReLU(Activation):
    r""":math:`f(z) = z` for :math:`z > 0`, :math:`\alpha z` otherwise; derivative 1 or
    :math:`\alpha`.

    ``alpha`` defaults to 0.01 as in PyTorch's ``nn.LeakyReLU`` (Keras's ``LeakyReLU``
    layer uses 0.3: pass it explicitly when comparing).
    """

    name = "leaky_relu"

    def __init__(self, alpha=0.01):
        self.alpha = check_real(
            alpha, "alpha", "LeakyReLU", low=0, high=1, open_="high"
        )

    def f(self, Z):
        xp = namespace(Z)
        return xp.where(Z > 0, Z, self.alpha * Z)

    def derivative(self, Z, A=None):
        xp = namespace(Z)
        return xp.where(Z > 0, xp.ones_like(Z), self.alpha * xp.ones_like(Z))

    def __repr__(self):
        return f"LeakyReLU(alpha={self.alpha})"


class Softmax(Activation):
    r"""Row-wise softmax :math:`p_i = e^{z_i} / \sum_j e^{z_j}`, stable for large
    logits.

    Subtracting the row maximum first changes nothing mathematically and keeps every
    exponent :math:`\le 0`, so logits of :math:`10^4` do not overflow. Backward is the
    Jacobian-vector product :math:`dZ = P \odot (dA - \sum_j dA_j P_j)`.
    """

    name = "softmax"

    def f(self, Z):
        """Printed in chapters/02_mlp_forward."""
        xp = namespace(Z)
        E = xp.exp(Z - xp.max(Z, axis=-1, keepdims=True))
        return E / xp.sum(E, axis=-1, keepdims=True)

    def derivative(self, Z, A=None):
        raise TypeError(
            "softmax has no elementwise derivative: each output depends on the whole "
            "row. Use Softmax.backward(Z, A, dA), which applies its Jacobian."
        )

    def backward(self, Z, A, dA):
        xp = namespace(A)
        return A * (dA - xp.sum(dA * A, axis=-1, keepdims=True))


ACTIVATIONS = {
    cls.name: cls
    for cls in (Identity, HardLim, HardLimS, Sigmoid, Tanh, ReLU, LeakyReLU, Softmax)
}
ACTIVATIONS["linear"] = Identity  # Keras's name for the identity


def get(activation):
    """Return an :class:`Activation` from a name (``"relu"``, ...), an instance, or
    ``None`` (identity)."""
    if activation is None:
        return Identity()
    if isinstance(activation, Activation):
        return activation
    if isinstance(activation, str) and activation in ACTIVATIONS:
        return ACTIVATIONS[activation]()
    raise ValueError(
        f"unknown activation {activation!r}; expected one of {sorted(ACTIVATIONS)} or "
        "an Activation instance"
    )


# Plain functions for use in formulas: sigmoid(z), relu(z), ...
identity, hardlim, hardlims = Identity(), HardLim(), HardLimS()
sigmoid, tanh, relu, leaky_relu, softmax = (
    Sigmoid(),
    Tanh(),
    ReLU(),
    LeakyReLU(),
    Softmax(),
)
