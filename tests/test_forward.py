"""Forward pass: mlplib equals PyTorch and Keras (float64) on random networks;
softmax; initialisers."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mlplib import Sequential, activations, init, interop
from mlplib.layers import Dense

ACTS = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"]


@st.composite
def networks(draw):
    """A random float64 network (depth 1-4, widths 1-12, any activations) and a
    random batch X."""
    depth = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(1, 12), min_size=depth + 1, max_size=depth + 1))
    acts = draw(st.lists(st.sampled_from(ACTS), min_size=depth, max_size=depth))
    acts = [
        activations.LeakyReLU(draw(st.sampled_from([0.01, 0.2, 0.3])))
        if a == "leaky_relu"
        else a
        for a in acts
    ]
    # a softmax over one value is constantly 1 (Keras warns): give softmax layers at
    # least 2 outputs
    sizes = [sizes[0]] + [
        max(n, 2) if a == "softmax" else n for n, a in zip(sizes[1:], acts)
    ]
    scheme = draw(st.sampled_from(["torch_uniform", "glorot_uniform", "he_normal"]))
    seed = draw(st.integers(0, 2**32 - 1))
    batch = draw(st.integers(1, 9))
    model = Sequential.from_sizes(sizes, acts, init=scheme, seed=seed, dtype=np.float64)
    X = np.random.default_rng(seed).normal(0.0, 2.0, (batch, sizes[0]))
    return model, X


def assert_relative(ours, theirs, rtol=1e-12):
    """max |ours - theirs| <= rtol * max(|theirs|, tiny): a relative error measured
    on the output's scale."""
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype == np.float64
    scale = max(float(np.abs(theirs).max()), 1e-300)
    err = float(np.abs(ours - theirs).max())
    assert err <= rtol * scale, f"relative error {err / scale:.3e} > {rtol:g}"


@settings(max_examples=120, deadline=None, derandomize=True)
@given(networks())
def test_forward_equals_pytorch_and_keras(case):
    model, X = case
    Y = model.forward(X)
    net = interop.to_torch(model)
    with torch.no_grad():
        Y_torch = net(torch.from_numpy(X)).numpy()
    Y_keras = np.asarray(interop.to_keras(model)(X, training=False))
    assert_relative(Y, Y_torch)
    assert_relative(Y, Y_keras)
    # every layer kept its intermediate values, and they chain
    A = X
    for layer in model.layers:
        assert layer.X is A
        np.testing.assert_array_equal(layer.Z, A @ layer.W + layer.b)
        np.testing.assert_array_equal(layer.A, layer.activation.f(layer.Z))
        A = layer.A
    assert A is Y


def test_forward_of_hand_computed_network():
    """A 2-2-1 network whose output is computed by hand: relu(x W1 + b1) W2 + b2."""
    model = Sequential(
        [Dense(2, 2, "relu", dtype=np.float64), Dense(2, 1, dtype=np.float64)]
    )
    model.set_parameters(
        {
            "0.W": [[1.0, -1.0], [2.0, 1.0]],
            "0.b": [0.5, -3.0],
            "1.W": [[2.0], [-1.0]],
            "1.b": [1.0],
        }
    )
    # x = (1, 1): z1 = (1 + 2 + 0.5, -1 + 1 - 3) = (3.5, -3) -> relu (3.5, 0) -> 2 * 3.5
    # + 1 = 8 x = (0, 2): z1 = (4.5, -1) -> (4.5, 0) -> 10
    np.testing.assert_array_equal(
        model.forward(np.array([[1.0, 1.0], [0.0, 2.0]])), [[8.0], [10.0]]
    )


def test_forward_converts_input_to_model_dtype():
    model = Sequential.from_sizes([3, 2], "tanh", seed=0)  # float32 by default
    assert model.forward(np.ones((2, 3), dtype=np.float64)).dtype == np.float32
    assert model.forward(np.ones((2, 3), dtype=np.int64)).dtype == np.float32


def test_softmax_rows_sum_to_one_and_match_torch():
    Z = np.random.default_rng(0).normal(0, 5, (6, 10))
    P = activations.softmax(Z)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(
        P, torch.softmax(torch.from_numpy(Z), dim=1).numpy(), rtol=1e-13, atol=0
    )


@pytest.mark.parametrize("scale", [1e3, 1e4, 1e300])
def test_softmax_is_stable_for_large_logits(scale):
    Z = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]]) * scale
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        P = activations.softmax(Z)
    assert np.all(np.isfinite(P))
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-15)
    np.testing.assert_array_equal(np.argmax(P, axis=1), [2, 2])
    np.testing.assert_allclose(P[:, 2], 1.0)
    np.testing.assert_allclose(
        P, torch.softmax(torch.from_numpy(Z), dim=1).numpy(), atol=1e-15
    )
    # shifting every logit in a row leaves the probabilities unchanged
    np.testing.assert_allclose(activations.softmax(Z - 7.0), P, atol=1e-15)


