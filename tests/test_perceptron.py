"""mlplib.perceptron: the learning rule, convergence on AND/OR, non-convergence on
XOR, errors."""

import numpy as np
import pytest
import tensorflow as tf
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mlplib import NonFiniteError, ShapeError
from mlplib.perceptron import Perceptron, decision_boundary, perceptron_rule

X2 = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
GATES = {
    "AND": np.array([0, 0, 0, 1], dtype=float),
    "OR": np.array([0, 1, 1, 1], dtype=float),
    "NAND": np.array([1, 1, 1, 0], dtype=float),
    "NOR": np.array([1, 0, 0, 0], dtype=float),
    "XOR": np.array([0, 1, 1, 0], dtype=float),
}


def reference_training(X, T, eta, max_epochs, W=None, b=0.0):
    """The rule written out in plain Python floats (no NumPy, no mlplib): an
    independent reference."""
    W = [0.0] * len(X[0]) if W is None else list(W)
    errors = []
    for _ in range(max_epochs):
        n = 0
        for x, t in zip(X.tolist(), T.tolist()):
            y = 1.0 if sum(w * xi for w, xi in zip(W, x)) + b >= 0 else 0.0
            if y != t:
                W = [w + eta * (t - y) * xi for w, xi in zip(W, x)]
                b += eta * (t - y)
                n += 1
        errors.append(n)
        if n == 0:
            break
    return W, b, errors


# ---- the rule ------------------------------------------------------------------------
def test_one_step_by_hand_misclassified_sample():
    # net = 0.5*1 + (-1)*1 + 0.5 = 0 -> hardlim(0) = 1, target 0: e = -1,
    # W = [0.5, -1] + 0.5 * (-1) * [1, 1] = [0, -1.5], b = 0.5 + 0.5 * (-1) = 0.
    W, b = np.array([0.5, -1.0]), 0.5
    W_new, b_new, e = perceptron_rule(W, b, np.array([1.0, 1.0]), 0.0, eta=0.5)
    np.testing.assert_array_equal(W_new, [0.0, -1.5])
    assert b_new == 0.0 and e == -1.0
    np.testing.assert_array_equal(W, [0.5, -1.0])  # inputs untouched


def test_one_step_by_hand_positive_error():
    # net = 2*0 + (-1)*3 + 1 = -2 -> y = 0, target 1: e = +1, W = [2, -1] + 2*[0, 3] =
    # [2, 5], b = 1 + 2 = 3.
    W_new, b_new, e = perceptron_rule(
        np.array([2.0, -1.0]), 1.0, np.array([0.0, 3.0]), 1.0, eta=2.0
    )
    np.testing.assert_array_equal(W_new, [2.0, 5.0])
    assert b_new == 3.0 and e == 1.0


def test_correct_sample_changes_nothing():
    W, b = np.array([1.0, 1.0]), -1.5
    for x, t in zip(X2, GATES["AND"]):
        W_new, b_new, e = perceptron_rule(W, b, x, t)
        assert e == 0
        np.testing.assert_array_equal(W_new, W)
        assert b_new == b


# ---- training ------------------------------------------------------------------------
@pytest.mark.parametrize("gate", ["AND", "OR", "NAND", "NOR"])
@pytest.mark.parametrize("eta", [1.0, 0.1])
def test_converges_on_linearly_separable_gates(gate, eta):
    T = GATES[gate]
    p = Perceptron(2, eta=eta).fit(X2, T, max_epochs=100)
    assert p.converged and p.errors[-1] == 0 and all(n > 0 for n in p.errors[:-1])
    np.testing.assert_array_equal(p.predict(X2), T)
    W, b, errors = reference_training(X2, T, eta, 100)
    assert p.errors == errors
    np.testing.assert_allclose(p.W, W, rtol=1e-12, atol=1e-12)
    assert p.b == pytest.approx(b, abs=1e-12)
    assert len(p.history) == len(p.errors)
    np.testing.assert_array_equal(p.history[-1][0], p.W)


