"""Checks for the Chapter 3 (backpropagation) exercises. Expected values are computed with mlplib."""
import numpy as np

from mlplib import Sequential
from . import Feedback, expect_close, expect_true


def _model(sizes, activations, params):
    model = Sequential.from_sizes(sizes, activations, dtype=np.float64)
    model.set_parameters(params)
    return model


# ---- ch03-ex1: the sigmoid neuron learning AND (one step) -------------------------------------
def and_neuron_gradients():
    """The from-scratch assignment's neuron: w1 = w2 = b = 0, input (0, 1), target 0, E = (Y - O)^2 / 2."""
    model = _model([2, 1], "sigmoid", {"0.W": [[0.0], [0.0]], "0.b": [0.0]})
    model.compute_gradients("half_sse", np.array([[0.0, 1.0]]), np.array([[0.0]]))
    g = model.gradients()
    return float(g["0.W"][0, 0]), float(g["0.W"][1, 0]), float(g["0.b"][0])


def check_ex1(grad_w1=None, grad_w2=None, grad_b=None):
    expected = and_neuron_gradients()
    hint = "dE/dw = (O - Y) * O (1 - O) * x, and the bias input is 1."
    for name, got, exp in zip(("grad_w1", "grad_w2", "grad_b"), (grad_w1, grad_w2, grad_b), expected):
        expect_close(name, got, exp, hint)


# ---- ch03-ex2: the three-level notation on a batch --------------------------------------------
EX2_IN = np.array([[0.05, 0.10], [0.5, -0.3], [1.0, 1.0], [-0.2, 0.7]])
EX2_Y = np.array([[0.01, 0.99], [0.5, 0.5], [1.0, 0.0], [0.2, 0.8]])
EX2_PARAMS = {
    "0.W": [[0.15, 0.25], [0.20, 0.30]], "0.b": [0.35, 0.35],
    "1.W": [[0.40, 0.50], [0.45, 0.55]], "1.b": [0.60, 0.60],
}


def batch_gradients():
    """dE/dW0, dE/dB1, dE/dW1, dE/dB2 for the 2-2-2 sigmoid network, E = mean squared error over the batch."""
    model = _model([2, 2, 2], "sigmoid", EX2_PARAMS)
    model.compute_gradients("mse", EX2_IN, EX2_Y)
    g = model.gradients()
    return g["0.W"], g["0.b"], g["1.W"], g["1.b"]


def check_ex2(dE_dW0=None, dE_dB1=None, dE_dW1=None, dE_dB2=None):
    expected = batch_gradients()
    names = ("dE_dW0", "dE_dB1", "dE_dW1", "dE_dB2")
    hints = (
        "dE/dW0 = IN^T dE/dHS (shape (2, 2)).",
        "dE/dB1 is the column sum of dE/dHS over the batch, shape (2,).",
        "dE/dW1 = HO^T dE/dOS; the mean over N x N2 entries gives dE/dOO = 2 (OO - Y) / (N N2).",
        "dE/dB2 is the column sum of dE/dOS over the batch, shape (2,).",
    )
    for name, got, exp, hint in zip(names, (dE_dW0, dE_dB1, dE_dW1, dE_dB2), expected, hints):
        expect_close(name, got, exp, hint, rtol=1e-8, atol=1e-12)


# ---- ch03-ex3: the lecture's 10-weight softmax network -----------------------------------------
EX3_X = np.array([[-0.04, -0.42]])
EX3_T = np.array([[0.0, 1.0, 0.0]])
EX3_W = (-2.5, -1.5, 0.6, 0.4, -0.1, 2.4, -2.2, -1.5, -5.2, 3.7)
EX3_LR = 0.5


def softmax_network_params(w=EX3_W):
    """The book's assignment: h_j = sigma(sum_i w x_i + b), w1: x1->h1, w2: x2->h1, w3: x1->h2, w4: x2->h2,
    w5: h1->o1, w6: h2->o1, w7: h1->o2, w8: h2->o2, w9: h1->o3, w10: h2->o3 (W stored (n_in, n_out))."""
    w1, w2, w3, w4, w5, w6, w7, w8, w9, w10 = w
    return {
        "0.W": np.array([[w1, w3], [w2, w4]]), "0.b": np.array([-1.6, 0.7]),
        "1.W": np.array([[w5, w7, w9], [w6, w8, w10]]), "1.b": np.array([0.0, 0.0, 1.0]),
    }


def softmax_network_update(lr=EX3_LR):
    """Loss before the step and the parameters after one gradient-descent step."""
    model = _model([2, 2, 3], ["sigmoid", "softmax"], softmax_network_params())
    E = model.compute_gradients("categorical_cross_entropy", EX3_X, EX3_T)
    new = {k: model.parameters()[k] - lr * g for k, g in model.gradients().items()}
    return E, new


def check_ex3(E=None, W0=None, b0=None, W1=None, b1=None):
    E_expected, new = softmax_network_update()
    expect_close("E", E, E_expected, "E = -log p_2, the softmax probability of the target class (natural log).")
    expect_true(W0 is not None and np.shape(W0) == (2, 2),
                f"W0 should be the updated (2, 2) input-to-hidden matrix [[w1, w3], [w2, w4]], got shape {np.shape(W0)}")
    for name, got, key, hint in (
        ("W0", W0, "0.W", "hidden: dW0 = x^T dHS with dHS = (dOS W1^T) * H (1 - H)."),
        ("b0", b0, "0.b", "the hidden biases move by -lr times dHS."),
        ("W1", W1, "1.W", "output: dOS = P - T for softmax + cross-entropy, dW1 = H^T dOS."),
        ("b1", b1, "1.b", "the output biases move by -lr (P - T)."),
    ):
        expect_close(name, got, new[key], hint, rtol=1e-8, atol=1e-12)


CHECKS = {"ch03-ex1": check_ex1, "ch03-ex2": check_ex2, "ch03-ex3": check_ex3}

__all__ = ["CHECKS", "Feedback"]