def test_softmax_naive_formula_overflows_where_ours_does_not():
    Z = np.array([[1000.0, 1001.0]])
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    assert np.isnan(naive).all()
    np.testing.assert_allclose(
        activations.softmax(Z), [[1 / (1 + np.e), np.e / (1 + np.e)]], rtol=1e-15
    )


# ---- initialisers --------------------------------------------------------------------
def test_torch_uniform_bounds_and_moments():
    n_in, n_out = 400, 300
    W, b = init.torch_uniform(n_in, n_out, np.random.default_rng(0))
    bound = 1 / np.sqrt(n_in)
    assert W.shape == (n_in, n_out) and b.shape == (n_out,)
    assert np.abs(W).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(W).max() > 0.99 * bound  # the whole interval is used
    # U(-a, a) has mean 0 and variance a^2 / 3; 120,000 samples: standard error of the
    # std ~ 0.1 %
    assert abs(W.mean()) < 0.01 * bound
    assert abs(W.std() / (bound / np.sqrt(3)) - 1) < 0.01


def test_torch_uniform_matches_pytorch_linear_distribution():
    """PyTorch's Linear draws from the same interval (its default
    kaiming_uniform(a=sqrt(5)) gives 1/sqrt(n_in))."""
    torch.manual_seed(0)
    lin = torch.nn.Linear(400, 300, dtype=torch.float64)
    bound = 1 / np.sqrt(400)
    for p in (lin.weight, lin.bias):
        a = p.detach().numpy()
        assert np.abs(a).max() <= bound and np.abs(a).max() > 0.95 * bound


def test_glorot_uniform_limit_zero_bias_and_matches_keras_interval():
    import keras

    n_in, n_out = 300, 500
    W, b = init.glorot_uniform(n_in, n_out, np.random.default_rng(1))
    limit = np.sqrt(6 / (n_in + n_out))
    assert np.abs(W).max() <= limit and np.abs(W).max() > 0.99 * limit
    np.testing.assert_array_equal(b, 0)
    # variance 2 / (n_in + n_out) (Glorot & Bengio 2010)
    assert abs(W.var() / (2 / (n_in + n_out)) - 1) < 0.02
    K = np.asarray(keras.initializers.GlorotUniform(seed=0)((n_in, n_out)))
    assert np.abs(K).max() <= limit * (1 + 1e-6) and np.abs(K).max() > 0.99 * limit


def test_he_normal_std_and_zero_bias():
    n_in, n_out = 500, 400
    W, b = init.he_normal(n_in, n_out, np.random.default_rng(2))
    std = np.sqrt(2 / n_in)
    assert abs(W.std() / std - 1) < 0.01
    assert abs(W.mean()) < 0.01 * std
    # about 95.45 % of a normal sample lies within two standard deviations
    assert abs(np.mean(np.abs(W) < 2 * std) - 0.9545) < 0.005
    np.testing.assert_array_equal(b, 0)


def test_zeros_and_unknown_initialiser():
    W, b = init.zeros(3, 2, np.random.default_rng(0))
    assert not W.any() and not b.any()
    assert init.get("he_normal") is init.he_normal
    with pytest.raises(
        ValueError, match=r"unknown initialiser 'xavier'.*glorot_uniform"
    ):
        init.get("xavier")


@pytest.mark.parametrize("scheme", ["torch_uniform", "glorot_uniform", "he_normal"])
def test_seeded_models_are_reproducible(scheme):
    a = Sequential.from_sizes(
        [5, 4, 3], ["relu", "softmax"], init=scheme, seed=7, dtype=np.float64
    )
    b = Sequential.from_sizes(
        [5, 4, 3], ["relu", "softmax"], init=scheme, seed=7, dtype=np.float64
    )
    c = Sequential.from_sizes(
        [5, 4, 3], ["relu", "softmax"], init=scheme, seed=8, dtype=np.float64
    )
    for key, value in a.parameters().items():
        np.testing.assert_array_equal(value, b.parameters()[key])
    assert not np.array_equal(a.parameters()["0.W"], c.parameters()["0.W"])
    # the layers draw from one generator in turn, so layer 1 differs from a fresh Dense
    # with the same seed
    assert not np.array_equal(
        a.parameters()["1.W"], Dense(4, 3, init=scheme, seed=7, dtype=np.float64).W
    )
    np.testing.assert_array_equal(
        Dense(4, 3, init=scheme, seed=7).W, Dense(4, 3, init=scheme, seed=7).W
    )


def test_dense_stores_requested_dtype():
    assert Dense(3, 2).W.dtype == np.float32
    layer = Dense(3, 2, dtype=np.float64)
    assert layer.W.dtype == layer.b.dtype == np.float64
    assert layer.n_params == 8
