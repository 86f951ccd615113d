"""Checks for the exercises of Chapter 2 (the multilayer perceptron: forward propagation).

Expected values are computed here with mlplib; the only typed-in numbers are the slides'
printed weights, which are the exercise's data.
"""
import numpy as np

from mlplib import Sequential
from . import Feedback, expect_close, expect_true

# The 2-3-2-1 example of the lecture slides, PyTorch layout: weight (n_out, n_in), bias (n_out,).
SLIDE_WEIGHTS = {
    "0.weight": [[0.4727, -0.5188], [-0.5681, -0.6032], [-0.0252, -0.3011]],
    "0.bias": [-0.6986, -0.6602, -0.4860],
    "1.weight": [[-0.5549, 0.2550, 0.4584], [0.2930, 0.0849, -0.3146]],
    "1.bias": [0.1677, 0.0736],
    "2.weight": [[0.4106, -0.3618]],
    "2.bias": [-0.2270],
}


def slide_model():
    """The slides' 2-3-2-1 network of linear layers, in float64, with the printed weights."""
    model = Sequential.from_sizes([2, 3, 2, 1], None, dtype=np.float64)
    model.set_parameters({f"{i}.{p}": np.array(SLIDE_WEIGHTS[f"{i}.{q}"]).T if p == "W" else SLIDE_WEIGHTS[f"{i}.{q}"]
                          for i in range(3) for p, q in (("W", "weight"), ("b", "bias"))})
    return model


def check_ex1(n6=None, n7=None, y=None):
    model = slide_model()
    model.forward(np.array([[1.0, 2.0]]))
    hint = ("Layer 2: n6 = n3*w36 + n4*w46 + n5*w56 + b6, where w36, w46, w56 is the FIRST ROW of PyTorch's "
            "1.weight (each row of a PyTorch weight belongs to one output neuron).")
    expect_close("n6", n6, model.layers[1].Z[0, 0], hint, rtol=1e-9, atol=1e-12)
    expect_close("n7", n7, model.layers[1].Z[0, 1], hint, rtol=1e-9, atol=1e-12)
    expect_close("y", y, model.layers[2].Z[0, 0], "y = n6*w6y + n7*w7y + by.", rtol=1e-9, atol=1e-12)


def check_ex2(count_params=None):
    expect_true(callable(count_params), "count_params must be a function of a list of layer sizes")
    for sizes in ([2, 3, 2, 1], [784, 16, 16, 10], [784, 64, 64, 10], [5, 1], [429] + [2048] * 5 + [9304]):
        expected = sum(Sequential.from_sizes([a, b], None).n_params for a, b in zip(sizes[:-1], sizes[1:]))
        got = count_params(sizes)
        if got != expected:
            raise Feedback(f"count_params({sizes}) returned {got}, expected {expected}. "
                           "Each layer has n_in * n_out weights and n_out biases.")


def check_ex3(forward=None):
    expect_true(callable(forward), "forward must be a function forward(X, params, activations)")
    rng = np.random.default_rng(2)
    cases = [([2, 3, 2, 1], [None, None, None]), ([4, 5, 3], ["relu", "sigmoid"]), ([6, 8, 8, 4], ["tanh", "relu", "softmax"])]
    for seed, (sizes, acts) in enumerate(cases):
        model = Sequential.from_sizes(sizes, acts, init="torch_uniform", seed=seed, dtype=np.float64)
        X = rng.normal(size=(5, sizes[0]))
        params = {k: v.copy() for k, v in model.parameters().items()}
        got = forward(X, params, acts)
        expect_close(f"forward(X, params, {acts})", got, model.forward(X),
                     "Apply Z = X @ W + b then the activation, layer after layer.", rtol=1e-10, atol=1e-12)
    # huge logits: a softmax written as exp(Z) / sum(exp(Z)) overflows to nan here
    model = Sequential.from_sizes([3, 4], "softmax", seed=0, dtype=np.float64)
    params = {"0.W": np.full((3, 4), 0.0), "0.b": np.array([1000.0, 1001.0, 999.0, 0.0])}
    model.set_parameters(params)
    X = np.ones((2, 3))
    with np.errstate(all="ignore"):
        got = forward(X, {k: v.copy() for k, v in params.items()}, ["softmax"])
    expect_close("softmax with logits near 1000", got, model.forward(X),
                 "Subtract each row's maximum from the logits before exponentiating.", rtol=1e-10, atol=1e-12)


def check_ex4(xor_params=None):
    expect_true(isinstance(xor_params, dict), "xor_params must be a dict {'0.W': ..., '0.b': ..., '1.W': ..., '1.b': ...}")
    model = Sequential.from_sizes([2, 2, 1], "sigmoid", dtype=np.float64)
    try:
        model.set_parameters(xor_params)
    except (KeyError, ValueError) as err:
        raise Feedback(f"xor_params does not fit a 2-2-1 network: {err}") from None
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    T = np.array([[0.0], [1.0], [1.0], [0.0]])
    Y = model.forward(X)
    worst = float(np.abs(Y - T).max())
    if worst >= 0.01:
        with np.printoptions(precision=4, suppress=True):
            raise Feedback(f"outputs {Y.ravel()} for inputs (0,0), (0,1), (1,0), (1,1); the largest distance from the "
                           f"XOR targets {T.ravel()} is {worst:.4f}, needs < 0.01. "
                           "Multiply the hard-limit weights and biases by a large factor (sigmoid(10 z) is close to a step).")


CHECKS = {"ch02-ex1": check_ex1, "ch02-ex2": check_ex2, "ch02-ex3": check_ex3, "ch02-ex4": check_ex4}
