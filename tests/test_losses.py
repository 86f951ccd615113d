"""Losses: values and gradients against PyTorch and Keras (float64), extreme logits,
bad input."""

import warnings

import numpy as np
import pytest
import torch

from mlplib import losses
from mlplib.errors import ShapeError

RNG = np.random.default_rng(0)
Y = RNG.standard_normal((6, 4))
P = RNG.dirichlet(np.ones(4), size=6)  # probability rows
ONE_HOT = np.eye(4)[RNG.integers(0, 4, 6)]
BINARY = RNG.uniform(0, 1, (6, 4))


def torch_value_and_grad(fn, Y, T):
    Yt = torch.tensor(Y, requires_grad=True)
    E = fn(Yt, torch.tensor(T))
    E.backward()
    return E.item(), Yt.grad.numpy()


TORCH = {
    "mse": torch.nn.MSELoss(),
    "half_sse": lambda Y, T: 0.5 * ((Y - T) ** 2).sum(),
    "binary_cross_entropy": torch.nn.BCEWithLogitsLoss(),
    "categorical_cross_entropy": torch.nn.CrossEntropyLoss(),  # probability targets
}
TARGETS = {
    "mse": P,
    "half_sse": P,
    "binary_cross_entropy": BINARY,
    "categorical_cross_entropy": P,
}


def keras_losses():
    import keras
    import tensorflow as tf

    return {
        "mse": keras.losses.MeanSquaredError(dtype="float64"),
        "half_sse": lambda T, Y: 0.5 * tf.reduce_sum((Y - T) ** 2),
        "binary_cross_entropy": keras.losses.BinaryCrossentropy(
            from_logits=True, dtype="float64"
        ),
        "categorical_cross_entropy": keras.losses.CategoricalCrossentropy(
            from_logits=True, dtype="float64"
        ),
    }


@pytest.mark.parametrize("name", sorted(TORCH))
@pytest.mark.parametrize("T", ["targets", "one_hot"])
def test_value_and_gradient_equal_pytorch(name, T):
    T = TARGETS[name] if T == "targets" else ONE_HOT
    loss = losses.get(name)
    E, G = torch_value_and_grad(TORCH[name], Y, T)
    assert loss.value(Y, T) == pytest.approx(E, rel=1e-12)
    np.testing.assert_allclose(loss.gradient(Y, T), G, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("name", sorted(TORCH))
def test_value_and_gradient_equal_keras(name):
    import tensorflow as tf

    T = TARGETS[name]
    Yv = tf.Variable(Y)
    with tf.GradientTape() as tape:
        E = keras_losses()[name](tf.constant(T), Yv)
    G = tape.gradient(E, Yv).numpy()
    loss = losses.get(name)
    assert loss.value(Y, T) == pytest.approx(float(E), rel=1e-12)
    np.testing.assert_allclose(loss.gradient(Y, T), G, rtol=1e-10, atol=1e-15)


def test_fused_gradients_are_p_minus_t_over_batch():
    from mlplib.activations import sigmoid, softmax

    np.testing.assert_allclose(
        losses.CategoricalCrossEntropy().gradient(Y, ONE_HOT),
        (softmax(Y) - ONE_HOT) / 6,
    )
    np.testing.assert_allclose(
        losses.BinaryCrossEntropy().gradient(Y, BINARY), (sigmoid(Y) - BINARY) / 24
    )
    np.testing.assert_allclose(losses.HalfSumSquaredError().gradient(Y, P), Y - P)


def test_the_classic_worked_example_error():
    """E_total of the 2-2-2 example, from its outputs (the slide prints 0.298371109)."""
    Y_out = np.array([[0.7513650695475076, 0.772928465316421]])
    T = np.array([[0.01, 0.99]])
    assert losses.HalfSumSquaredError().value(Y_out, T) == pytest.approx(
        0.29837110875753253, rel=1e-14
    )
    assert losses.MeanSquaredError().value(Y_out, T) == pytest.approx(
        0.29837110875753253, rel=1e-14
    )  # 2 outputs: mean = half sum


@pytest.mark.parametrize("name", sorted(TORCH))
@pytest.mark.parametrize("scale", [1e4, -1e4, 1e3])
def test_extreme_logits_are_finite_with_no_warning(name, scale):
    Z = scale * np.array([[1.0, -1.0, 0.5, 0.0], [-1.0, 1.0, 1.0, -0.25]])
    T = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]])
    loss = losses.get(name)
    with (
        warnings.catch_warnings(),
        np.errstate(over="raise", divide="raise", invalid="raise"),
    ):
        warnings.simplefilter("error")
        E, G = loss.value(Z, T), loss.gradient(Z, T)
    assert np.isfinite(E) and np.all(np.isfinite(G))
    E_t, G_t = torch_value_and_grad(TORCH[name], Z, T)
    assert E == pytest.approx(E_t, rel=1e-12)
    np.testing.assert_allclose(G, G_t, rtol=1e-12, atol=1e-300)


