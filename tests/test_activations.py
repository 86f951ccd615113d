"""mlplib.activations against PyTorch autograd and Keras/TensorFlow (GradientTape), in
float64.

Values f(Z) and derivatives f'(Z) are compared on random inputs that include the kinks
(0) and
extremes (+-1e4), which must give finite results and no warning. Softmax's backward (a
Jacobian-vector product) is compared with each framework's vector-Jacobian product.
"""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mlplib import activations
from mlplib.activations import get

RTOL, ATOL = 1e-12, 1e-14
ALPHA = 0.01


def inputs(seed=0):
    """(6, 7) float64: normal and wide random values, exact zeros, and the extremes
    +-1e4, +-700, +-40."""
    rng = np.random.default_rng(seed)
    Z = np.concatenate([rng.normal(size=14), 30 * rng.normal(size=14)])
    special = np.array(
        [
            0.0,
            -0.0,
            1e4,
            -1e4,
            700.0,
            -700.0,
            40.0,
            -40.0,
            1e-300,
            -1e-300,
            1.0,
            -1.0,
            2.5,
            -2.5,
        ]
    )
    return np.concatenate([Z, special]).reshape(6, 7)


# Reference implementations: name -> (torch f, keras/tf f).
TORCH = {
    "identity": lambda z: z * 1,
    "hardlim": lambda z: torch.heaviside(z, torch.ones((), dtype=z.dtype)),
    "hardlims": lambda z: torch.where(z >= 0, torch.ones_like(z), -torch.ones_like(z)),
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, negative_slope=ALPHA),
}
KERAS = {
    "identity": keras.activations.linear,
    "hardlim": lambda z: tf.cast(z >= 0, z.dtype),
    "hardlims": lambda z: tf.where(z >= 0, tf.ones_like(z), -tf.ones_like(z)),
    "sigmoid": keras.activations.sigmoid,
    "tanh": keras.activations.tanh,
    "relu": keras.activations.relu,
    "leaky_relu": lambda z: keras.activations.leaky_relu(z, negative_slope=ALPHA),
}
# hardlim and hardlims are steps: neither framework differentiates a comparison, so
# their reference derivative is the autograd derivative of the framework's sign
# function, which is 0.
TORCH_GRAD_FN = {**TORCH, "hardlim": torch.sign, "hardlims": torch.sign}
KERAS_GRAD_FN = {**KERAS, "hardlim": tf.sign, "hardlims": tf.sign}
ELEMENTWISE = sorted(TORCH)


def keras_twin(act):
    """The mlplib activation that Keras's computes: TensorFlow's LeakyRelu op stores
    alpha as a
    float32 attribute, so Keras multiplies by float32(alpha) even on float64 tensors."""
    if isinstance(act, activations.LeakyReLU):
        return activations.LeakyReLU(float(np.float32(act.alpha)))
    return act


