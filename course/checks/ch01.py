"""Checks for the exercises of Chapter 1 (the perceptron).

Every expected value is computed here with mlplib from the numbers stated in the exercise.
"""
import numpy as np

from mlplib import activations
from mlplib.perceptron import perceptron_rule
from . import Feedback, as_array, expect_close, expect_true

AND_OR_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
TRUTH = {
    "NAND": np.array([1, 1, 1, 0], dtype=float),
    "XOR": np.array([0, 1, 1, 0], dtype=float),
}


def ex1(a):
    """sigma(W x + b) with W = [[2, -1], [0.5, 1]], x = [1, 3], b = [0, -2]."""
    W = np.array([[2.0, -1.0], [0.5, 1.0]])
    x = np.array([1.0, 3.0])
    b = np.array([0.0, -2.0])
    expected = activations.sigmoid(W @ x + b)
    z_hint = f"First compute z = W x + b = {W @ x + b}, then apply the sigmoid to each entry."
    try:
        got = np.asarray(a, dtype=float)
    except (TypeError, ValueError):
        got = None
    if got is not None and got.shape == expected.shape and np.allclose(got, W @ x + b):
        raise Feedback(f"a equals z = W x + b = {W @ x + b}: you forgot the activation sigma.")
    expect_close("a", a, expected, hint=z_hint, rtol=1e-4, atol=1e-6)


def ex2(W_new, b_new):
    """One perceptron update from W = [0.5, -1], b = 0.5 on x = [1, 1], t = 0, eta = 0.5."""
    W, b, x, t, eta = np.array([0.5, -1.0]), 0.5, np.array([1.0, 1.0]), 0.0, 0.5
    W_expected, b_expected, e = perceptron_rule(W, b, x, t, eta)
    y = t - e
    hint = (
        f"The net input is x.W + b = {x @ W + b}, so y = hardlim of it = {y:g} "
        f"(remember hardlim(0) = 1) and t - y = {e:g}; "
        "then W <- W + eta (t - y) x and b <- b + eta (t - y)."
    )
    expect_close("W_new", W_new, W_expected, hint=hint)
    expect_close("b_new", b_new, b_expected, hint=hint)


def ex3(W, b):
    """Any weights W (2,) and bias b with hardlim(X W + b) = NAND on the four inputs."""
    hint = "NAND is 1 unless both inputs are 1: try negative weights and a positive bias."
    W = as_array("W", W, (2,), hint)
    b = as_array("b", b, (), hint)
    got = activations.hardlim(AND_OR_INPUTS @ W + b)
    wrong = [f"x = {x.astype(int).tolist()}: got {g:g}, NAND is {t:g}"
             for x, g, t in zip(AND_OR_INPUTS, got, TRUTH["NAND"]) if g != t]
    expect_true(not wrong, "your perceptron is wrong on " + "; ".join(wrong) + f". {hint}")


def ex4(W1, b1, w2, b2):
    """Two layers of perceptrons computing XOR: h = hardlim(X W1 + b1), y = hardlim(h w2 + b2)."""
    hint = ("One hidden unit can compute OR and the other NAND; "
            "the output unit then computes the AND of the two (XOR = OR and NAND).")
    W1 = as_array("W1", W1, (2, 2), hint + " W1 is (n_in, n_hidden) = (2, 2).")
    b1 = as_array("b1", b1, (2,), hint)
    w2 = as_array("w2", w2, (2,), hint)
    b2 = as_array("b2", b2, (), hint)
    H = activations.hardlim(AND_OR_INPUTS @ W1 + b1)
    got = activations.hardlim(H @ w2 + b2)
    wrong = [f"x = {x.astype(int).tolist()}: hidden {h.astype(int).tolist()}, output {g:g}, XOR is {t:g}"
             for x, h, g, t in zip(AND_OR_INPUTS, H, got, TRUTH["XOR"]) if g != t]
    expect_true(not wrong, "your network is wrong on " + "; ".join(wrong) + f". {hint}")


CHECKS = {"ch01-ex1": ex1, "ch01-ex2": ex2, "ch01-ex3": ex3, "ch01-ex4": ex4}
