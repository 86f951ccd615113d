"""mlplib's inverted dropout against PyTorch's nn.Dropout and Keras's layers.Dropout in
float64, given the mask each framework drew; the layer's modes, mask statistics, a
numerical gradient check, and its errors."""

import numpy as np
import pytest

from mlplib.autograd.gradcheck import numerical_gradient, relative_error
from mlplib.dropout import Dropout, dropout_backward, dropout_forward


def data(seed=0, shape=(50, 40)):
    rng = np.random.default_rng(seed)
    return rng.normal(size=shape), rng.normal(size=shape)


@pytest.mark.parametrize("r", [0.2, 0.5])
def test_forward_and_backward_match_pytorch_on_its_mask(r):
    import torch

    X, dA = data()
    Xt = torch.from_numpy(X).requires_grad_()
    torch.manual_seed(0)
    At = torch.nn.Dropout(p=r)(Xt)  # a module is in training mode when built
    At.backward(torch.from_numpy(dA))
    M = (At.detach().numpy() != 0).astype(np.float64)  # X has no zero entries
    assert 0 < M.mean() < 1
    assert np.abs(dropout_forward(X, M, r) - At.detach().numpy()).max() < 1e-15
    assert np.abs(dropout_backward(dA, M, r) - Xt.grad.numpy()).max() < 1e-15


def test_forward_and_backward_match_keras_on_its_mask():
    import keras
    import tensorflow as tf

    r = 0.3
    X, dA = data(1)
    layer = keras.layers.Dropout(r, seed=0, dtype="float64")
    Xt = tf.constant(X)
    with tf.GradientTape() as tape:
        tape.watch(Xt)
        At = layer(Xt, training=True)
    dX = tape.gradient(At, Xt, output_gradients=tf.constant(dA)).numpy()
    M = (At.numpy() != 0).astype(np.float64)
    assert np.abs(dropout_forward(X, M, r) - At.numpy()).max() < 1e-15
    assert np.abs(dropout_backward(dA, M, r) - dX).max() < 1e-15
    assert np.array_equal(layer(Xt, training=False).numpy(), X)


def test_backward_matches_finite_differences_for_a_fixed_mask():
    X, dA = data(2, (6, 5))
    M = (np.random.default_rng(3).random(X.shape) >= 0.4).astype(np.float64)

    def E():
        return float(np.sum(dA * dropout_forward(X, M, 0.4)))

    dX = dropout_backward(dA, M, 0.4)
    assert relative_error(dX, numerical_gradient(E, X)) < 1e-9


def test_training_mode_drops_a_fraction_r_and_keeps_the_mean():
    X = np.ones((400, 500))
    drop = Dropout(0.25, seed=1)
    A = drop.forward(X)
    assert set(np.unique(A)) == {0.0, 1 / 0.75}
    assert abs((A == 0).mean() - 0.25) < 0.005  # 200,000 entries: sd 0.001
    assert abs(A.mean() - 1.0) < 0.01
    dX = drop.backward(np.ones_like(X))
    assert np.array_equal(dX, A)  # the same mask and scale
    assert not np.array_equal(drop.forward(X), A)  # a new mask each pass


def test_inference_mode_and_rate_zero_pass_the_input_through():
    X, dA = data(4)
    drop = Dropout(0.5)
    drop.training = False
    assert drop.forward(X) is X and drop.backward(dA) is dA
    zero = Dropout(0.0)
    assert np.array_equal(zero.forward(X), X) and np.array_equal(zero.backward(dA), dA)


def test_the_same_seed_draws_the_same_masks():
    X = np.ones((8, 9))
    assert np.array_equal(Dropout(0.5, seed=7).forward(X), Dropout(0.5, seed=7)(X))


def test_float32_input_stays_float32():
    A = Dropout(0.5).forward(np.ones((3, 4), np.float32))
    assert A.dtype == np.float32


@pytest.mark.parametrize(
    "rate, error, match",
    [
        (1.0, ValueError, r"rate must be a finite number in \[0, 1\), got 1.0"),
        (-0.1, ValueError, r"rate must be a finite number in \[0, 1\)"),
        (float("nan"), ValueError, "rate"),
        (True, TypeError, "rate must be a real number"),
        ("0.5", TypeError, "rate must be a real number"),
    ],
)
def test_a_rate_outside_0_1_is_an_error(rate, error, match):
    with pytest.raises(error, match=match):
        Dropout(rate)


def test_backward_before_forward_is_an_error():
    with pytest.raises(RuntimeError, match="backward called before forward"):
        Dropout(0.5).backward(np.ones((2, 2)))


def test_interop_converts_the_rate_both_ways():
    import torch

    from mlplib.interop import (
        dropout_from_framework,
        dropout_to_keras,
        dropout_to_torch,
    )

    drop = Dropout(0.3)
    to_t, to_k = dropout_to_torch(drop), dropout_to_keras(drop)
    assert isinstance(to_t, torch.nn.Dropout) and to_t.p == 0.3
    assert to_k.rate == 0.3
    assert dropout_from_framework(to_t).rate == dropout_from_framework(to_k).rate == 0.3
    with pytest.raises(ValueError, match="not nn.Dropout"):
        dropout_from_framework(torch.nn.ReLU())
