"""Checks for the exercises of Chapter 5 (MNIST end to end).

Every expected value is computed here with mlplib from the setup stated in the exercise.
"""
import numpy as np

from mlplib import Sequential, optim, train
from mlplib.datasets import load_mnist, one_hot
from . import Feedback, expect_close, expect_true


def _mnist_vectors():
    (x_train, y_train), (x_test, y_test) = load_mnist()
    return (x_train.reshape(-1, 784) / 255.0, y_train), (x_test.reshape(-1, 784) / 255.0, y_test)


def ex1(T=None, x=None):
    """One-hot targets of the first 5 training labels, and the first training image as a 784-vector in [0, 1]."""
    (x_train, y_train), _ = load_mnist()
    expect_true(T is not None and x is not None, "set both T and x")
    expect_close("T", T, one_hot(y_train[:5], 10),
                 hint="T[n] has a single 1, in column y_train[n]; use one_hot(y_train[:5], 10).")
    x = np.asarray(x, dtype=float)
    if x.shape == (28, 28):
        raise Feedback("x has shape (28, 28): flatten it to a vector of 784 values with reshape(784).")
    expect_close("x", x, x_train[0].reshape(784) / 255.0, rtol=1e-6,
                 hint="divide the uint8 pixels by 255.0 so that they lie in [0, 1].")


def ex2(n16=None, n64=None):
    """Parameter counts of 784-16-16-10 and 784-64-64-10."""
    for name, got, sizes in (("n16", n16, [784, 16, 16, 10]), ("n64", n64, [784, 64, 64, 10])):
        expected = Sequential.from_sizes(sizes, "relu").n_params
        expect_close(name, got, expected, hint=f"each layer n_in -> n_out has n_in*n_out weights and n_out biases ({sizes}).")


EX3_SETUP = {"sizes": [784, 32, 10], "n_train": 10000, "epochs": 1, "batch_size": 32, "lr": 0.1, "seed": 0}


def ex3_expected():
    """Test accuracy of the exercise-3 setup, trained with mlplib."""
    (X, y), (Xt, yt) = _mnist_vectors()
    s = EX3_SETUP
    model = Sequential.from_sizes(s["sizes"], ["relu", "softmax"], seed=s["seed"])
    train.fit(model, X[:s["n_train"]], y[:s["n_train"]], "categorical_cross_entropy",
              optim.SGD(model.parameters(), lr=s["lr"]), epochs=s["epochs"], batch_size=s["batch_size"],
              seed=s["seed"], progress=False)
    return train.evaluate(model, Xt, yt, "categorical_cross_entropy")["accuracy"]


def ex3(acc=None):
    expected = ex3_expected()
    expect_true(acc is not None, "set acc to the test accuracy (a fraction between 0 and 1)")
    if acc is not None and 1 < float(acc) <= 100:
        raise Feedback(f"acc = {acc} looks like a percentage; give a fraction between 0 and 1 (expected about {expected:.4f}).")
    expect_close("acc", acc, expected, rtol=0, atol=1e-9,
                 hint="784-32-10 (ReLU, softmax), Sequential.from_sizes(..., seed=0), the first 10,000 training "
                      "images, SGD lr=0.1, 1 epoch, batch 32, fit(..., seed=0), then evaluate on the 10,000 test images.")


CHECKS = {"ch05-ex1": ex1, "ch05-ex2": ex2, "ch05-ex3": ex3}
