r"""Loss functions: a value :math:`E(Y, T)` and its gradient
:math:`\partial E/\partial Y`.

``Y`` is the network output and ``T`` the target, both of shape ``(N, n_out)``; shapes
must match exactly (no broadcasting).

Two losses are *fused* with the output activation, as PyTorch's ``CrossEntropyLoss`` and
``BCEWithLogitsLoss`` and Keras's ``from_logits=True`` are: they take the logits ``Z``
of the last layer. The fused gradient is the famous :math:`P - T` (divided by the batch
size), and both value and gradient stay finite for logits of :math:`\pm 10^4`, where
computing :math:`\log(\mathrm{softmax}(Z))` in two steps gives :math:`\log 0 = -\infty`.
:meth:`mlplib.model.Sequential.compute_gradients` routes them automatically.

Each equation is a plain function (:func:`mean_squared_error`,
:func:`softmax_cross_entropy_gradient`, ...). A :class:`Loss` object pairs a value with
its gradient: its ``value`` and ``gradient`` methods check ``Y`` and ``T`` first, while
its ``E`` and ``dE`` are the unchecked functions themselves.

>>> import numpy as np
>>> Z = np.array([[2.0, 0.0, -1.0]])
>>> loss = get("categorical_cross_entropy")
>>> round(float(loss.value(Z, np.array([0]))), 4)  # an integer label is a one-hot row
0.1698
"""

import numpy as np

from .activations import sigmoid, softmax
from .backend import namespace
from .data import one_hot
from .errors import (
    ShapeError,
    check_distributions,
    check_finite,
    check_matrix,
    check_probabilities,
    check_same_shape,
)


def _n_entries(Y):
    """Number of entries of ``Y`` (``Y.size`` is a method on PyTorch tensors)."""
    return Y.shape[0] * Y.shape[1]


def mean_squared_error(Y, T):
    r""":math:`E = \frac{1}{N m}\sum_{n,i} (y_{ni} - t_{ni})^2`."""
    D = Y - T
    return namespace(D).sum(D * D) / _n_entries(D)


def mean_squared_error_gradient(Y, T):
    r""":math:`\partial E/\partial Y = 2 (Y - T) / (N m)`."""
    return 2 * (Y - T) / _n_entries(Y)


def half_sum_squared_error(Y, T):
    r""":math:`E = \frac{1}{2}\sum_{n,i} (t_{ni} - y_{ni})^2`."""
    D = Y - T
    return namespace(D).sum(D * D) / 2


def half_sum_squared_error_gradient(Y, T):
    r""":math:`\partial E/\partial Y = Y - T`."""
    return Y - T


def sigmoid_cross_entropy(Z, T):
    r""":math:`E = \mathrm{mean}\,[\max(z, 0) - t z + \log(1 + e^{-|z|})]` on logits."""
    xp = namespace(Z)
    terms = xp.maximum(Z, xp.zeros_like(Z)) - Z * T + xp.log1p(xp.exp(-xp.abs(Z)))
    return xp.sum(terms) / _n_entries(Z)


def sigmoid_cross_entropy_gradient(Z, T):
    r""":math:`\partial E/\partial Z = (\sigma(Z) - T) / (N m)`."""
    return (sigmoid(Z) - T) / _n_entries(Z)


def softmax_cross_entropy(Z, T):
    r""":math:`E = -\frac{1}{N}\sum_{n,i} t_{ni} \log p_{ni}`, :math:`P =
    \mathrm{softmax}(Z)`.

    With :math:`\log p_{ni} = z_{ni} - \log\sum_j e^{z_{nj}}` (the log-sum-exp, computed
    after subtracting the row maximum), no :math:`\log 0` can occur.
    """
    xp = namespace(Z)
    m = xp.max(Z, axis=1, keepdims=True)
    logsumexp = m + xp.log(xp.sum(xp.exp(Z - m), axis=1, keepdims=True))
    return (xp.sum(logsumexp) - xp.sum(T * Z)) / Z.shape[0]  # rows of T sum to 1


def softmax_cross_entropy_gradient(Z, T):
    r"""The fused softmax + cross-entropy gradient
    :math:`(\mathrm{softmax}(Z) - T)/N`.

    Printed in chapters/03_backpropagation.
    """
    return (softmax(Z) - T) / Z.shape[0]


