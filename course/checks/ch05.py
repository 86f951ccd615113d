"""Exercises of the MNIST chapter: inputs, references, mistake tables.

References are computed with mlplib (one_hot, iterations_per_epoch, n_params, fit and
evaluate) from each exercise's own inputs; each named mistake is the same computation
with one thing changed.
"""

import functools

import numpy as np

from course.checks import Code, Value, Written
from course.checks.kit import Mistakes, code_diagnosis, returns, rule
from mlplib import Sequential, data, optim, training
from mlplib.datasets import load_mnist
from mlplib.training import metrics

CE = "categorical_cross_entropy"


def shape_of(value):
    try:
        return np.asarray(value, dtype=float).shape
    except (TypeError, ValueError):
        return None


# --- ch05-ex1: one-hot rows and a flattened image ---


def ex1_data(rng):
    _, (img_test, t_test) = load_mnist()
    first = 100 if rng is None else int(rng.integers(0, len(t_test) - 5))
    labels = [int(v) for v in t_test[first : first + 5]]  # 100: never shown one by one
    return {"labels": labels, "image": np.array(img_test[first], dtype=np.uint8)}


def ex1_mistake(d, mistake=None):
    labels, image = np.array(d["labels"]), np.asarray(d["image"], dtype=float)
    T = data.one_hot(labels, 10, dtype=np.float64)
    wrong = {
        "column off": {"T": np.roll(T, 1, axis=1)},
        "not scaled": {"x": image.reshape(784)},
        "by 256": {"x": image.reshape(784) / 256},
        "column order": {"x": image.T.reshape(784) / 255},
    }
    return {"T": T, "x": image.reshape(784) / 255} | wrong.get(mistake, {})


EX1 = Mistakes(
    ex1_mistake,
    {
        "column off": "The 1s are one column off: the 1 of label k goes in column k.",
        "not scaled": "Scale the grey levels 0..255 into [0, 1].",
        "by 256": "Divide by 255, the largest grey level, so that white maps to 1.",
        "column order": "The pixels are in column order: flatten row after row.",
    },
)


def T_hint(got, expected):
    shape = shape_of(got)
    if shape == (10, 5):
        return "T is transposed: one row per label, one column per digit 0..9."
    if shape == (5,):
        return "Those look like the labels themselves: make one-hot rows."
    return "Row n has a single 1, in the column given by label n."


def x_hint(got, expected):
    shape = shape_of(got)
    if shape == (28, 28):
        return "x is still 28 × 28: flatten it into a vector of 784 values."
    if shape != (784,):
        return "x should be a vector of 784 values."
    return "Flatten row after row, then divide by 255."


# --- ch05-ex2: gradient steps and parameters ---


def ex2_data(rng):
    if rng is None:
        return {"n": 50000, "batch": 64, "epochs": 3, "sizes": [784, 32, 16, 10]}
    return {
        "n": int(rng.integers(2, 7)) * 10000 + int(rng.integers(1, 1000)),
        "batch": int(rng.choice([16, 24, 48, 64, 100, 128])),
        "epochs": int(rng.integers(2, 9)),
        "sizes": [784, int(rng.choice([24, 32, 48])), int(rng.choice([8, 16, 20])), 10],
    }


def ex2_mistake(d, mistake=None):
    n, batch, epochs, sizes = (d[k] for k in ("n", "batch", "epochs", "sizes"))
    per_epoch = data.iterations_per_epoch(n, batch, drop_last=mistake == "rounded down")
    steps = {"one epoch": per_epoch, "per image": epochs * n}.get(
        mistake, epochs * per_epoch
    )
    pairs = list(zip(sizes[:-1], sizes[1:]))
    n_params = {
        "weights only": sum(a * b for a, b in pairs),
        "bias per input": sum(a * b + a for a, b in pairs),
    }.get(mistake, Sequential.from_sizes(sizes, None).n_params)
    return {"steps": steps, "n_params": n_params}


EX2 = Mistakes(
    ex2_mistake,
    {
        "rounded down": "The last, smaller batch is a step too: round n / batch up.",
        "one epoch": "That is one epoch's steps: multiply by the number of epochs.",
        "per image": "One step processes a whole batch, not one image.",
        "weights only": "Only the weights are counted: add one bias per unit.",
        "bias per input": "A layer has one bias per output unit, not per input.",
    },
)
EX2_GENERAL = {
    "steps": "Steps per epoch are n / batch rounded up, once per epoch.",
    "n_params": "Each layer n_in -> n_out has n_in * n_out weights and n_out biases.",
}


# --- ch05-ex4: precision and recall per class (code) ---


def ex4_cases(rng):
    N, K = int(rng.integers(30, 80)), int(rng.integers(3, 7))
    t = rng.integers(0, K, N)
    Y = rng.random((N, K))
    Y[np.arange(N), t] += rng.random(N) * (rng.random(N) < 0.6)  # mostly right
    Y[:, int(rng.integers(0, K))] = -1.0  # a class never predicted: precision 0
    return {"Y": Y / Y.sum(axis=1, keepdims=True), "t": t}


def precision_recall(Y, t, mistake=None):
    """Precision and recall per class from the confusion counts (0 where 0/0)."""
    K = Y.shape[1]
    pred = metrics.classes(Y)  # the predicted class of each row, as mlplib's accuracy
    counts = np.zeros((K, K))
    np.add.at(counts, (t, pred), 1)  # row: true class, column: predicted class
    hits, predicted, actual = np.diag(counts), counts.sum(axis=0), counts.sum(axis=1)
    precision = np.divide(hits, predicted, out=np.zeros(K), where=predicted > 0)
    recall = np.divide(hits, actual, out=np.zeros(K), where=actual > 0)
    return (recall, precision) if mistake == "swapped" else (precision, recall)


