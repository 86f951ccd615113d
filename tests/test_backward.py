"""The backward pass of Dense/Sequential against PyTorch autograd and tf.GradientTape
(float64)."""

import warnings

import numpy as np
import pytest
import torch

from mlplib import Sequential, activations
from mlplib.activations import ACTIVATIONS
from mlplib.autograd.gradcheck import relative_error
from mlplib.errors import ShapeError
from mlplib.interop import to_keras, to_torch
from mlplib.layers import Dense

HIDDEN = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"]
PLAIN_LOSSES = ["mse", "half_sse"]
CASES = (
    [
        (h, out, loss)
        for h in HIDDEN
        for out in HIDDEN
        for loss in PLAIN_LOSSES
        if (h == out or out == "identity")
    ]
    + [(h, "sigmoid", "binary_cross_entropy") for h in HIDDEN]
    + [(h, "softmax", "categorical_cross_entropy") for h in HIDDEN]
)


def network(hidden, out, seed, sizes=(3, 5, 4, 3)):
    return Sequential.from_sizes(
        list(sizes),
        [hidden, hidden, out],
        init="he_normal",
        seed=seed,
        dtype=np.float64,
    )


def data(loss, seed, n=7, m=3):
    rng = np.random.default_rng(100 + seed)
    X = rng.standard_normal((n, 3))
    if loss == "categorical_cross_entropy":
        T = rng.dirichlet(np.ones(m), size=n)
    else:
        T = rng.uniform(0, 1, (n, m))
    return X, T


def logits_twin(model):
    """The same network without its output activation: what a fused loss sees."""
    twin = Sequential.from_sizes(
        [model.layers[0].n_in] + [layer.n_out for layer in model.layers],
        [layer.activation for layer in model.layers[:-1]] + [None],
        dtype=np.float64,
    )
    twin.set_parameters(model.parameters())
    return twin


def torch_gradients(model, loss, X, T):
    fused = loss in ("binary_cross_entropy", "categorical_cross_entropy")
    net = to_torch(logits_twin(model) if fused else model)
    Xt = torch.tensor(X, requires_grad=True)
    Y, Tt = net(Xt), torch.tensor(T)
    E = {
        "mse": lambda: torch.nn.MSELoss()(Y, Tt),
        "half_sse": lambda: 0.5 * ((Y - Tt) ** 2).sum(),
        "binary_cross_entropy": lambda: torch.nn.BCEWithLogitsLoss()(Y, Tt),
        "categorical_cross_entropy": lambda: torch.nn.CrossEntropyLoss()(Y, Tt),
    }[loss]()
    E.backward()
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    grads = {}
    for i, lin in enumerate(linears):
        grads[f"{i}.W"] = lin.weight.grad.numpy().T
        grads[f"{i}.b"] = lin.bias.grad.numpy()
    return E.item(), grads, Xt.grad.numpy()


def keras_gradients(model, loss, X, T):
    import keras
    import tensorflow as tf

    fused = loss in ("binary_cross_entropy", "categorical_cross_entropy")
    kmodel = to_keras(logits_twin(model) if fused else model)
    kloss = {
        "mse": keras.losses.MeanSquaredError(dtype="float64"),
        "half_sse": lambda T, Y: 0.5 * tf.reduce_sum((Y - T) ** 2),
        "binary_cross_entropy": keras.losses.BinaryCrossentropy(
            from_logits=True, dtype="float64"
        ),
        "categorical_cross_entropy": keras.losses.CategoricalCrossentropy(
            from_logits=True, dtype="float64"
        ),
    }[loss]
    Xv = tf.Variable(X)
    with tf.GradientTape() as tape:
        E = kloss(tf.constant(T), kmodel(Xv))
    variables = [
        v
        for layer in kmodel.layers
        if isinstance(layer, keras.layers.Dense)
        for v in (layer.kernel, layer.bias)
    ]
    grads = tape.gradient(E, variables + [Xv])
    named = {
        f"{i // 2}.{'W' if i % 2 == 0 else 'b'}": g.numpy()
        for i, g in enumerate(grads[:-1])
    }
    return float(E), named, grads[-1].numpy()


