"""Gradient checking: every layer x activation x loss combination, property-based
over random shapes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlplib import Sequential, activations
from mlplib.autograd import gradcheck
from mlplib.layers import Dense

SMOOTH = ["identity", "sigmoid", "tanh", "softmax"]
KINKED = ["relu", "leaky_relu", "hardlim", "hardlims"]
ALL = SMOOTH + KINKED
PLAIN_LOSSES = ["mse", "half_sse"]
COMBINATIONS = (
    [(h, out, loss) for h in ALL for out in ALL for loss in PLAIN_LOSSES]
    + [(h, "sigmoid", "binary_cross_entropy") for h in ALL]
    + [(h, "softmax", "categorical_cross_entropy") for h in ALL]
)


def targets(loss, rng, n, m):
    if loss == "categorical_cross_entropy":
        return rng.dirichlet(np.ones(m), size=n)
    return rng.uniform(0, 1, (n, m))


def away_from_kinks(model, X):
    """True when no pre-activation is within 1e-3 of a kink at 0 (a step of 1e-5
    would then cross it)."""
    model.forward(X)
    return all(np.min(np.abs(layer.Z)) > 1e-3 for layer in model.layers)


def away_from_saturation(model, X):
    """True when no sigmoid or tanh unit is saturated (|z| < 3): on a flat stretch
    the gradient is tiny and central differences cannot resolve it relative to its
    size."""
    model.forward(X)
    flat = [la for la in model.layers if la.activation.name in ("sigmoid", "tanh")]
    return all(np.max(np.abs(layer.Z)) < 3 for layer in flat)


@pytest.mark.parametrize("hidden,out,loss", COMBINATIONS, ids=lambda c: str(c))
@settings(max_examples=4, deadline=None, derandomize=True)
@given(
    n=st.integers(1, 5),
    n_in=st.integers(1, 4),
    n_hidden=st.integers(1, 5),
    n_out=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_every_layer_activation_loss_passes_the_gradient_check(
    hidden, out, loss, n, n_in, n_hidden, n_out, seed
):
    if out == "softmax" and n_out == 1:
        n_out = 2  # a one-class softmax is constant
    model = Sequential.from_sizes(
        [n_in, n_hidden, n_out],
        [hidden, out],
        init="he_normal",
        seed=seed,
        dtype=np.float64,
    )
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n_in))
    T = targets(loss, rng, n, n_out)
    if not away_from_kinks(model, X):
        X = X + 0.01  # nudge once; random data hit a kink with probability about 1e-3
        if not away_from_kinks(model, X):
            return
    if not away_from_saturation(model, X):
        return
    errors = gradcheck.check_model(model, loss, X, T)
    assert max(errors.values()) <= 1e-7, errors


@pytest.mark.parametrize("activation", ALL)
def test_check_layer_for_every_activation(activation):
    layer = Dense(4, 3, activation, init="he_normal", seed=3, dtype=np.float64)
    X = np.random.default_rng(4).standard_normal((5, 4))
    errors = gradcheck.check_layer(layer, X)
    assert set(errors) == {"W", "b", "X"}
    assert max(errors.values()) <= 1e-7, errors


class SigmoidWithWrongDerivative(activations.Sigmoid):
    """A deliberate bug: sigma' taken as sigma instead of sigma (1 - sigma)."""

    def derivative(self, Z, A=None):
        return self.f(Z)


def test_the_check_catches_a_wrong_derivative():
    model = Sequential(
        [
            Dense(3, 4, SigmoidWithWrongDerivative(), seed=0, dtype=np.float64),
            Dense(4, 2, None, seed=1, dtype=np.float64),
        ]
    )
    rng = np.random.default_rng(0)
    errors = gradcheck.check_model(
        model, "mse", rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    )
    assert (
        errors["1.W"] <= 1e-7 and errors["1.b"] <= 1e-7
    )  # the output layer is still right
    assert errors["0.W"] > 1e-2 and errors["0.b"] > 1e-2  # the hidden layer is caught


def test_relative_error():
    assert gradcheck.relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert gradcheck.relative_error([0.0], [0.0]) == 0.0
    assert gradcheck.relative_error([1.0, -1.0], [1.0, -1.5]) == pytest.approx(
        0.5 / 2.5
    )
    assert gradcheck.relative_error([0.0], [1e-12]) == pytest.approx(
        1e-4
    )  # the 1e-8 floor
    with pytest.raises(ValueError, match=r"shapes \(2,\) and \(3,\) differ"):
        gradcheck.relative_error([1.0, 2.0], [1.0, 2.0, 3.0])


def test_numerical_gradient_of_a_known_function_and_restores_the_array():
    P = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = P.copy()
    G = gradcheck.numerical_gradient(lambda: np.sum(P**3), P)
    np.testing.assert_allclose(G, 3 * before**2, rtol=1e-9)
    np.testing.assert_array_equal(P, before)
    with pytest.raises(TypeError, match="P must be a NumPy array"):
        gradcheck.numerical_gradient(lambda: 0.0, [1.0])


def test_loss_value_matches_compute_gradients():
    model = Sequential.from_sizes(
        [2, 3, 3], ["relu", "softmax"], seed=0, dtype=np.float64
    )
    X, T = np.ones((2, 2)), np.eye(3)[:2]
    assert gradcheck.loss_value(
        model, "categorical_cross_entropy", X, T
    ) == model.compute_gradients("categorical_cross_entropy", X, T)
