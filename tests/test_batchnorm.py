"""mlplib's batch normalisation against PyTorch's BatchNorm1d and Keras's
BatchNormalization in float64 (forward, backward, running statistics, inference), a
numerical gradient check, and the layer's errors."""

import numpy as np
import pytest

from mlplib.autograd.gradcheck import numerical_gradient, relative_error
from mlplib.batchnorm import BatchNorm, batchnorm_backward, batchnorm_forward

N, n = 7, 4


def data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(2.0, 3.0, (N, n))
    dA = rng.normal(size=(N, n))
    gamma, beta = rng.uniform(0.5, 2, n), rng.normal(size=n)
    return X, dA, gamma, beta


def mlplib_bn(gamma, beta, **kw):
    bn = BatchNorm(n, dtype=np.float64, **kw)
    bn.gamma[...], bn.beta[...] = gamma, beta
    return bn


def test_forward_normalises_each_column():
    X, _, gamma, beta = data()
    _, Z_hat, mu, var = batchnorm_forward(X, np.ones(n), np.zeros(n), 0.0)
    assert np.allclose(Z_hat.mean(axis=0), 0, atol=1e-14)
    assert np.allclose(Z_hat.var(axis=0), 1, atol=1e-12)
    assert np.allclose(mu, X.mean(axis=0)) and np.allclose(var, X.var(axis=0))


def test_backward_matches_finite_differences():
    X, dA, gamma, beta = data(1)
    eps = 1e-5

    def E():
        return float(np.sum(dA * batchnorm_forward(X, gamma, beta, eps)[0]))

    _, Z_hat, _, var = batchnorm_forward(X, gamma, beta, eps)
    dZ, dgamma, dbeta = batchnorm_backward(dA, Z_hat, var, gamma, eps)
    for analytic, P in ((dZ, X), (dgamma, gamma), (dbeta, beta)):
        assert relative_error(analytic, numerical_gradient(E, P)) < 1e-8