EX4 = Mistakes.calling(
    precision_recall,
    {
        "swapped": "Precision and recall are swapped: precision divides by the "
        "predictions.",
    },
)


def ex4_shape(got, expected, case):
    if returns("precision", "recall")(got, expected, case):
        return "Return a tuple (precision, recall)."
    if any(not np.all(np.isfinite(np.asarray(g, dtype=float))) for g in got):
        return "A class that is never predicted gives 0/0: return 0 there."
    return None


EX4_GENERAL = {
    0: "Precision divides the hits of class k by how often k was predicted.",
    1: "Recall divides the hits of class k by how often k is the label.",
}


# --- ch05-ex5: choose the learning rate on validation, test once ---


def ex5_data(rng):
    if rng is None:
        return {"n": 5000, "batch": 32, "lrs": [0.01, 0.1, 1.0]}
    lrs = rng.choice([0.003, 0.01, 0.03, 0.1, 0.3], 3, replace=False)
    return {
        "n": int(rng.choice([3000, 4000, 5000])),
        "batch": int(rng.choice([16, 32, 64])),
        "lrs": sorted(float(v) for v in lrs),
    }


@functools.lru_cache(maxsize=8)
def ex5_runs(n, batch, lrs):
    """Validation and test accuracy per rate (float64 784-32-10, one epoch, seed 0)."""
    (img, t), (img_test, t_test) = load_mnist()
    X, X_test = img.reshape(len(img), -1) / 255.0, img_test.reshape(-1, 784) / 255.0
    val, tests = [], []
    for lr in lrs:
        net = Sequential.from_sizes(
            [784, 32, 10], ["relu", "softmax"], seed=0, dtype=np.float64
        )
        opt = optim.SGD(net.parameters(), lr=lr)
        training.fit(
            net, X[:n], t[:n], CE, opt, batch_size=batch, seed=0, progress=False
        )
        val.append(training.evaluate(net, X[50000:], t[50000:], CE)["accuracy"])
        tests.append(training.evaluate(net, X_test, t_test, CE)["accuracy"])
    return val, tests


def ex5_mistake(d, mistake=None):
    val, tests = ex5_runs(d["n"], d["batch"], tuple(d["lrs"]))
    best = int(np.argmax(val))
    if mistake == "test accuracies":
        return {"val_acc": tests}
    if mistake == "percent":
        return {"val_acc": [100 * v for v in val]}
    if mistake == "validation reported":
        return {"test_acc": val[best]}
    return {"val_acc": val, "best_lr": d["lrs"][best], "test_acc": tests[best]}


EX5 = Mistakes(
    ex5_mistake,
    {
        "test accuracies": "Those are test accuracies: measure each model on X_val, "
        "t_val.",
        "percent": "Give accuracies as fractions between 0 and 1, not percentages.",
        "validation reported": "That is the chosen model's validation accuracy; "
        "report its accuracy on the test set.",
    },
)
EX5_GENERAL = {
    "val_acc": "Train each model as specified (float64, seed 0, one epoch), then "
    "evaluate it on the validation set.",
    "best_lr": "Pick the rate with the highest validation accuracy.",
    "test_acc": "Evaluate the model trained with best_lr on X_test, t_test.",
}


EXERCISES = [
    Value(
        "ch05-ex1",
        check=rule(ex1_mistake, EX1, {"T": T_hint, "x": x_hint}, exact=("T",)),
        data=ex1_data,
        title="Images as vectors, labels as one-hot rows",
        kind="code",
        difficulty="warm-up",
        minutes=10,
        points=1,
    ),
    Value(
        "ch05-ex2",
        check=rule(ex2_mistake, EX2, EX2_GENERAL, exact=("steps", "n_params")),
        data=ex2_data,
        title="Steps and parameters",
        kind="hand",
        difficulty="warm-up",
        minutes=10,
        points=1,
    ),
    Written(
        "ch05-ex3",
        title="What limits the narrow network after five epochs",
        rubric=(
            "Full marks: (1) uses the measured numbers: the narrow network's training "
            "accuracy is barely above its test accuracy, so it does not overfit; (2) "
            "the first layer holds almost all parameters (784 x 16 weights + 16 "
            "biases of 13,002) and maps each image to only 16 numbers; (3) it was not "
            "saturated: its training accuracy was still rising in the fifth epoch, so "
            "five epochs stopped it (saying 'more training cannot help' loses this "
            "point); (4) names two candidate remedies (e.g. more epochs, wider hidden "
            "layers; at equal batch size and epochs the 64-unit network fits and "
            "generalises better) and a decision made on the validation set "
            "(validation accuracy per epoch, more than one seed, differences compared "
            "with the ~0.2-point standard error), never the test set. Half marks for "
            "a correct argument without the measured numbers."
        ),
        version=2,
        difficulty="core",
        minutes=15,
        points=2,
    ),
    Code(
        "ch05-ex4",
        name="precision_recall",
        pure=True,
        forbids=(
            "sklearn.metrics.precision_score",
            "sklearn.metrics.recall_score",
            "sklearn.metrics.precision_recall_fscore_support",
            "sklearn.metrics.classification_report",
        ),
        cases=ex4_cases,
        reference=precision_recall,
        diagnose=code_diagnosis(EX4, ex4_shape, EX4_GENERAL),
        title="Precision and recall per digit",
        difficulty="core",
        minutes=25,
        points=3,
    ),
    Value(
        "ch05-ex5",
        check=rule(ex5_mistake, EX5, EX5_GENERAL, exact=("best_lr",)),
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