def test_and_trajectory():
    """From zero weights with eta = 1, AND takes 6 epochs and ends at W = [2, 1], b =
    -3."""
    p = Perceptron(2).fit(X2, GATES["AND"])
    assert p.errors == [2, 3, 3, 2, 1, 0]
    np.testing.assert_array_equal(p.W, [2.0, 1.0])
    assert p.b == -3.0


def test_never_converges_on_xor():
    p = Perceptron(2).fit(X2, GATES["XOR"], max_epochs=500)
    assert len(p.errors) == 500 and not p.converged
    assert min(p.errors) > 0
    assert p.errors == reference_training(X2, GATES["XOR"], 1.0, 500)[2]
    # whatever weights it ends with, at least one of the four points is wrong
    assert np.sum(p.predict(X2) != GATES["XOR"]) >= 1


@settings(max_examples=25, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 40), d=st.integers(1, 5))
def test_converges_within_novikoff_bound_on_separable_data(seed, n, d):
    """Novikoff: on (x, 1) with |(x, 1)| <= R and margin gamma for the unit (w*, b*),
    at most R^2 / gamma^2 mistakes."""
    rng = np.random.default_rng(seed)
    w_star, b_star = rng.normal(size=d), rng.normal()
    X = rng.normal(size=(n, d))
    margin = X @ w_star + b_star
    keep = np.abs(margin) > 0.1
    X, margin = X[keep], margin[keep]
    if len(X) == 0:
        return
    T = (margin > 0).astype(float)
    p = Perceptron(d).fit(X, T, max_epochs=100_000)
    assert p.converged
    np.testing.assert_array_equal(p.predict(X), T)
    # mistake bound for the augmented vectors (x, 1) and (w*, b*), eta = 1
    R2 = np.max(np.sum(X * X, axis=1)) + 1
    gamma = np.min(np.abs(margin)) / np.sqrt(w_star @ w_star + b_star**2)
    assert sum(p.errors) <= R2 / gamma**2


def test_fit_restarts_error_history():
    p = Perceptron(2).fit(X2, GATES["OR"])
    p.fit(X2, GATES["OR"])
    assert p.errors == [0]


def test_initial_weights_are_used():
    p = Perceptron(2, W=[1.0, 1.0], b=-1.5).fit(X2, GATES["AND"])
    assert p.errors == [0]
    np.testing.assert_array_equal(p.W, [1.0, 1.0])


# ---- against the frameworks ----------------------------------------------------------
def test_predict_matches_torch_and_tensorflow():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    W, b = rng.normal(size=3), 0.3
    p = Perceptron(3, W=W, b=b)
    lin = torch.nn.Linear(3, 1, dtype=torch.float64)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(W).reshape(1, 3))
        lin.bias.fill_(b)
        y_torch = torch.heaviside(
            lin(torch.tensor(X)), torch.tensor(1.0, dtype=torch.float64)
        ).numpy()[:, 0]
    y_tf = tf.cast(
        tf.linalg.matvec(tf.constant(X), tf.constant(W)) + b >= 0, tf.float64
    ).numpy()
    np.testing.assert_array_equal(p.net(X), X @ W + b)
    np.testing.assert_array_equal(p.predict(X), y_torch)
    np.testing.assert_array_equal(p.predict(X), y_tf)


# ---- decision boundary ---------------------------------------------------------------
@pytest.mark.parametrize(
    "W,b",
    [([2.0, 1.0], -3.0), ([1.0, 3.0], -1.0), ([1.0, 0.0], -0.5), ([0.0, 2.0], -1.0)],
)
def test_boundary_points_lie_on_the_line(W, b):
    x1s, x2s = decision_boundary(W, b, -0.5, 1.5)
    np.testing.assert_allclose(np.array(W) @ np.stack([x1s, x2s]) + b, 0.0, atol=1e-12)
    assert x1s[0] != x1s[1] or x2s[0] != x2s[1]