def torch_bn(gamma, beta, momentum, eps):
    import torch

    bn = torch.nn.BatchNorm1d(n, momentum=momentum, eps=eps, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(torch.from_numpy(gamma))
        bn.bias.copy_(torch.from_numpy(beta))
    return bn


def test_training_step_matches_pytorch():
    import torch

    X, dA, gamma, beta = data(2)
    bn = mlplib_bn(gamma, beta, momentum=0.9, eps=1e-5)
    A = bn.forward(X)
    dX = bn.backward(dA)
    tb = torch_bn(gamma, beta, momentum=0.1, eps=1e-5)
    Xt = torch.from_numpy(X).requires_grad_()
    At = tb(Xt)
    At.backward(torch.from_numpy(dA))
    assert np.abs(A - At.detach().numpy()).max() < 1e-12
    assert np.abs(dX - Xt.grad.numpy()).max() < 1e-12
    assert np.abs(bn.dgamma - tb.weight.grad.numpy()).max() < 1e-12
    assert np.abs(bn.dbeta - tb.bias.grad.numpy()).max() < 1e-12
    assert np.abs(bn.running_mean - tb.running_mean.numpy()).max() < 1e-14
    assert np.abs(bn.running_var - tb.running_var.numpy()).max() < 1e-12  # unbiased


def test_inference_matches_pytorch_eval_after_steps():
    import torch

    X, _, gamma, beta = data(3)
    bn = mlplib_bn(gamma, beta, momentum=0.8, eps=1e-3)
    tb = torch_bn(gamma, beta, momentum=0.2, eps=1e-3)
    for seed in range(3):
        Xs = data(10 + seed)[0]
        bn.forward(Xs)
        tb(torch.from_numpy(Xs))
    bn.training = False
    tb.eval()
    A = bn.forward(X[:1])  # a single row is fine in inference
    assert np.abs(A - tb(torch.from_numpy(X[:1])).detach().numpy()).max() < 1e-12


def keras_bn(gamma, beta, momentum, eps):
    import keras

    layer = keras.layers.BatchNormalization(
        momentum=momentum, epsilon=eps, dtype="float64"
    )
    layer.build((None, n))
    layer.set_weights([gamma, beta, np.zeros(n), np.ones(n)])
    return layer


def test_training_step_matches_keras_with_the_biased_variance():
    import tensorflow as tf

    X, dA, gamma, beta = data(4)
    bn = mlplib_bn(gamma, beta, momentum=0.99, eps=1e-3, unbiased=False)
    A = bn.forward(X)
    dX = bn.backward(dA)
    kb = keras_bn(gamma, beta, momentum=0.99, eps=1e-3)
    Xt = tf.constant(X)
    with tf.GradientTape() as tape:
        tape.watch(Xt)
        At = kb(Xt, training=True)
    grads = tape.gradient(At, [Xt, kb.gamma, kb.beta], output_gradients=tf.constant(dA))
    assert np.abs(A - At.numpy()).max() < 1e-12
    for ours, theirs in zip((dX, bn.dgamma, bn.dbeta), grads):
        assert np.abs(ours - np.asarray(theirs)).max() < 1e-12
    assert np.abs(bn.running_mean - kb.moving_mean.numpy()).max() < 1e-14
    assert np.abs(bn.running_var - kb.moving_variance.numpy()).max() < 1e-12
    bn.training = False
    assert np.abs(bn.forward(X) - kb(Xt, training=False).numpy()).max() < 1e-12


def test_unbiased_and_biased_running_variance_differ_by_n_over_n_minus_1():
    X, _, gamma, beta = data(5)
    ours, keras_like = (
        mlplib_bn(gamma, beta, momentum=0.0),
        mlplib_bn(gamma, beta, momentum=0.0, unbiased=False),
    )
    ours.forward(X), keras_like.forward(X)
    assert np.allclose(ours.running_var, keras_like.running_var * N / (N - 1))


def test_a_batch_of_one_in_training_mode_is_an_error():
    bn = BatchNorm(3)
    with pytest.raises(
        ValueError, match=r"batch of 1 row in training mode.*at least 2"
    ):
        bn.forward(np.ones((1, 3), np.float32))
    bn.training = False
    assert bn.forward(np.ones((1, 3), np.float32)).shape == (1, 3)


def test_backward_in_inference_mode_is_an_error():
    bn = BatchNorm(3, dtype=np.float64)
    bn.training = False
    bn.forward(np.ones((4, 3)))
    with pytest.raises(RuntimeError, match="training mode"):
        bn.backward(np.ones((4, 3)))


@pytest.mark.parametrize(
    "kw, error, match",
    [
        (
            {"momentum": 1.0},
            ValueError,
            r"momentum must be a finite number in \[0, 1\)",
        ),
        ({"momentum": -0.1}, ValueError, "momentum"),
        ({"eps": 0.0}, ValueError, r"eps must be a finite number in \(0"),
        ({"momentum": True}, TypeError, "momentum must be a real number"),
    ],
)
def test_bad_hyperparameters_are_errors(kw, error, match):
    with pytest.raises(error, match=match):
        BatchNorm(3, **kw)


def test_bad_width_is_an_error():
    with pytest.raises((TypeError, ValueError), match="n"):
        BatchNorm(0)


def trained_pair(to_framework, step, unbiased):
    """A float64 mlplib BatchNorm after one training step, its framework copy, and
    the framework layer after the same step on the same batch."""
    X, _, gamma, beta = data(3)
    ours = mlplib_bn(gamma, beta, momentum=0.8, eps=1e-3, unbiased=unbiased)
    ours.forward(X)  # running statistics move away from 0 and 1
    theirs = to_framework(ours)
    X2 = data(4)[0]
    ours.forward(X2)
    step(theirs, X2)
    return ours, theirs, X2


def test_to_torch_copies_weights_and_running_statistics_and_steps_alike():
    import torch

    from mlplib.interop import batchnorm_from_torch, batchnorm_to_torch

    def step(layer, X):
        layer.train()(torch.from_numpy(X))

    ours, theirs, X = trained_pair(batchnorm_to_torch, step, True)
    assert theirs.momentum == pytest.approx(0.2)
    assert np.abs(theirs.running_mean.numpy() - ours.running_mean).max() < 1e-12
    assert np.abs(theirs.running_var.numpy() - ours.running_var).max() < 1e-12
    ours.training = False
    out = theirs.eval()(torch.from_numpy(X)).detach().numpy()
    assert np.abs(out - ours.forward(X)).max() < 1e-12
    back = batchnorm_from_torch(theirs)
    assert back.momentum == pytest.approx(0.8) and back.eps == ours.eps
    for name in ("gamma", "beta", "running_mean", "running_var"):
        assert np.abs(getattr(back, name) - getattr(ours, name)).max() < 1e-12


def test_to_keras_copies_weights_and_moving_statistics_and_steps_alike():
    import tensorflow as tf

    from mlplib.interop import batchnorm_from_keras, batchnorm_to_keras

    def step(layer, X):
        layer(tf.constant(X), training=True)

    ours, theirs, X = trained_pair(batchnorm_to_keras, step, False)
    assert theirs.momentum == pytest.approx(0.8)
    assert np.abs(np.asarray(theirs.moving_mean) - ours.running_mean).max() < 1e-12
    assert np.abs(np.asarray(theirs.moving_variance) - ours.running_var).max() < 1e-12
    ours.training = False
    out = np.asarray(theirs(tf.constant(X), training=False))
    assert np.abs(out - ours.forward(X)).max() < 1e-12
    back = batchnorm_from_keras(theirs)
    assert back.momentum == pytest.approx(0.8) and not back.unbiased
    for name in ("gamma", "beta", "running_mean", "running_var"):
        assert np.abs(getattr(back, name) - getattr(ours, name)).max() < 1e-12


def test_a_variance_convention_the_framework_does_not_store_is_an_error():
    from mlplib.interop import batchnorm_to_keras, batchnorm_to_torch

    with pytest.raises(ValueError, match="unbiased=True"):
        batchnorm_to_torch(BatchNorm(n, unbiased=False))
    with pytest.raises(ValueError, match="unbiased=False"):
        batchnorm_to_keras(BatchNorm(n, unbiased=True))
