"""The exercise checks of the forward-propagation chapter: right answers pass (the
book's inputs and students' variants), every named mistake gets its own hint and no
other, an answer no mistake explains gets no mistake's hint, no message shows an
expected value, variants differ from the book's."""

import numpy as np
import pytest
from check_helpers import (
    assert_code_hints,
    assert_no_default_answer_printed,
    assert_rule_hints,
    assert_variants_differ,
    inputs,
    message,
)

from course.checks import ch02
from course.exercise import find
from mlplib import Sequential

VARIANTS = [None, "s1", "s2", "s3"]


def forward(d):
    z1 = d["x"] @ np.asarray(d["weight_0"]).T + d["bias_0"]
    z2 = z1 @ np.asarray(d["weight_1"]).T + d["bias_1"]
    return z1, z2, float((z2 @ np.asarray(d["weight_2"]).T + d["bias_2"])[0])


@pytest.mark.parametrize("variant", VARIANTS, indirect=True)
def test_ex1_by_hand_to_four_figures(variant):
    d = inputs("ch02-ex1", variant)
    z1, z2, y = forward(d)
    four = [float(f"{v:.4g}") for v in z1], [float(f"{v:.4g}") for v in z2]
    assert message("ch02-ex1", z1=four[0], z2=four[1], y=float(f"{y:.4g}")) is None
    assert message("ch02-ex1", z1=z1, z2=z2, y=[y]) is None  # y as a 1-element array
    no_bias = d["x"] @ np.asarray(d["weight_0"]).T
    text = message("ch02-ex1", z1=no_bias, z2=z2, y=y)
    assert text.startswith("z1 ") and "bias is missing" in text
    assert not any(f"{v:.4f}" in text for v in z1)


def test_ex1_book_input_is_not_an_example_of_the_chapter():
    x = inputs("ch02-ex1")["x"]
    shown = np.array([[1.0, 2.0], [2.0, 3.0], [10.0, 5.0]])
    assert not any(np.array_equal(x, row) for row in shown)


@pytest.mark.parametrize("variant", VARIANTS, indirect=True)
def test_ex2_counts_and_shapes(variant):
    d = inputs("ch02-ex2", variant)
    sizes, N = d["sizes"], d["N"]
    n = Sequential.from_sizes(sizes, None).n_params
    right = {"n_params": n, "shape_W2": (sizes[1], sizes[2]), "shape_Z2": (N, sizes[2])}
    assert message("ch02-ex2", **right) is None
    weights_only = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    text = message("ch02-ex2", **(right | {"n_params": weights_only}))
    assert "biases" in text and str(n) not in text
    text = message("ch02-ex2", **(right | {"n_params": n - sizes[-1]}))
    assert text.startswith("n_params")  # an exact count: off by the output biases fails
    if sizes[1] != sizes[2]:
        text = message("ch02-ex2", **(right | {"shape_W2": (sizes[2], sizes[1])}))
        assert "PyTorch's layout" in text
    if sizes[2] != N:
        text = message("ch02-ex2", **(right | {"shape_Z2": (sizes[2], N)}))
        assert "one row per example" in text


def dense(X, W, b, activation):
    Z = X @ W + b
    f = {"relu": lambda v: np.maximum(v, 0), "tanh": np.tanh}.get(
        activation, lambda v: 1 / (1 + np.exp(-v))
    )
    return Z, f(Z)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda X, W, b, activation: (X @ W, dense(X, W, b, activation)[1]), "bias"),
        (lambda X, W, b, activation: (X @ W + b, X @ W + b), "apply the activation"),
        (lambda X, W, b, activation: dense(X, W, b, activation)[1], "tuple"),
    ],
)
def test_ex3_dense_layer_on_hidden_cases(wrong, hint):
    assert message("ch02-ex3", dense_forward=dense) is None
    text = message("ch02-ex3", dense_forward=wrong)
    assert hint in text and "expected" not in text


def mlp(X, params, activations, stable=True, axis=1):
    A = X
    for k, name in enumerate(activations):
        Z = A @ params[f"{k}.W"] + params[f"{k}.b"]
        if name == "softmax":
            shift = Z.max(axis=axis, keepdims=True) if stable else 0
            E = np.exp(Z - shift)
            A = E / E.sum(axis=axis, keepdims=True)
        else:
            A = dense(Z, np.eye(Z.shape[1]), 0, name)[1] if name != "identity" else Z
    return A


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda X, params, activations: mlp(X, params, activations, False), "overflow"),
        (
            lambda X, params, activations: mlp(X, params, activations, axis=0),
            "each row",
        ),
    ],
)
def test_ex4_forward_pass_on_hidden_cases(wrong, hint):
    assert message("ch02-ex4", mlp_forward=mlp) is None
    with np.errstate(all="ignore"):
        text = message("ch02-ex4", mlp_forward=wrong)
    assert hint in text and "expected" not in text


def test_ex5_scaled_hardlim_xor_passes_and_unscaled_fails():
    W1, b1 = np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([-0.5, -1.5])
    W2, b2 = np.array([[1.0], [-1.0]]), np.array([-0.5])
    assert message("ch02-ex5", W1=20 * W1, b1=20 * b1, W2=20 * W2, b2=20 * b2) is None
    text = message("ch02-ex5", W1=W1, b1=b1, W2=W2, b2=b2)
    assert "0.01 or more away" in text and "scale" in text


@pytest.mark.parametrize("label", ["ch02-ex1", "ch02-ex2"])
def test_numeric_exercises_name_each_mistake_and_only_it(label):
    assert_rule_hints(label)


@pytest.mark.parametrize("label", ["ch02-ex3", "ch02-ex4"])
def test_code_exercises_name_each_mistake_and_only_it(label):
    assert_code_hints(label, rare=("W transposed", "bias on rows"))


def test_ex3_a_transposed_square_weight_and_a_bias_on_rows_are_named():
    rng = np.random.default_rng(0)
    case = {
        "X": rng.normal(size=(3, 3)),
        "W": rng.normal(size=(3, 3)),
        "b": rng.normal(size=3),
        "activation": "tanh",
    }
    ex = find("ch02-ex3")
    expected = ex.reference(**case)
    for name, wrong in [
        ("W transposed", case["X"] @ case["W"].T + case["b"]),
        ("bias on rows", case["X"] @ case["W"] + case["b"][:, None]),
    ]:
        got = (wrong, np.tanh(wrong))
        assert ex.diagnose(got, expected, case) == ch02.EX3.hints[name]


def test_variants_differ_from_the_book():
    assert_variants_differ(["ch02-ex1", "ch02-ex2"])


def test_the_chapter_prints_no_default_answer_outside_its_solutions():
    assert_no_default_answer_printed("ch02")
