r"""Gradient checking: compare backpropagation with central finite differences.

For every parameter entry :math:`\theta_k`,

.. math::

    \frac{\partial E}{\partial \theta_k} \approx \frac{E(\theta + h e_k) - E(\theta - h
    e_k)}{2h},

whose error is :math:`O(h^2)`. Analytic ``a`` and numerical ``b`` gradients are compared
with

.. math::

    \mathrm{rel}(a, b) = \frac{\max_k |a_k - b_k|}{\max\big(10^{-8},\ \max_k (|a_k| +
    |b_k|)\big)},

scale-free, and safe where both are zero. In float64 with :math:`h = 10^{-5}` a correct
backward pass gives about :math:`10^{-9}` or less; a wrong one gives :math:`10^{-2}` or
more.
"""

import numpy as np

from ..backend import namespace
from ..errors import ShapeError, checked


def _same_shape(a, b):
    if np.shape(a) != np.shape(b):
        raise ShapeError(
            f"relative_error: shapes {np.shape(a)} and {np.shape(b)} differ; "
            "compare arrays of the same shape"
        )


@checked(_same_shape)
def relative_error(a, b):
    r""":math:`\max|a-b| / \max(10^{-8}, \max(|a|+|b|))` for arrays of one shape.

    Printed in chapters/03_backpropagation.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.size == 0:
        return 0.0
    scale = max(1e-8, float(np.max(np.abs(a) + np.abs(b))))
    return float(np.max(np.abs(a - b))) / scale


def numerical_gradient(f, P, h=1e-5):
    """Central differences of the scalar function ``f()`` with respect to every entry of
    array ``P``.

    ``P`` is changed in place, one entry at a time, and restored exactly afterwards.
    """
    if not isinstance(P, np.ndarray):
        raise TypeError(
            "numerical_gradient: P must be a NumPy array (perturbed in place), got "
            f"{type(P).__name__}"
        )
    G = np.zeros(P.shape, dtype=np.float64)
    for idx in np.ndindex(*P.shape):
        old = P[idx]
        P[idx] = old + h
        f_plus = float(f())
        P[idx] = old - h
        f_minus = float(f())
        P[idx] = old
        G[idx] = (f_plus - f_minus) / (2 * h)
    return G


def loss_value(model, loss, X, T):
    """The loss of ``model`` on ``(X, T)`` exactly as ``compute_gradients`` evaluates it
    (a fused loss on the last layer's logits ``Z``):
    :meth:`mlplib.model.Sequential.loss_value`."""
    return model.loss_value(loss, X, T)


def check_model(model, loss, X, T, h=1e-5):
    """Relative error between backpropagation and central differences for every named
    parameter.

    Returns ``{"0.W": err, "0.b": err, ...}``. Use a float64 model: in float32 the
    differences are dominated by rounding.
    """
    loss, X, T = model.check_data(loss, X, T, "check_model")
    model.call_gradients(loss, X, T)
    analytic = {k: np.array(g, dtype=np.float64) for k, g in model.gradients().items()}
    errors = {}
    for name, P in model.parameters().items():
        numeric = numerical_gradient(lambda: model.call_loss(loss, X, T), P, h)
        errors[name] = relative_error(analytic[name], numeric)
    return errors


def check_layer(layer, X, h=1e-5, seed=0):
    """Check one layer's backward pass on input ``X``: relative errors for ``W``, ``b``
    and the input ``X``.

    The layer is given a random upstream gradient ``R`` (fixed by ``seed``) through the
    scalar
    :math:`E = \\sum R \\odot \\text{layer}(X)`, whose gradient with respect to the
    output is ``R``.
    """
    X = np.array(X, dtype=layer.W.dtype)
    R = (
        np.random.default_rng(seed)
        .standard_normal((X.shape[0], layer.n_out))
        .astype(layer.W.dtype)
    )

    def E():
        return namespace(X).sum(R * layer.forward(X))

    layer.forward(X)
    dX = np.array(layer.backward(R), dtype=np.float64)
    analytic = {
        "W": np.array(layer.dW, dtype=np.float64),
        "b": np.array(layer.db, dtype=np.float64),
        "X": dX,
    }
    return {
        name: relative_error(analytic[name], numerical_gradient(E, P, h))
        for name, P in (("W", layer.W), ("b", layer.b), ("X", X))
    }