class Loss:
    """A loss: ``E(Y, T)`` and ``dE(Y, T)``, unchecked; ``value``/``gradient`` check.

    ``fused_activation`` names the output activation a fused loss absorbs (its ``Y`` is
    then the last layer's logits ``Z``); ``labels`` says whether integer class labels
    are accepted as targets.
    """

    name = "loss"
    fused_activation = None
    labels = False

    def E(self, Y, T):
        raise NotImplementedError(
            f"{type(self).__name__} must define E(Y, T), the value"
        )

    def dE(self, Y, T):
        raise NotImplementedError(
            f"{type(self).__name__} must define dE(Y, T), the gradient"
        )

    def __call__(self, Y, T):
        return self.value(Y, T)

    def value(self, Y, T):
        """The loss after checking ``Y`` and ``T``."""
        return self.E(Y, self.check(Y, T))

    def gradient(self, Y, T):
        """The gradient ``dE/dY`` after checking ``Y`` and ``T``."""
        return self.dE(Y, self.check(Y, T))

    def check(self, Y, T, where=None):
        """Check output ``Y`` (2-D, finite) and targets ``T``; returns ``T`` as rows."""
        where = where or f"loss {self.name}"
        what = "logits Z" if self.fused_activation else "output Y"
        check_matrix(Y, what, where=where)
        check_finite(Y, what, where=where)
        return self.targets(T, Y.shape, where)

    def targets(self, T, shape, where):
        """``T`` checked against the output ``shape``; labels become one-hot rows."""
        T = T if hasattr(T, "shape") else np.asarray(T)
        if T.shape[:1] != shape[:1]:
            raise ShapeError(
                f"{where}: X has {shape[0]} samples (rows) but T has "
                f"{T.shape[0] if T.ndim else 'none'}; they must match"
            )
        if self.labels and T.ndim == 1 and "int" in str(T.dtype):
            T = one_hot(T, shape[1], dtype=np.float64, where=f"{where}: targets")
        hint = " or integer labels of shape (N,)" if self.labels else ""
        check_same_shape(shape, T, where, hint)
        check_finite(T, "targets T", where=where)
        self.check_values(T, where)
        return T

    def check_values(self, T, where):
        """Loss-specific rule for the target values (none for squared errors)."""

    def __repr__(self):
        return f"{type(self).__name__}()"


class MeanSquaredError(Loss):
    """Mean over every entry (PyTorch ``MSELoss()``, Keras ``MeanSquaredError()``)."""

    name = "mse"
    E = staticmethod(mean_squared_error)
    dE = staticmethod(mean_squared_error_gradient)


class HalfSumSquaredError(Loss):
    """Half the sum of squares, the classic worked example's loss; gradient
    ``Y - T``."""

    name = "half_sse"
    E = staticmethod(half_sum_squared_error)
    dE = staticmethod(half_sum_squared_error_gradient)


class BinaryCrossEntropy(Loss):
    """Sigmoid + binary cross-entropy on logits, averaged over every entry.

    PyTorch ``BCEWithLogitsLoss()``, Keras ``BinaryCrossentropy(from_logits=True)``.
    Targets are probabilities in [0, 1].
    """

    name = "binary_cross_entropy"
    fused_activation = "sigmoid"
    E = staticmethod(sigmoid_cross_entropy)
    dE = staticmethod(sigmoid_cross_entropy_gradient)

    def check_values(self, T, where):
        check_probabilities(T, "targets T", where)


class CategoricalCrossEntropy(Loss):
    """Softmax + categorical cross-entropy on logits ``Z``.

    Targets are distributions (one-hot or probability rows: entries >= 0 summing to 1)
    or integer class labels ``(N,)``. PyTorch ``CrossEntropyLoss()``, Keras
    ``CategoricalCrossentropy(from_logits=True)``.
    """

    name = "categorical_cross_entropy"
    fused_activation = "softmax"
    labels = True
    E = staticmethod(softmax_cross_entropy)
    dE = staticmethod(softmax_cross_entropy_gradient)

    def check_values(self, T, where):
        check_distributions(T, "targets T", where)


LOSSES = {
    cls.name: cls
    for cls in (
        MeanSquaredError,
        HalfSumSquaredError,
        BinaryCrossEntropy,
        CategoricalCrossEntropy,
    )
}


def get(loss):
    """Return a :class:`Loss` from its name or an instance."""
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, str) and loss in LOSSES:
        return LOSSES[loss]()
    raise ValueError(
        f"unknown loss {loss!r}; expected one of {sorted(LOSSES)} or a Loss instance"
    )