def torch_value_and_grad(fn, Z):
    z = torch.tensor(Z, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(fn(z).sum(), z)
    return g.numpy()


def keras_value(fn, Z):
    return np.asarray(fn(tf.constant(Z, dtype=tf.float64)))


def keras_grad(fn, Z):
    z = tf.constant(Z, dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(z)
        y = tf.reduce_sum(fn(z))
    return tape.gradient(y, z).numpy()


def no_warnings(fn, *args):
    """Call fn with overflow, division by zero, invalid results and every warning turned
    into errors.

    Underflow stays allowed: exp(-1e4) rounding to 0 is the intended result, and NumPy
    ignores it by default."""
    with (
        warnings.catch_warnings(),
        np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"),
    ):
        warnings.simplefilter("error")
        return fn(*args)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_value_matches_torch_and_keras(name):
    Z = inputs()
    act = get(name)
    A = no_warnings(act.f, Z)
    assert A.dtype == np.float64 and A.shape == Z.shape
    assert np.all(np.isfinite(A))
    theirs_torch = TORCH[name](torch.tensor(Z, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(A, theirs_torch, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(
        keras_twin(act).f(Z), keras_value(KERAS[name], Z), rtol=RTOL, atol=ATOL
    )


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_torch_and_keras_autograd(name):
    Z = inputs(1)
    act = get(name)
    dA = no_warnings(act.derivative, Z)
    assert dA.dtype == np.float64 and dA.shape == Z.shape
    assert np.all(np.isfinite(dA))
    np.testing.assert_allclose(
        dA, torch_value_and_grad(TORCH_GRAD_FN[name], Z), rtol=RTOL, atol=ATOL
    )
    np.testing.assert_allclose(
        keras_twin(act).derivative(Z),
        keras_grad(KERAS_GRAD_FN[name], Z),
        rtol=RTOL,
        atol=ATOL,
    )


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_given_A_and_backward_agree(name):
    """derivative(Z, A) with the precomputed A equals derivative(Z); backward is dA *
    f'(Z)."""
    Z = inputs(2)
    act = get(name)
    A = act.f(Z)
    dA = np.random.default_rng(3).normal(size=Z.shape)
    np.testing.assert_array_equal(act.derivative(Z, A), act.derivative(Z))
    np.testing.assert_allclose(
        act.backward(Z, A, dA), dA * act.derivative(Z), rtol=RTOL, atol=ATOL
    )


def test_conventions_at_the_kinks():
    """hardlim(0) = 1, hardlims(0) = +1, relu'(0) = 0, leaky_relu'(0) = alpha
    (PyTorch's choices)."""
    Z = np.array([-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(activations.hardlim(Z), [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(activations.hardlims(Z), [-1.0, 1.0, 1.0])
    np.testing.assert_array_equal(activations.relu.derivative(Z), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(
        activations.leaky_relu.derivative(Z), [ALPHA, ALPHA, 1.0]
    )


def test_sigmoid_extremes_are_exact_limits():
    A = no_warnings(activations.sigmoid.f, np.array([-1e4, 1e4, -800.0, 800.0]))
    np.testing.assert_array_equal(A, [0.0, 1.0, 0.0, 1.0])


def test_derivatives_match_finite_differences_away_from_kinks():
    """An independent check of f' that uses no framework: central differences, h =
    1e-6."""
    Z = np.random.default_rng(4).uniform(0.1, 3.0, size=20) * np.where(
        np.arange(20) % 2, 1, -1
    )
    h = 1e-6
    for name in ELEMENTWISE:
        act = get(name)
        fd = (act.f(Z + h) - act.f(Z - h)) / (2 * h)
        np.testing.assert_allclose(
            act.derivative(Z), fd, rtol=1e-7, atol=1e-9, err_msg=name
        )


@pytest.mark.parametrize("alpha", [0.0, 0.125, 0.3])
def test_leaky_relu_alpha_matches_torch_and_keras(alpha):
    Z = inputs(5)
    act = activations.LeakyReLU(alpha)

    # noqa: E731
    def ref_t(z):
        return torch.nn.functional.leaky_relu(z, negative_slope=alpha)

    # noqa: E731
    def ref_k(z):
        return keras.activations.leaky_relu(z, negative_slope=alpha)

    np.testing.assert_allclose(
        keras_twin(act).f(Z), keras_value(ref_k, Z), rtol=RTOL, atol=ATOL
    )
    np.testing.assert_allclose(
        act.f(Z), ref_t(torch.tensor(Z)).numpy(), rtol=RTOL, atol=ATOL
    )
    np.testing.assert_allclose(
        act.derivative(Z), torch_value_and_grad(ref_t, Z), rtol=RTOL, atol=ATOL
    )
    np.testing.assert_allclose(
        keras_twin(act).derivative(Z), keras_grad(ref_k, Z), rtol=RTOL, atol=ATOL
    )


def test_keras_leaky_relu_rounds_alpha_to_float32():
    """Why keras_twin exists: with alpha = 0.01 Keras differs from float64 math by
    ~2e-8 relative."""
    Z = np.array([-1.0, -1e4])
    got = keras_value(lambda z: keras.activations.leaky_relu(z, negative_slope=0.01), Z)
    np.testing.assert_array_equal(got, np.float32(0.01).astype(np.float64) * Z)
    assert not np.allclose(got, activations.LeakyReLU(0.01).f(Z), rtol=1e-10, atol=0)


# ---- softmax -------------------------------------------------------------------------
def test_softmax_value_matches_torch_and_keras_including_huge_logits():
    Z = inputs(6)
    P = no_warnings(activations.softmax.f, Z)
    assert np.all(np.isfinite(P))
    np.testing.assert_allclose(
        np.sum(P, axis=1), np.ones(Z.shape[0]), rtol=0, atol=1e-14
    )
    np.testing.assert_allclose(
        P, torch.softmax(torch.tensor(Z), dim=-1).numpy(), rtol=RTOL, atol=ATOL
    )
    np.testing.assert_allclose(
        P,
        keras_value(lambda z: keras.activations.softmax(z, axis=-1), Z),
        rtol=RTOL,
        atol=ATOL,
    )


def test_softmax_of_equal_huge_logits_is_uniform():
    P = no_warnings(activations.softmax.f, np.array([[1e4, 1e4], [-1e4, -1e4]]))
    np.testing.assert_array_equal(P, [[0.5, 0.5], [0.5, 0.5]])


@pytest.mark.parametrize("seed", [0, 1])
def test_softmax_backward_is_the_vector_jacobian_product_of_torch_and_keras(seed):
    rng = np.random.default_rng(seed)
    Z = 3 * rng.normal(size=(5, 4))
    dA = rng.normal(size=(5, 4))
    A = activations.softmax.f(Z)
    dZ = no_warnings(activations.softmax.backward, Z, A, dA)

    z = torch.tensor(Z, requires_grad=True)
    (dz_torch,) = torch.autograd.grad(
        torch.softmax(z, dim=-1), z, grad_outputs=torch.tensor(dA)
    )
    np.testing.assert_allclose(dZ, dz_torch.numpy(), rtol=1e-12, atol=1e-14)

    zt = tf.constant(Z)
    with tf.GradientTape() as tape:
        tape.watch(zt)
        at = keras.activations.softmax(zt, axis=-1)
    np.testing.assert_allclose(
        dZ,
        tape.gradient(at, zt, output_gradients=tf.constant(dA)).numpy(),
        rtol=1e-12,
        atol=1e-14,
    )

    # and against the explicit Jacobian diag(p) - p p^T of each row
    for p, da, dz in zip(A, dA, dZ):
        J = np.diag(p) - np.outer(p, p)
        np.testing.assert_allclose(dz, J.T @ da, rtol=1e-12, atol=1e-14)


def test_softmax_has_no_elementwise_derivative():
    with pytest.raises(
        TypeError,
        match=r"softmax has no elementwise derivative.*Softmax.backward\(Z, A, dA\)",
    ):
        activations.softmax.derivative(np.zeros((2, 3)))


@settings(max_examples=50, deadline=None, derandomize=True)
@given(arrays(np.float64, (3, 4), elements=st.floats(-1e4, 1e4, allow_nan=False)))
def test_softmax_rows_are_probabilities_for_any_finite_logits(Z):
    P = no_warnings(activations.softmax.f, Z)
    assert np.all(P >= 0) and np.all(P <= 1)
    np.testing.assert_allclose(np.sum(P, axis=1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        P, torch.softmax(torch.tensor(Z), dim=-1).numpy(), rtol=1e-12, atol=1e-300
    )


@settings(max_examples=50, deadline=None, derandomize=True)
@given(arrays(np.float64, (8,), elements=st.floats(-1e4, 1e4, allow_nan=False)))
def test_sigmoid_and_tanh_match_torch_for_any_input(Z):
    for name in ("sigmoid", "tanh"):
        act = get(name)
        A = no_warnings(act.f, Z)
        np.testing.assert_allclose(
            A, TORCH[name](torch.tensor(Z)).numpy(), rtol=1e-12, atol=1e-300
        )
        # The derivative 1 - y**2 (and the sigmoid's y - y**2) of a saturated unit is a
        # difference of nearly equal numbers in both libraries: an ulp of y, which
        # differs between CPUs' vector kernels, moves it by about 2e-16 absolutely
        # (relatively 4e-9 at z = 9). Compare to a few ulps of 1, absolutely.
        np.testing.assert_allclose(
            act.derivative(Z),
            torch_value_and_grad(TORCH[name], Z),
            rtol=1e-10,
            atol=1e-15,
        )


# ---- other array libraries -----------------------------------------------------------
@pytest.mark.parametrize("name", ELEMENTWISE + ["softmax"])
def test_activations_run_on_torch_tensors(name):
    """The same code runs on a torch tensor (array API), giving the NumPy result."""
    Z = inputs(7)
    act = get(name)
    out = act.f(torch.tensor(Z))
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float64
    np.testing.assert_allclose(out.numpy(), act.f(Z), rtol=1e-15, atol=0)
    if name != "softmax":
        np.testing.assert_allclose(
            act.derivative(torch.tensor(Z)).numpy(),
            act.derivative(Z),
            rtol=1e-15,
            atol=0,
        )


# ---- get() and construction errors ---------------------------------------------------
def test_get_resolves_names_instances_and_none():
    assert isinstance(get(None), activations.Identity)
    assert isinstance(get("linear"), activations.Identity)
    for name, cls in activations.ACTIVATIONS.items():
        assert isinstance(get(name), cls)
    leaky = activations.LeakyReLU(0.2)
    assert get(leaky) is leaky


@pytest.mark.parametrize("bad", ["Relu", "gelu", "", 3, activations.ReLU])
def test_get_rejects_unknown_activations_naming_the_choices(bad):
    with pytest.raises(
        ValueError,
        match=r"unknown activation .*expected one of \[.*'relu'.*\] or an Activation "
        r"instance",
    ):
        get(bad)


@pytest.mark.parametrize("alpha", [-0.1, 1.0, 2])
def test_leaky_relu_rejects_alpha_outside_0_1(alpha):
    with pytest.raises(
        ValueError, match=r"LeakyReLU: alpha must be a finite number in \[0, 1\), got"
    ):
        activations.LeakyReLU(alpha)


def test_base_class_says_what_a_subclass_must_define():
    class Half(activations.Activation):
        pass

    with pytest.raises(NotImplementedError, match="Half must define f"):
        Half()(np.zeros(2))
    with pytest.raises(
        NotImplementedError, match=r"Half must define derivative\(Z, A\)"
    ):
        Half().derivative(np.zeros(2))
