r"""Batch normalisation (Ioffe and Szegedy, 2015) of the ``(N, n)`` outputs of a layer.

In training mode each column (unit) ``j`` is normalised with the mean and variance of
the batch, then scaled and shifted by learned :math:`\gamma_j`, :math:`\beta_j`:

.. math::

    \mu_j = \frac1N \sum_n z_{nj}, \quad
    \sigma_j^2 = \frac1N \sum_n (z_{nj} - \mu_j)^2, \quad
    \hat z_{nj} = \frac{z_{nj} - \mu_j}{\sqrt{\sigma_j^2 + \epsilon}}, \quad
    \tilde z_{nj} = \gamma_j \hat z_{nj} + \beta_j.

Backward, given :math:`d\tilde Z = \partial E/\partial \tilde Z` (sums over the rows):

.. math::

    d\gamma = \textstyle\sum_n d\tilde Z \odot \hat Z, \quad
    d\beta = \textstyle\sum_n d\tilde Z, \quad
    dZ = \frac{\gamma}{N\sqrt{\sigma^2+\epsilon}}\Big(N\, d\tilde Z
    - \textstyle\sum_n d\tilde Z - \hat Z \sum_n d\tilde Z \odot \hat Z\Big).

Running statistics, updated at every training step with the kept fraction
:math:`\omega` (``momentum``; Keras's ``momentum``, PyTorch's is :math:`1 - \omega`):

.. math::

    \hat\mu \leftarrow \omega \hat\mu + (1 - \omega) \mu, \qquad
    \hat\sigma^2 \leftarrow \omega \hat\sigma^2 + (1 - \omega) \tfrac{N}{N-1} \sigma^2.

The stored variance is unbiased (the factor :math:`N/(N-1)`), as in the paper and
PyTorch; ``unbiased=False`` stores the batch variance itself, as Keras does. In
inference mode (:func:`~mlplib.training.evaluate`, :func:`~mlplib.training.predict`) the
running statistics replace the batch's: each row is then normalised on its own.

>>> import numpy as np
>>> bn = BatchNorm(2, dtype=np.float64)
>>> A = bn.forward(np.array([[1.0, 10.0], [3.0, 30.0]]))
>>> A.round(3).tolist(), bn.running_mean.round(3).tolist()
([[-1.0, -1.0], [1.0, 1.0]], [0.2, 2.0])
"""

import numpy as np

from .backend import namespace
from .errors import check_float_dtype, check_int, check_real
from .layers import Layer


def batchnorm_forward(Z, gamma, beta, eps):
    r""":math:`\hat Z = (Z - \mu)/\sqrt{\sigma^2 + \epsilon}` over the batch's rows,
    :math:`\tilde Z = \gamma \hat Z + \beta`; returns ``Z_tilde, Z_hat, mu, var``.
    Printed in chapters/06_deep_training."""
    xp = namespace(Z)
    mu = xp.mean(Z, axis=0)
    var = xp.mean((Z - mu) ** 2, axis=0)
    Z_hat = (Z - mu) / xp.sqrt(var + eps)
    return gamma * Z_hat + beta, Z_hat, mu, var


def batchnorm_backward(dZ_tilde, Z_hat, var, gamma, eps):
    r""":math:`d\gamma`, :math:`d\beta` and :math:`dZ` from :math:`d\tilde Z`.
    Printed in chapters/06_deep_training."""
    xp = namespace(dZ_tilde)
    N = Z_hat.shape[0]
    dgamma = xp.sum(dZ_tilde * Z_hat, axis=0)
    dbeta = xp.sum(dZ_tilde, axis=0)
    scale = gamma / (N * xp.sqrt(var + eps))
    dZ = scale * (N * dZ_tilde - dbeta - Z_hat * dgamma)
    return dZ, dgamma, dbeta


def batchnorm_inference(Z, gamma, beta, running_mean, running_var, eps):
    r""":math:`\gamma (Z - \hat\mu) / \sqrt{\hat\sigma^2 + \epsilon} + \beta`, with the
    running statistics (inference)."""
    return gamma * (Z - running_mean) / namespace(Z).sqrt(running_var + eps) + beta