def test_extreme_cross_entropy_has_the_right_size():
    """A wrong class at logit margin 2e4 costs exactly 2e4 (categorical), a wrong
    sign 1e4 (binary); right ones 0."""
    Z = np.array([[1e4, -1e4], [1e4, -1e4]])
    T = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert losses.CategoricalCrossEntropy().value(Z, T) == pytest.approx(
        2e4 / 2
    )  # mean over 2 rows
    assert losses.BinaryCrossEntropy().value(Z, T) == pytest.approx(
        2e4 / 4
    )  # mean over 4 entries


@pytest.mark.parametrize("name", sorted(TORCH))
def test_shape_mismatch_is_an_error_naming_both_shapes(name):
    loss = losses.get(name)
    with pytest.raises(
        ShapeError, match=r"output shape \(6, 1\) and target shape \(6,\) differ"
    ):
        loss.value(np.zeros((6, 1)), np.zeros(6))
    with pytest.raises(ShapeError, match=r"\(6, 4\).*\(6, 3\)"):
        loss.gradient(Y, np.zeros((6, 3)))


def test_cross_entropy_needs_a_matrix_of_logits():
    with pytest.raises(
        ShapeError, match="loss categorical_cross_entropy: logits Z must be a 2-D array"
    ):
        losses.CategoricalCrossEntropy().value(np.zeros(3), np.zeros(3))


@pytest.mark.parametrize("name", ["binary_cross_entropy", "categorical_cross_entropy"])
def test_targets_out_of_range_are_an_error(name):
    T = np.zeros((6, 4))
    T[0, 0] = 3.0
    with pytest.raises(
        ValueError,
        match=r"targets T must be .* in \[0, 1\], got values from 0.0 to 3.0",
    ):
        losses.get(name).value(Y, T)
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        losses.get(name).gradient(Y, -T)


def test_get_and_repr():
    assert isinstance(losses.get("mse"), losses.MeanSquaredError)
    inst = losses.BinaryCrossEntropy()
    assert losses.get(inst) is inst
    assert repr(inst) == "BinaryCrossEntropy()"
    assert inst(Y, BINARY) == inst.value(Y, BINARY)
    with pytest.raises(ValueError, match="unknown loss 'hinge'; expected one of"):
        losses.get("hinge")


def test_base_class_says_what_is_missing():
    with pytest.raises(
        NotImplementedError, match=r"Loss must define E\(Y, T\), the value"
    ):
        losses.Loss().value(Y, P)
    with pytest.raises(
        NotImplementedError, match=r"Loss must define dE\(Y, T\), the gradient"
    ):
        losses.Loss().gradient(Y, P)


def test_losses_run_on_torch_tensors():
    """The array API path: the same code computes on PyTorch tensors."""
    Yt, Tt = torch.tensor(Y), torch.tensor(P)
    for name in TORCH:
        got = losses.get(name).value(Yt, Tt)
        assert float(got) == pytest.approx(losses.get(name).value(Y, P), rel=1e-12)
        np.testing.assert_allclose(
            losses.get(name).gradient(Yt, Tt).numpy(), losses.get(name).gradient(Y, P)
        )
