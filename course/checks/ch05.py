"""Exercises of the MNIST chapter: inputs, checks and diagnoses.

Expected values are computed with mlplib from each exercise's own inputs; no message
shows an expected value.
"""

import numpy as np

from course.checks import Code, Feedback, Value, Written, expect_code, expect_hand, near
from mlplib import Sequential, data, optim, train
from mlplib.datasets import load_mnist

CE = "categorical_cross_entropy"


def shape_of(value):
    try:
        return np.asarray(value, dtype=float).shape
    except (TypeError, ValueError):
        return None


# --- ch05-ex1: one-hot rows and a flattened image ------------------------------------


def ex1_data(rng):
    _, (img_test, t_test) = load_mnist()
    if rng is None:
        first = 100  # test images the chapter never shows one by one
    else:
        first = int(rng.integers(0, len(t_test) - 5))
    labels = [int(v) for v in t_test[first : first + 5]]
    return {"labels": labels, "image": np.array(img_test[first], dtype=np.uint8)}


def ex1(data_, T, x):
    labels, image = np.array(data_["labels"]), np.asarray(data_["image"], dtype=float)
    expected_T = data.one_hot(labels, 10, dtype=np.float64)

    def diagnose_T(got, expected):
        if shape_of(got) == (10, 5):
            return "T is transposed: one row per label, one column per digit 0..9."
        if shape_of(got) == (5,):
            return "Those look like the labels themselves: make one-hot rows."
        if shape_of(got) == (5, 10) and near(got, np.roll(expected, 1, axis=1)):
            return "The 1s are one column off: the 1 of label k goes in column k."
        return "Row n has a single 1, in the column given by label n."

    def diagnose_x(got, expected):
        if shape_of(got) == (28, 28):
            return "x is still 28 × 28: flatten it into a vector of 784 values."
        if shape_of(got) != (784,):
            return "x should be a vector of 784 values."
        if near(got, image.reshape(784)):
            return "Scale the grey levels 0..255 into [0, 1]."
        if near(got, image.reshape(784) / 256):
            return "Divide by 255, the largest grey level, so that white maps to 1."
        if near(got, image.T.reshape(784) / 255):
            return "The pixels are in column order: flatten row after row."
        return "Flatten row after row, then divide by 255."

    expect_code("T", T, expected_T, diagnose_T)
    expect_code("x", x, image.reshape(784) / 255.0, diagnose_x)


# --- ch05-ex2: gradient steps and parameters ------------------------------------------


def ex2_data(rng):
    if rng is None:
        return {"n": 50000, "batch": 64, "epochs": 3, "sizes": [784, 32, 16, 10]}
    return {
        "n": int(rng.integers(2, 7)) * 10000 + int(rng.integers(1, 1000)),
        "batch": int(rng.choice([16, 24, 48, 64, 100, 128])),
        "epochs": int(rng.integers(2, 9)),
        "sizes": [784, int(rng.choice([24, 32, 48])), int(rng.choice([8, 16, 20])), 10],
    }