class BatchNorm(Layer):
    """Batch normalisation of ``n`` units; learned ``gamma`` (1) and ``beta`` (0).

    ``momentum`` is the kept fraction :math:`\\omega` of the running statistics: 0.9
    here is PyTorch's ``momentum=0.1`` and Keras's ``momentum=0.9`` (Keras's default is
    0.99). ``eps`` is added to the variance (PyTorch's default 1e-5; Keras's 1e-3).
    """

    buffer_names = ("running_mean", "running_var")  # state the gradient does not train

    def __init__(
        self, n, momentum=0.9, eps=1e-5, unbiased=True, dtype=np.float32, name="bn"
    ):
        where = f"BatchNorm {name!r}"
        self.n_in = self.n_out = check_int(n, "n", where)
        self.momentum = check_real(momentum, "momentum", where, 0, 1, open_="high")
        self.eps = check_real(eps, "eps", where, 0, open_="low")
        self.unbiased = bool(unbiased)
        dtype = check_float_dtype(dtype, where)
        self.name = name
        self.gamma, self.beta = np.ones(n, dtype), np.zeros(n, dtype)
        self.running_mean, self.running_var = np.zeros(n, dtype), np.ones(n, dtype)
        self.dgamma = self.dbeta = None
        self.Z_hat = self.var = None

    def label(self):
        return f"BatchNorm {self.n_in}"

    def parameters(self):
        return {"gamma": self.gamma, "beta": self.beta}

    def gradients(self):
        return {"gamma": self.dgamma, "beta": self.dbeta}

    def call(self, X):
        """Normalise with the batch's statistics (training) or the running ones."""
        if not self.training:
            self.A = batchnorm_inference(
                X, self.gamma, self.beta, self.running_mean, self.running_var, self.eps
            )
            return self.A
        self._check_batch(X.shape[0])
        self.A, self.Z_hat, mu, self.var = batchnorm_forward(
            X, self.gamma, self.beta, self.eps
        )
        self._update_running(mu, self.var, X.shape[0])
        return self.A

    def _update_running(self, mu, var, N):
        omega = self.momentum
        if self.unbiased:
            var = var * (N / (N - 1))
        self.running_mean[...] = omega * self.running_mean + (1 - omega) * mu
        self.running_var[...] = omega * self.running_var + (1 - omega) * var

    def call_backward(self, dA, input_grad=True):
        """Store ``dgamma``, ``dbeta``; return ``dZ`` (training-mode pass only)."""
        if self.Z_hat is None or not self.training:
            raise RuntimeError(
                f"{self.describe()}: backward needs a forward pass in training mode "
                "(the running statistics of inference mode are constants)"
            )
        dZ, self.dgamma, self.dbeta = batchnorm_backward(
            dA, self.Z_hat, self.var, self.gamma, self.eps
        )
        return dZ if input_grad else None

    def _check_batch(self, N):
        if N < 2:
            raise ValueError(
                f"{self.describe()}: a batch of {N} row in training mode has no "
                "variance to normalise with; use batches of at least 2 rows (in fit, "
                "also the last batch of an epoch: N mod batch_size must not be 1), or "
                "inference mode, which uses the running statistics"
            )

    def __repr__(self):
        return (
            f"BatchNorm({self.n_in}, momentum={self.momentum}, eps={self.eps}, "
            f"name={self.name!r})"
        )


# ---- conversions to and from PyTorch and Keras (mlplib.interop re-exports them) -----
# Conventions (module docstring): mlplib's momentum is the kept fraction omega, as
# Keras's; PyTorch's momentum is 1 - omega. PyTorch stores the unbiased running
# variance (mlplib's unbiased=True), Keras the batch variance (unbiased=False).
# The frameworks are imported only when a function is called.
def batchnorm_to_torch(bn):
    """An ``nn.BatchNorm1d`` with ``bn``'s gamma, beta, running statistics, eps and
    momentum (``1 - omega``); ``bn`` must store the unbiased variance, as PyTorch
    does."""
    from .interop import framework

    torch = framework("torch")
    if not bn.unbiased:
        raise ValueError(
            f"{bn.describe()}: PyTorch stores the unbiased running variance; build the "
            "BatchNorm with unbiased=True"
        )
    dtype = {np.dtype("float32"): torch.float32, np.dtype("float64"): torch.float64}[
        bn.gamma.dtype
    ]
    layer = torch.nn.BatchNorm1d(
        bn.n_in, eps=bn.eps, momentum=1 - bn.momentum, dtype=dtype
    )
    with torch.no_grad():
        for ours, theirs in [
            (bn.gamma, layer.weight),
            (bn.beta, layer.bias),
            (bn.running_mean, layer.running_mean),
            (bn.running_var, layer.running_var),
        ]:
            theirs.copy_(torch.from_numpy(np.ascontiguousarray(ours)))
    return layer


def batchnorm_from_torch(layer, name="bn"):
    """An mlplib :class:`~mlplib.batchnorm.BatchNorm` with the weights, running
    statistics, eps and momentum of an ``nn.BatchNorm1d``."""
    if layer.momentum is None or not layer.affine or not layer.track_running_stats:
        raise ValueError(
            "batchnorm_from_torch needs affine=True, track_running_stats=True and a "
            "momentum (not None, the cumulative average)"
        )
    numpy = {k: v.detach().cpu().numpy() for k, v in layer.state_dict().items()}
    momentum, dtype = 1 - layer.momentum, numpy["weight"].dtype
    bn = BatchNorm(layer.num_features, momentum, layer.eps, True, dtype, name)
    bn.gamma[...], bn.beta[...] = numpy["weight"], numpy["bias"]
    bn.running_mean[...] = numpy["running_mean"]
    bn.running_var[...] = numpy["running_var"]
    return bn


def batchnorm_to_keras(bn):
    """A built ``layers.BatchNormalization`` with ``bn``'s gamma, beta, moving
    statistics, epsilon and momentum (omega); ``bn`` must store the batch variance
    (``unbiased=False``), as Keras does."""
    from .interop import framework

    keras = framework("keras")
    if bn.unbiased:
        raise ValueError(
            f"{bn.describe()}: Keras stores the batch (biased) variance; build the "
            "BatchNorm with unbiased=False"
        )
    layer = keras.layers.BatchNormalization(
        momentum=bn.momentum, epsilon=bn.eps, dtype=bn.gamma.dtype.name
    )
    layer.build((None, bn.n_in))
    layer.set_weights([bn.gamma, bn.beta, bn.running_mean, bn.running_var])
    return layer


def batchnorm_from_keras(layer, name="bn"):
    """An mlplib :class:`~mlplib.batchnorm.BatchNorm` (``unbiased=False``) with the
    weights and moving statistics of a built, 2-D ``layers.BatchNormalization``."""
    weights = layer.get_weights()
    if len(weights) != 4 or layer.axis not in (-1, [-1], 1, [1]):
        raise ValueError(
            "batchnorm_from_keras needs a built BatchNormalization over the last axis "
            "with center=True and scale=True (gamma, beta, moving mean and variance)"
        )
    gamma, beta, mean, var = weights
    bn = BatchNorm(len(gamma), layer.momentum, layer.epsilon, False, gamma.dtype, name)
    bn.gamma[...], bn.beta[...] = gamma, beta
    bn.running_mean[...], bn.running_var[...] = mean, var
    return bn
