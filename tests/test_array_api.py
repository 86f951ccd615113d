"""The same mlplib MLP code runs on a second array namespace (array-api-strict, PyTorch
CPU tensors)
and gives NumPy's results: forward, backward, every activation and loss, and a few
training steps."""

import copy

import array_api_strict
import numpy as np
import pytest
import torch

from mlplib import backend, losses
from mlplib.model import Sequential

NAMESPACES = {"array_api_strict": array_api_strict, "torch": torch}
ACTIVATIONS = [
    "identity",
    "hardlim",
    "hardlims",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "softmax",
]


def numpy_of(A):
    return backend.to_numpy(A)


def data(n=6, n_in=4, n_out=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_in))
    T = np.eye(n_out)[np.arange(n) % n_out]
    return X, T


def moved(model, name):
    return backend.to_namespace(copy.deepcopy(model), NAMESPACES[name])


@pytest.mark.parametrize("name", NAMESPACES)
def test_to_namespace_moves_every_parameter_and_copies(name):
    model = Sequential.from_sizes(
        [4, 5, 3], ["relu", "softmax"], seed=0, dtype=np.float64
    )
    other = moved(model, name)
    xp = backend.namespace(other.layers[0].W)
    assert xp is not np
    for key, value in other.parameters().items():
        assert backend.namespace(value) is xp
        np.testing.assert_array_equal(numpy_of(value), model.parameters()[key])
    assert other.n_params == model.n_params == 5 * 4 + 5 + 3 * 5 + 3
    back = backend.to_namespace(other, np)
    assert all(
        isinstance(v, np.ndarray) and v.dtype == np.float64
        for v in back.parameters().values()
    )


def test_to_namespace_keeps_float32_and_never_aliases():
    model = Sequential.from_sizes([4, 2], "tanh", seed=0)
    W_before = model.layers[0].W
    backend.to_namespace(model, torch)
    assert model.layers[0].W.dtype == torch.float32
    model.layers[0].W[0, 0] = 123.0
    assert W_before[0, 0] != 123.0
    with pytest.raises(TypeError, match="xp must be an array namespace module"):
        backend.to_namespace(model, "torch")


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_forward_backward_equal_numpy(name, activation):
    xp = NAMESPACES[name]
    X, T = data()
    model = Sequential.from_sizes(
        [4, 5, 3], ["tanh", activation], init="torch_uniform", seed=1, dtype=np.float64
    )
    other = moved(model, name)
    Y = model.forward(X)
    Y2 = other.forward(xp.asarray(X))
    assert backend.namespace(Y2) is backend.namespace(other.layers[0].W)
    np.testing.assert_allclose(numpy_of(Y2), Y, rtol=1e-13, atol=1e-14)
    dA = Y - T
    dX = model.backward(dA=dA)
    dX2 = other.backward(dA=xp.asarray(dA))
    np.testing.assert_allclose(numpy_of(dX2), dX, rtol=1e-12, atol=1e-14)
    for key, g in model.gradients().items():
        np.testing.assert_allclose(
            numpy_of(other.gradients()[key]), g, rtol=1e-12, atol=1e-14, err_msg=key
        )


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize(
    "loss,last",
    [
        ("mse", "identity"),
        ("half_sse", "sigmoid"),
        ("binary_cross_entropy", "sigmoid"),
        ("categorical_cross_entropy", "softmax"),
    ],
)
def test_compute_gradients_equal_numpy(name, loss, last):
    xp = NAMESPACES[name]
    X, T = data(n=8, n_in=5, n_out=3, seed=2)
    model = Sequential.from_sizes([5, 6, 3], ["relu", last], seed=3, dtype=np.float64)
    other = moved(model, name)
    E = model.compute_gradients(loss, X, T)
    E2 = other.compute_gradients(loss, xp.asarray(X), xp.asarray(T))
    assert float(E2) == pytest.approx(float(E), rel=1e-13)
    for key, g in model.gradients().items():
        np.testing.assert_allclose(
            numpy_of(other.gradients()[key]), g, rtol=1e-12, atol=1e-15, err_msg=key
        )


@pytest.mark.parametrize("name", NAMESPACES)
def test_training_steps_equal_numpy(name):
    """Plain gradient descent, the loop the chapter runs on a GPU, written once for
    any namespace."""
    xp = NAMESPACES[name]
    X, T = data(n=20, n_in=4, n_out=3, seed=4)

    def train(model, X, T, steps=5, lr=0.5):
        for _ in range(steps):
            E = model.compute_gradients("categorical_cross_entropy", X, T)
            params, grads = model.parameters(), model.gradients()
            for key in params:
                params[key] -= lr * grads[key]
        return float(E)

    model = Sequential.from_sizes(
        [4, 8, 3], ["relu", "softmax"], seed=5, dtype=np.float64
    )
    other = moved(model, name)
    E = train(model, X, T)
    E2 = train(other, xp.asarray(X), xp.asarray(T))
    assert E2 == pytest.approx(E, rel=1e-12)
    for key, p in model.parameters().items():
        np.testing.assert_allclose(
            numpy_of(other.parameters()[key]), p, rtol=1e-12, atol=1e-14
        )


@pytest.mark.parametrize("name", NAMESPACES)
def test_float32_within_float32_tolerance(name):
    xp = NAMESPACES[name]
    X, T = data(n=16, n_in=10, n_out=4, seed=6)
    model = Sequential.from_sizes([10, 32, 4], ["relu", "softmax"], seed=7)  # float32
    other = moved(model, name)
    model.compute_gradients(
        "categorical_cross_entropy", X.astype(np.float32), T.astype(np.float32)
    )
    other.compute_gradients(
        "categorical_cross_entropy",
        xp.asarray(X.astype(np.float32)),
        xp.asarray(T.astype(np.float32)),
    )
    for key, g in model.gradients().items():
        got = numpy_of(other.gradients()[key])
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, g, rtol=1e-5, atol=1e-6, err_msg=key)


@pytest.mark.parametrize("name", NAMESPACES)
def test_errors_on_other_namespace(name):
    xp = NAMESPACES[name]
    other = moved(
        Sequential.from_sizes([4, 3], "softmax", seed=0, dtype=np.float64), name
    )
    with pytest.raises(
        ValueError, match=r"input X has 5 features \(columns\) but 4 were expected"
    ):
        other.forward(xp.ones((2, 5), dtype=xp.float64))
    bad = xp.asarray(np.array([[0.0, np.nan, 0.0, 0.0]]))
    with pytest.raises(
        ValueError,
        match=r"contains 1 NaN or infinite value\(s\), the first at index \(0, 1\)",
    ):
        other.forward(bad)
    with pytest.raises(
        ValueError, match=r"output shape \(2, 3\) and target shape \(2, 2\) differ"
    ):
        losses.MeanSquaredError().value(xp.ones((2, 3)), xp.ones((2, 2)))


@pytest.mark.parametrize("name", NAMESPACES)
def test_set_parameters_on_other_namespace(name):
    xp = NAMESPACES[name]
    model = Sequential.from_sizes(
        [4, 5, 3], ["relu", "softmax"], seed=0, dtype=np.float64
    )
    other = moved(model, name)
    doubled = {k: 2 * v for k, v in model.parameters().items()}
    other.set_parameters(doubled)  # NumPy values into the other namespace, in place
    other.set_parameters({k: xp.asarray(v) for k, v in doubled.items()})
    for key, value in doubled.items():
        np.testing.assert_array_equal(numpy_of(other.parameters()[key]), value)