@pytest.mark.parametrize("hidden,out,loss", CASES, ids=lambda c: str(c))
def test_gradients_equal_pytorch(hidden, out, loss):
    assert_gradients_equal(torch_gradients, hidden, out, loss)


@pytest.mark.parametrize(
    "hidden,out,loss",
    [
        c
        for c in CASES
        if c[0] in ("sigmoid", "relu", "tanh", "leaky_relu")
        or c[2] == "categorical_cross_entropy"
    ],
    ids=lambda c: str(c),
)
def test_gradients_equal_tensorflow_gradient_tape(hidden, out, loss):
    assert_gradients_equal(keras_gradients, hidden, out, loss)


def assert_gradients_equal(reference, hidden, out, loss):
    """mlplib's loss, parameter gradients and input gradient equal ``reference``'s
    (PyTorch or TensorFlow)."""
    seed = CASES.index((hidden, out, loss))
    model = network(hidden, out, seed)
    X, T = data(loss, seed)
    E = model.compute_gradients(loss, X, T)
    E_ref, grads_ref, dX_ref = reference(model, loss, X, T)
    assert E == pytest.approx(E_ref, rel=1e-12)
    for name, g in model.gradients().items():
        assert relative_error(g, grads_ref[name]) <= 1e-10, (
            name,
            relative_error(g, grads_ref[name]),
        )
    assert relative_error(_input_gradient(model, loss, X, T), dX_ref) <= 1e-10


def _input_gradient(model, loss, X, T):
    """dE/dX from mlplib: compute_gradients returns E, so run the backward pass again
    to get dX."""
    from mlplib import losses

    loss = losses.get(loss)
    Y = model.forward(X)
    if loss.fused_activation:
        return model.backward(dZ=loss.gradient(model.layers[-1].Z, T))
    return model.backward(dA=loss.gradient(Y, T))


@pytest.mark.parametrize("activation", HIDDEN)
def test_dense_layer_backward_equals_pytorch(activation):
    layer = Dense(4, 3, activation, init="he_normal", seed=1, dtype=np.float64)
    rng = np.random.default_rng(5)
    X, dA = rng.standard_normal((6, 4)), rng.standard_normal((6, 3))
    layer.forward(X)
    dX = layer.backward(dA)
    net = to_torch(Sequential([layer]))
    Xt = torch.tensor(X, requires_grad=True)
    (net(Xt) * torch.tensor(dA)).sum().backward()
    assert relative_error(layer.dW, net[0].weight.grad.numpy().T) <= 1e-12
    assert relative_error(layer.db, net[0].bias.grad.numpy()) <= 1e-12
    assert relative_error(dX, Xt.grad.numpy()) <= 1e-12


def test_matrix_form_formulas():
    """dE/dIN = dE/dO W^T, dE/dW = IN^T dE/dO, dE/db = column sums of dE/dO (for the
    identity activation)."""
    layer = Dense(3, 2, None, seed=0, dtype=np.float64)
    rng = np.random.default_rng(1)
    X, dO = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    layer.forward(X)
    dX = layer.backward(dO)
    np.testing.assert_array_equal(layer.dW, X.T @ dO)
    np.testing.assert_array_equal(layer.db, dO.sum(axis=0))
    np.testing.assert_array_equal(dX, dO @ layer.W.T)


def test_the_classic_2_2_2_example_gradients():
    """Every gradient of the 2-2-2 example (inputs 0.05, 0.10) against values
    computed by autograd."""
    model = Sequential.from_sizes([2, 2, 2], "sigmoid", dtype=np.float64)
    model.set_parameters(
        {
            "0.W": [[0.15, 0.25], [0.20, 0.30]],
            "0.b": [0.35, 0.35],
            "1.W": [[0.40, 0.50], [0.45, 0.55]],
            "1.b": [0.60, 0.60],
        }
    )
    X, T = np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]])
    E = model.compute_gradients("half_sse", X, T)
    E_t, grads_t, _ = torch_gradients(model, "half_sse", X, T)
    assert E == pytest.approx(0.29837110876, abs=1e-11) and E == pytest.approx(
        E_t, rel=1e-14
    )
    g = model.gradients()
    for name in g:
        assert relative_error(g[name], grads_t[name]) <= 1e-13
    # the published weights after one step (w5, w1 of the worked example) and the code
    # slide's w2 slip
    assert 0.40 - 0.5 * g["1.W"][0, 0] == pytest.approx(0.35891648, abs=1e-8)
    assert 0.15 - 0.5 * g["0.W"][0, 0] == pytest.approx(0.149780716, abs=1e-9)
    assert 0.20 - 0.5 * g["0.W"][1, 0] == pytest.approx(
        0.19956143, abs=1e-8
    )  # not 0.19978071 (uses i1, not i2)