def ex2(data_, steps, n_params):
    n, batch, epochs, sizes = (data_[k] for k in ("n", "batch", "epochs", "sizes"))
    per_epoch = data.iterations_per_epoch(n, batch)
    net = Sequential.from_sizes(sizes, ["relu"] * (len(sizes) - 2) + ["softmax"])

    def diagnose_steps(got, expected):
        if near(got, epochs * (n // batch)):
            return "The last, smaller batch is a step too: round n / batch up."
        if near(got, per_epoch):
            return "That is one epoch's steps: multiply by the number of epochs."
        if near(got, epochs * n):
            return "One step processes a whole batch, not one image."
        return "Steps per epoch are n / batch rounded up, once per epoch."

    def diagnose_params(got, expected):
        pairs = list(zip(sizes[:-1], sizes[1:]))
        if near(got, sum(a * b for a, b in pairs)):
            return "Only the weights are counted: add one bias per unit."
        if near(got, sum(a * b + a for a, b in pairs)):
            return "A layer has one bias per output unit, not per input."
        return "Each layer n_in -> n_out has n_in * n_out weights and n_out biases."

    expect_hand("steps", steps, epochs * per_epoch, diagnose_steps)
    expect_hand("n_params", n_params, net.n_params, diagnose_params)


# --- ch05-ex4: precision and recall per class (code) ---------------------------------


def ex4_cases(rng):
    rng = rng if rng is not None else np.random.default_rng(5)
    N, K = int(rng.integers(30, 80)), int(rng.integers(3, 7))
    t = rng.integers(0, K, N)
    Y = rng.random((N, K))
    Y[np.arange(N), t] += rng.random(N) * (rng.random(N) < 0.6)  # mostly right
    never = int(rng.integers(0, K))
    Y[:, never] = -1.0  # one class is never predicted: its precision is 0
    return {"Y": Y / Y.sum(axis=1, keepdims=True), "t": t}


def ex4_reference(Y, t):
    K = Y.shape[1]
    pred = Y.argmax(axis=1)  # the predicted class of each row
    counts = np.zeros((K, K))
    np.add.at(counts, (t, pred), 1)  # row: true class, column: predicted class
    hits, predicted, actual = np.diag(counts), counts.sum(axis=0), counts.sum(axis=1)
    precision = np.divide(hits, predicted, out=np.zeros(K), where=predicted > 0)
    recall = np.divide(hits, actual, out=np.zeros(K), where=actual > 0)
    assert np.isclose(hits.sum() / len(t), train.accuracy(Y, t))
    return precision, recall


def ex4_diagnose(got, expected, case):
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return "Return a pair: (precision, recall)."
    precision, recall = expected
    if near(got[0], recall) and near(got[1], precision):
        return "Precision and recall are swapped: precision divides by the predictions."
    if any(not np.all(np.isfinite(np.asarray(g, dtype=float))) for g in got):
        return "A class that is never predicted gives 0/0: return 0 there."
    if near(got[1], recall) and not near(got[0], precision):
        return "Precision divides the hits of class k by how often k was predicted."
    if near(got[0], precision) and not near(got[1], recall):
        return "Recall divides the hits of class k by how often k is the label."
    return "Count hits, predictions and labels per class (the confusion matrix)."


# --- ch05-ex5: choose the learning rate on validation, test once --------------------


def ex5_data(rng):
    if rng is None:
        return {"n": 5000, "batch": 32, "lrs": [0.01, 0.1, 1.0]}
    return {
        "n": int(rng.choice([3000, 4000, 5000])),
        "batch": int(rng.choice([16, 32, 64])),
        "lrs": sorted(
            float(v)
            for v in rng.choice([0.003, 0.01, 0.03, 0.1, 0.3], 3, replace=False)
        ),
    }


def ex5_expected(data_):
    """Validation accuracy per rate, the chosen rate, its test accuracy (float64)."""
    (img, t), (img_test, t_test) = load_mnist()
    X, X_test = img.reshape(len(img), -1) / 255.0, img_test.reshape(-1, 784) / 255.0
    n, batch = data_["n"], data_["batch"]
    val, tests = [], []
    for lr in data_["lrs"]:
        net = Sequential.from_sizes(
            [784, 32, 10], ["relu", "softmax"], seed=0, dtype=np.float64
        )
        opt = optim.SGD(net.parameters(), lr=lr)
        train.fit(net, X[:n], t[:n], CE, opt, batch_size=batch, seed=0, progress=False)
        val.append(train.evaluate(net, X[50000:], t[50000:], CE)["accuracy"])
        tests.append(train.evaluate(net, X_test, t_test, CE)["accuracy"])
    best = int(np.argmax(val))
    return val, data_["lrs"][best], tests[best], tests


def ex5(data_, val_acc, best_lr, test_acc):
    val, lr, test, tests = ex5_expected(data_)

    def diagnose_val(got, expected):
        if shape_of(got) != (len(val),):
            return "val_acc holds one accuracy per learning rate, in the given order."
        if near(got, tests):
            return "Those are test accuracies: measure each model on X_val, t_val."
        if np.all(np.asarray(got, dtype=float) > 1):
            return "Give accuracies as fractions between 0 and 1, not percentages."
        return (
            "Train each model as specified (float64, seed 0, one epoch), then "
            "evaluate it on the validation set."
        )

    def diagnose_test(got, expected):
        if near(got, max(tests)) and not near(got, test):
            return (
                "That is the best test accuracy: report the test accuracy of the "
                "model that the validation set chose."
            )
        if float(np.asarray(got, dtype=float)) > 1:
            return "Give the accuracy as a fraction between 0 and 1."
        return "Evaluate the model trained with best_lr on X_test, t_test."

    expect_code("val_acc", val_acc, val, diagnose_val)
    if not near(best_lr, lr):
        raise Feedback(
            "best_lr is not the rate with the highest validation accuracy.",
            hint="Pick by val_acc, never by a test accuracy.",
        )
    expect_code("test_acc", test_acc, test, diagnose_test)


EXERCISES = [
    Value(
        "ch05-ex1",
        check=ex1,
        data=ex1_data,
        title="Images as vectors, labels as one-hot rows",
        kind="code",
        difficulty="warm-up",
        minutes=10,
        points=1,
    ),
    Value(
        "ch05-ex2",
        check=ex2,
        data=ex2_data,
        title="Steps and parameters",
        kind="hand",
        difficulty="warm-up",
        minutes=10,
        points=1,
    ),
    Written(
        "ch05-ex3",
        title="Why the narrow network stops near 94%",
        rubric=(
            "Full marks: (1) uses the measured numbers: the narrow network's training "
            "accuracy is barely above its test accuracy, so it underfits rather than "
            "overfits; (2) the first layer holds almost all parameters (784 x 16 "
            "weights + 16 biases of 13,002) and maps each image to only 16 numbers, "
            "a bottleneck later layers cannot undo; (3) more epochs or a better "
            "learning rate only move the weights within that limit (the learning-rate "
            "search changed validation accuracy by tenths of a percent); (4) a remedy "
            "such as wider hidden layers, with a measurement judged on the validation "
            "set (training and validation accuracy rising together), never the test "
            "set. Half marks for a correct bottleneck argument without evidence."
        ),
        difficulty="core",
        minutes=15,
        points=2,
    ),
    Code(
        "ch05-ex4",
        name="precision_recall",
        cases=ex4_cases,
        reference=ex4_reference,
        diagnose=ex4_diagnose,
        title="Precision and recall per digit",
        difficulty="core",
        minutes=25,
        points=3,
    ),
    Value(
        "ch05-ex5",
        check=ex5,
        data=ex5_data,
        title="Choose on validation, test once",
        kind="code",
        difficulty="core",
        minutes=20,
        points=2,
    ),
    Written(
        "ch05-ex6",
        title="Three frameworks over five epochs",
        rubric=(
            "Full marks: (1) the three runs start from the same weights and see the"
            " same batches (one shared order per epoch), plain SGD, batch 10, eta "
            "0.01, and the per-epoch validation accuracies are reported; (2) the "
            "final accuracies are within a few tenths of a percent, of the order of"
            " the difference between two random seeds; (3) they cannot agree "
            "exactly because each framework sums in a different order (BLAS "
            "kernels, fused or separate softmax and cross-entropy, the batch mean),"
            " so float32 results differ in the last bits after the first step and "
            "SGD carries the differences along; (4) float64 shrinks the first "
            "differences from about 1e-7 to about 1e-16, so accuracies then agree "
            "to the printed digits, but not bit for bit. Half marks without the "
            "float64 part or without a measurement."
        ),
        difficulty="stretch",
        minutes=30,
        points=3,
    ),
]