def test_boundary_method_uses_trained_weights():
    p = Perceptron(2).fit(X2, GATES["AND"])
    x1s, x2s = p.boundary()
    # W = [2, 1], b = -3: the line 2 x1 + x2 = 3 is steep (|w1| > |w2|), so it is solved
    # for x1 = (3 - x2) / 2 at x2 = -0.5 and 1.5
    np.testing.assert_allclose(x2s, [-0.5, 1.5])
    np.testing.assert_allclose(x1s, [1.75, 0.75])


# ---- errors --------------------------------------------------------------------------
def test_bad_input_shapes_name_the_problem():
    p = Perceptron(2)
    with pytest.raises(
        ShapeError,
        match=r"Perceptron\(2 inputs\): input X must be a 2-D array.*reshape a single "
        r"sample",
    ):
        p.predict(np.array([1.0, 0.0]))
    with pytest.raises(
        ShapeError, match=r"input X has 3 features \(columns\) but 2 were expected"
    ):
        p.predict(np.zeros((4, 3)))
    X = X2.copy()
    X[1, 0] = np.nan
    with pytest.raises(
        NonFiniteError,
        match=r"input X of shape \(4, 2\) contains 1 NaN or infinite value\(s\), the "
        r"first at index \(1, 0\)",
    ):
        p.fit(X, GATES["AND"])


def test_bad_labels_name_the_problem():
    p = Perceptron(2)
    with pytest.raises(
        ShapeError,
        match=r"labels T must be a 1-D array with one label per row of X, i\.e\. "
        r"shape \(4,\); got shape \(4, 1\)",
    ):
        p.fit(X2, GATES["AND"].reshape(4, 1))
    with pytest.raises(ShapeError, match=r"shape \(4,\); got shape \(3,\)"):
        p.fit(X2, GATES["AND"][:3])
    with pytest.raises(
        ValueError,
        match=r"labels T must be 0 or 1 \(hardlim outputs\); found .*-1.* at index 0 "
        r"\(for -1/\+1 labels use \(T \+ 1\) / 2\)",
    ):
        p.fit(X2, 2 * GATES["AND"] - 1)
    with pytest.raises(
        ValueError,
        match=r"labels T must be 0 or 1 \(hardlim outputs\); found .*0\.5.* at index "
        r"2$",
    ):
        p.fit(X2, np.array([0.0, 1.0, 0.5, 1.0]))


@pytest.mark.parametrize(
    "kwargs,error,message",
    [
        ({"n_in": 0}, ValueError, r"n_in must be >= 1, got 0"),
        ({"n_in": 2.0}, TypeError, r"n_in must be an integer, got 2\.0"),
        ({"n_in": True}, TypeError, r"n_in must be an integer, got True"),
        (
            {"n_in": 2, "eta": 0},
            ValueError,
            r"learning rate eta must be a finite number in \(0, inf\), got 0\.0",
        ),
        (
            {"n_in": 2, "eta": float("inf")},
            ValueError,
            r"eta must be a finite number in \(0, inf\), got inf",
        ),
        (
            {"n_in": 2, "dtype": int},
            TypeError,
            r"Perceptron: dtype must be floating point",
        ),
    ],
)
def test_bad_construction_values(kwargs, error, message):
    with pytest.raises(error, match=message):
        Perceptron(**kwargs)


def test_bad_initial_weights_and_epochs():
    with pytest.raises(
        ShapeError,
        match=r"Perceptron: W has shape \(3,\), expected \(2,\), one weight per input",
    ):
        Perceptron(2, W=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"max_epochs must be >= 1, got 0"):
        Perceptron(2).fit(X2, GATES["AND"], max_epochs=0)


def test_decision_boundary_errors():
    with pytest.raises(
        ShapeError,
        match=r"W must have shape \(2,\) \(a line needs two inputs\), got \(3,\)",
    ):
        decision_boundary([1.0, 2.0, 3.0], 0.0)
    with pytest.raises(ValueError, match=r"W = \[0, 0\] has no boundary line"):
        decision_boundary([0.0, 0.0], 1.0)