@pytest.mark.parametrize("name", sorted(set(ACTIVATIONS) - {"linear"}))
@pytest.mark.parametrize("scale", [1e4, -1e4])
def test_extreme_inputs_to_every_activation_are_finite_with_no_warning(name, scale):
    act = activations.get(name)
    Z = scale * np.array([[1.0, -1.0, 0.5, 0.0], [0.25, 1.0, -1.0, 1.0]])
    dA = np.ones_like(Z)
    with (
        warnings.catch_warnings(),
        np.errstate(over="raise", divide="raise", invalid="raise"),
    ):
        warnings.simplefilter("error")
        A = act.f(Z)
        dZ = act.backward(Z, A, dA)
    assert np.all(np.isfinite(A)) and np.all(np.isfinite(dZ))
    torch_act = {
        "identity": lambda z: z,
        "hardlim": lambda z: (z >= 0).double(),
        "hardlims": lambda z: torch.where(z >= 0, 1.0, -1.0).double(),
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": torch.nn.LeakyReLU(0.01),
        "softmax": lambda z: torch.softmax(z, dim=1),
    }[name]
    np.testing.assert_allclose(
        A, torch_act(torch.tensor(Z)).numpy(), rtol=1e-12, atol=1e-300
    )


def test_backward_errors_name_the_layer_and_shapes():
    layer = Dense(3, 2, "relu", seed=0, dtype=np.float64, name="hidden")
    with pytest.raises(
        RuntimeError,
        match=r"layer 'hidden' \(Dense 3 -> 2, relu\): backward called before forward",
    ):
        layer.backward(np.ones((4, 2)))
    layer.forward(np.ones((4, 3)))
    with pytest.raises(
        ShapeError,
        match=r"layer 'hidden'.*gradient dE/dZ has 3 features .* expected \(batch, 2\)",
    ):
        layer.check_dZ(np.ones((4, 3)))
    with pytest.raises(
        ValueError, match=r"gradient dE/dZ has 5 rows but the last forward batch had 4"
    ):
        layer.check_dZ(np.ones((5, 2)))
    with pytest.raises(
        ValueError,
        match=r"dE/dA has shape \(5, 2\) but the layer's output A had shape \(4, 2\)",
    ):
        layer.backward(np.ones((5, 2)))
    model = Sequential([Dense(3, 2, "relu", seed=0, dtype=np.float64)])
    with pytest.raises(ValueError, match="exactly one of dA"):
        model.backward()
    with pytest.raises(RuntimeError, match="no gradients yet"):
        model.gradients()
    with pytest.raises(
        ValueError,
        match=r"works on the logits of a softmax output, but the last layer is .*relu",
    ):
        model.compute_gradients("categorical_cross_entropy", np.ones((2, 3)), np.eye(2))


def test_gradients_are_the_layers_own_arrays_after_each_backward():
    model = network("tanh", "identity", 0)
    X, T = data("mse", 0)
    model.compute_gradients("mse", X, T)
    first = {k: v.copy() for k, v in model.gradients().items()}
    model.compute_gradients("mse", 2 * X, T)
    assert any(not np.allclose(first[k], v) for k, v in model.gradients().items())
    assert (
        list(model.gradients())
        == list(model.parameters())
        == ["0.W", "0.b", "1.W", "1.b", "2.W", "2.b"]
    )
    for k, g in model.gradients().items():
        assert g.shape == model.parameters()[k].shape
