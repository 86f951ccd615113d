r"""Loss functions: a value :math:`E(Y, T)` and its gradient :math:`\partial E/\partial Y`.

``Y`` is the network output and ``T`` the target, both of shape ``(N, n_out)``; shapes
must match exactly (no broadcasting).

Two losses are *fused* with the output activation, as PyTorch's ``CrossEntropyLoss`` and
``BCEWithLogitsLoss`` and Keras's ``from_logits=True`` are: they take the logits ``Z`` of
the last layer. The fused gradient is the famous :math:`P - T` (divided by the batch
size), and both value and gradient stay finite for logits of :math:`\pm 10^4`, where
computing :math:`\log(\mathrm{softmax}(Z))` in two steps gives :math:`\log 0 = -\infty`.
:meth:`mlplib.model.Sequential.compute_gradients` routes them automatically.
"""
from .activations import sigmoid, softmax
from .backend import namespace
from .errors import check_matrix, check_same_shape


class Loss:
    """Base class. ``fused_activation`` names the output activation a fused loss absorbs (or ``None``)."""

    name = "loss"
    fused_activation = None

    def __call__(self, Y, T):
        return self.value(Y, T)

    def value(self, Y, T):
        raise NotImplementedError(f"{type(self).__name__} must define value(Y, T)")

    def gradient(self, Y, T):
        raise NotImplementedError(f"{type(self).__name__} must define gradient(Y, T)")

    def _check(self, Y, T):
        check_same_shape(Y, T, f"loss {self.name}")
        return namespace(Y, T)

    def _check_targets(self, xp, T, what):
        """Targets of a cross-entropy are probabilities: every entry in [0, 1]."""
        if bool(xp.any(T < 0)) or bool(xp.any(T > 1)):
            raise ValueError(
                f"loss {self.name}: targets must be {what} with entries in [0, 1], got values from "
                f"{float(xp.min(T))} to {float(xp.max(T))}"
            )

    def __repr__(self):
        return f"{type(self).__name__}()"


def _n_entries(Y):
    """Number of entries of ``Y`` (``Y.size`` is a method on PyTorch tensors, so use the shape)."""
    n = 1
    for d in Y.shape:
        n *= d
    return n


class MeanSquaredError(Loss):
    r""":math:`E = \frac{1}{N m}\sum_{n,i} (y_{ni} - t_{ni})^2`, the mean over every entry
    (PyTorch ``MSELoss()``, Keras ``MeanSquaredError()``). Gradient :math:`2 (Y - T) / (N m)`."""

    name = "mse"

    def value(self, Y, T):
        xp = self._check(Y, T)
        D = Y - T
        return xp.sum(D * D) / _n_entries(D)

    def gradient(self, Y, T):
        self._check(Y, T)
        return 2 * (Y - T) / _n_entries(Y)


class HalfSumSquaredError(Loss):
    r""":math:`E = \frac{1}{2}\sum_{n,i} (t_{ni} - y_{ni})^2`, the convention of the classic worked
    example and of the from-scratch assignment; its gradient is simply :math:`Y - T`."""

    name = "half_sse"

    def value(self, Y, T):
        xp = self._check(Y, T)
        D = Y - T
        return xp.sum(D * D) / 2

    def gradient(self, Y, T):
        self._check(Y, T)
        return Y - T


class BinaryCrossEntropy(Loss):
    r"""Sigmoid + binary cross-entropy on logits ``Z``, averaged over every entry:

    :math:`E = \mathrm{mean}\,[-t\log\sigma(z) - (1-t)\log(1-\sigma(z))] = \mathrm{mean}\,[\max(z,0) - t z + \log(1 + e^{-|z|})]`,
    gradient :math:`(\sigma(Z) - T)/(N m)`. PyTorch ``BCEWithLogitsLoss()``, Keras
    ``BinaryCrossentropy(from_logits=True)``. Targets in [0, 1].
    """

    name = "binary_cross_entropy"
    fused_activation = "sigmoid"

    def value(self, Z, T):
        xp = self._check(Z, T)
        self._check_targets(xp, T, "probabilities")
        return xp.sum(xp.maximum(Z, xp.zeros_like(Z)) - Z * T + xp.log1p(xp.exp(-xp.abs(Z)))) / _n_entries(Z)

    def gradient(self, Z, T):
        xp = self._check(Z, T)
        self._check_targets(xp, T, "probabilities")
        return (sigmoid(Z) - T) / _n_entries(Z)


class CategoricalCrossEntropy(Loss):
    r"""Softmax + categorical cross-entropy on logits ``Z`` with one-hot (or probability) rows ``T``:

    :math:`E = \frac{1}{N}\sum_n \big(\log\sum_j e^{z_{nj}} - \sum_i t_{ni} z_{ni}\big)`, gradient
    :math:`(\mathrm{softmax}(Z) - T)/N`. The log-sum-exp subtracts the row maximum first.
    PyTorch ``CrossEntropyLoss()`` with probability targets, Keras
    ``CategoricalCrossentropy(from_logits=True)``.
    """

    name = "categorical_cross_entropy"
    fused_activation = "softmax"

    def _check(self, Z, T):
        check_matrix(Z, "logits Z", where=f"loss {self.name}")
        xp = super()._check(Z, T)
        self._check_targets(xp, T, "one-hot or probability rows")
        return xp

    def value(self, Z, T):
        xp = self._check(Z, T)
        m = xp.max(Z, axis=1, keepdims=True)
        logsumexp = m + xp.log(xp.sum(xp.exp(Z - m), axis=1, keepdims=True))
        # (N, 1) and (N, m) terms are summed separately: subtracting them first would broadcast
        # the log-sum-exp across the m columns and count it m times.
        return (xp.sum(logsumexp * xp.sum(T, axis=1, keepdims=True)) - xp.sum(T * Z)) / Z.shape[0]

    def gradient(self, Z, T):
        self._check(Z, T)
        return (softmax(Z) - T) / Z.shape[0]


LOSSES = {cls.name: cls for cls in (MeanSquaredError, HalfSumSquaredError, BinaryCrossEntropy, CategoricalCrossEntropy)}


def get(loss):
    """Return a :class:`Loss` from its name or an instance."""
    if isinstance(loss, Loss):
        return loss
    if loss in LOSSES:
        return LOSSES[loss]()
    raise ValueError(f"unknown loss {loss!r}; expected one of {sorted(LOSSES)} or a Loss instance")
