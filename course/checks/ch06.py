"""Exercises of the chapter on training deep networks: inputs, references, mistake
tables.

The references of the code exercises are mlplib's dropout and batch-normalisation
functions; the early-stopping reference is the rule the chapter writes as a callback.
"""

import math

import numpy as np

from course.checks import Code, Value, Written
from course.checks.kit import Mistakes, code_diagnosis, returns, rule
from mlplib.batchnorm import batchnorm_backward, batchnorm_forward
from mlplib.dropout import dropout_backward, dropout_forward

# --- ch06-ex1: gradient shrinkage through L sigmoid layers ---


def ex1_data(rng):
    if rng is None:
        return {"L": 10, "w": 2.0, "k": 6}
    w = float(rng.choice([1.0, 1.5, 2.0, 2.5, 3.0]))
    return {"L": int(rng.integers(5, 16)), "w": w, "k": int(rng.integers(3, 9))}


def ex1_mistake(d, mistake=None):
    L, w, k = d["L"], abs(d["w"]), d["k"]
    factor = {"no quarter": w, "half": w / 2}.get(mistake, w / 4)
    layers = L if mistake == "L factors" else L - 1
    if factor >= 1:  # the bound never falls: no L_min follows from this mistake
        return {"bound": factor**layers}
    x = k / math.log10(1 / factor)
    L_min = math.floor(x) + (1 if mistake in ("L factors", "off by one") else 2)
    return {"bound": factor**layers, "L_min": L_min}


EX1 = Mistakes(
    ex1_mistake,
    {
        "L factors": "From layer L down to layer 1 the signal passes L - 1 layer "
        "factors, not L.",
        "no quarter": "Each factor is |w| times the sigmoid's slope, and the slope is "
        "at most 1/4.",
        "half": "The sigmoid's largest slope is sigma(0)(1 - sigma(0)) = 1/4.",
        "off by one": "L_min is the smallest L whose bound is below 10^-k: check the "
        "bound at your L_min and at L_min - 1.",
    },
)
EX1_GENERAL = {
    "bound": "Multiply the largest factor |w| sigma'(z) of each layer the signal "
    "passes on its way from layer L to layer 1.",
    "L_min": "Solve (|w|/4)^(L-1) < 10^-k for the smallest whole L.",
}


# --- ch06-ex2: He's variance for a leaky ReLU ---


def ex2_data(rng):
    if rng is None:
        return {"n_in": 300, "nu": 0.2}
    return {
        "n_in": int(rng.choice([64, 100, 128, 256, 500, 784])),
        "nu": float(rng.choice([0.01, 0.1, 0.2, 0.3, 0.5])),
    }


def ex2_mistake(d, mistake=None):
    n, nu = d["n_in"], d["nu"]
    second = {"nu not squared": 1 + nu, "relu": 1.0, "no half": 2 * (1 + nu**2)}
    var_w = 2 / (second.get(mistake, 1 + nu**2) * n)
    if mistake == "variance 1/n":
        var_w = 1 / n
    limit = math.sqrt(var_w) if mistake == "std as limit" else math.sqrt(3 * var_w)
    return {"var_w": var_w, "limit": limit}


EX2 = Mistakes(
    ex2_mistake,
    {
        "nu not squared": "f(z)^2 is nu^2 z^2 on the negative side: the slope enters "
        "squared.",
        "relu": "That is He's variance for the ReLU; the leaky ReLU's negative side "
        "adds nu^2 times as much.",
        "no half": "Each side of 0 holds only half of the z: weight each side's share "
        "of E[z^2] by 1/2.",
        "variance 1/n": "That variance keeps E[z^2] for a linear unit; the leaky ReLU "
        "passes only part of it.",
        "std as limit": "The limit a of a uniform distribution is not its standard "
        "deviation: U(-a, a) has variance a^2 / 3.",
    },
)
EX2_GENERAL = {
    "var_w": "Compute E[f(z)^2] for z symmetric about 0 and require "
    "n_in Var(w) E[f(z)^2] = Var(z).",
    "limit": "A uniform distribution on [-a, a] has variance a^2 / 3.",
}


# --- ch06-ex3: dropout forward and backward, in code ---


def ex3_cases(rng):
    N, n = (int(v) for v in rng.integers(2, 7, 2))
    r = float(rng.choice([0.1, 0.25, 0.4, 0.5, 0.7]))
    M = (rng.random((N, n)) >= r).astype(np.float64)
    M[0, 0], M[-1, -1] = 0.0, 1.0  # one dropped and one kept entry at least
    return {"X": rng.normal(size=(N, n)), "M": M, "r": r, "dA": rng.normal(size=(N, n))}


def dropout_step(X, M, r, dA, mistake=None):
    if mistake is None:
        return dropout_forward(X, M, r), dropout_backward(dA, M, r)
    keep = 1 - M if mistake == "mask inverted" else M
    scales = {"no scale": keep, "scale r": keep / r, "scale 1-r": keep * (1 - r)}
    scale = scales.get(mistake, keep / (1 - r))
    grads = {"backward unmasked": dA / (1 - r), "backward unscaled": dA * M}
    return X * scale, grads.get(mistake, dA * scale)


EX3 = Mistakes.calling(
    dropout_step,
    {
        "no scale": "Inverted dropout divides the kept entries by 1 - r, so that "
        "E[A] = X.",
        "scale r": "Divide by the probability of keeping an entry, 1 - r, not by r.",
        "scale 1-r": "Divide the kept entries by 1 - r; multiplying by it is the "
        "inference-time rule of the original paper.",
        "mask inverted": "M is 1 where an entry is kept and 0 where it is dropped.",
        "backward unmasked": "The gradient flows only through the kept entries: "
        "multiply dA by the mask too.",
        "backward unscaled": "The backward pass uses the same scale 1 / (1 - r) as "
        "the forward pass.",
    },
)


def pair(got, expected, case):
    hint = returns("A", "dX")(got, expected, case)
    if hint is not None:
        return hint
    if any(np.shape(g) != np.shape(case["X"]) for g in got):
        return "A and dX have the shape of X."
    return None


# --- ch06-ex4: choosing the early-stopping epoch from a history ---

EX4_BOOK = [1.30, 0.92, 0.71, 0.63, 0.60, 0.61, 0.59, 0.62, 0.64, 0.66, 0.65, 0.69]


def ex4_data(rng):
    if rng is None:
        return {"val_loss": EX4_BOOK + [0.55, 0.70, 0.72], "patience": 3}
    patience = int(rng.integers(2, 5))
    drop = np.sort(rng.uniform(0.5, 1.5, int(rng.integers(3, 7))))[::-1]
    bumps = drop[-1] + np.abs(rng.normal(0.0, 0.03, 2 * patience + 2)) + 0.005
    bumps[1] = drop[-1] - 0.01  # a new best after one worse epoch
    late = [float(bumps[2:].min() - 0.1)]  # after the stop: the rule never sees it
    rise = drop[-1] + 0.05 + np.arange(1, 3) * 0.02
    losses = [*drop, *bumps, *late, *rise]
    return {"val_loss": [round(float(v), 3) for v in losses], "patience": patience}


def early_stop(val_loss, patience, mistake=None):
    """``(stop_epoch, best_epoch)`` of the chapter's rule; a mistake changes it."""
    if mistake == "global minimum":
        stop, _ = early_stop(val_loss, patience)
        return stop, int(np.argmin(val_loss)) + 1
    best_loss, best, stop = math.inf, 0, len(val_loss)
    for epoch, loss in enumerate(val_loss, start=1):
        if loss < best_loss:
            best_loss, best = loss, epoch
        elif epoch - best >= patience + (mistake == "patience + 1"):
            stop = epoch
            break
        elif mistake == "first rise":
            stop = epoch
            break
    if mistake == "from 0":
        return stop - 1, best - 1
    return stop, best


def ex4_answer(d, mistake=None):
    stop, best = early_stop(d["val_loss"], d["patience"], mistake)
    return {"stop_epoch": stop, "best_epoch": best}


EX4 = Mistakes(
    ex4_answer,
    {
        "global minimum": "The rule sees one epoch at a time and has stopped before "
        "that epoch: the weights kept are the best seen until the stop.",
        "patience + 1": "Training stops as soon as `patience` epochs have passed "
        "without a new best, at the epoch that completes them.",
        "first rise": "The rule waits `patience` epochs without a new best; one worse "
        "epoch is not enough.",
        "from 0": "Epochs count from 1: the first loss of the list is epoch 1.",
    },
)
EX4_GENERAL = {
    "stop_epoch": "Walk through the losses in order, remembering the best so far, and "
    "stop when `patience` epochs have passed since it.",
    "best_epoch": "The network ends with the weights of the best epoch seen before "
    "the stop.",
}


# --- ch06-ex5: the batch-normalisation backward pass, in code ---


def ex5_cases(rng):
    N, n = int(rng.integers(3, 9)), int(rng.integers(1, 5))
    return {
        "dZ_tilde": rng.normal(size=(N, n)),
        "Z": rng.normal(rng.uniform(-3, 3), rng.uniform(0.5, 3), (N, n)),
        "gamma": rng.uniform(0.5, 2.0, n),
        "eps": float(rng.choice([1e-5, 1e-3, 0.1])),
    }


def bn_backward(dZ_tilde, Z, gamma, eps, mistake=None):
    _, Z_hat, mu, var = batchnorm_forward(Z, gamma, 0.0 * gamma, eps)
    if mistake == "unbiased variance":
        var = var * Z.shape[0] / (Z.shape[0] - 1)
        Z_hat = (Z - mu) / np.sqrt(var + eps)
    dZ, dgamma, dbeta = batchnorm_backward(dZ_tilde, Z_hat, var, gamma, eps)
    s = np.sqrt(var + eps)
    if mistake == "constant statistics":
        dZ = gamma * dZ_tilde / s
    if mistake == "mean only":
        dZ = gamma / s * (dZ_tilde - dZ_tilde.mean(axis=0))
    if mistake == "dgamma of Z":
        dgamma = np.sum(dZ_tilde * Z, axis=0)
    if mistake == "no gamma":
        dZ = dZ / gamma
    return dZ, dgamma, dbeta


EX5 = Mistakes.calling(
    bn_backward,
    {
        "constant statistics": "The batch mean and variance depend on every z_n of "
        "the batch: their derivatives add two terms to dZ.",
        "mean only": "dZ misses the term through the batch variance, "
        "- Z_hat * sum(dZ_tilde * Z_hat).",
        "unbiased variance": "The forward pass normalises with the biased batch "
        "variance (divide by N).",
        "dgamma of Z": "gamma multiplies the normalised Z_hat, so dgamma sums "
        "dZ_tilde * Z_hat.",
        "no gamma": "dZ_hat = gamma * dZ_tilde: dZ carries the factor gamma.",
    },
)


def triple(got, expected, case):
    hint = returns("dZ", "dgamma", "dbeta")(got, expected, case)
    if hint is not None:
        return hint
    shapes = [np.shape(e) for e in expected]
    if [np.shape(g) for g in got] != shapes:
        return "dZ has the shape of Z; dgamma and dbeta one entry per unit (sum rows)."
    return None


EX6_RUBRIC = (
    "Full marks: (1) adding b to every row adds b to the batch mean and leaves each "
    "z_n - mu_B, hence sigma_B^2, Z_hat, Z_tilde and E unchanged; (2) so dE/db = 0, "
    "and with the formula the sum over n of N dZ_tilde_n - sum dZ_tilde - Z_hat_n "
    "sum(dZ_tilde Z_hat) is 0 because sum_n Z_hat_n = 0; the bias keeps its initial "
    "value; (3) the running mean averages batch means that contain b, so z - running "
    "mean cancels b in inference as long as the running mean has followed the batch "
    "means; beta takes over the bias's role (frameworks offer bias=False / "
    "use_bias=False). One point for (1), one for (2) with the sum, one for (3)."
)

EXERCISES = [
    Value(
        "ch06-ex1",
        check=rule(ex1_mistake, EX1, EX1_GENERAL, exact=("L_min",)),
        data=ex1_data,
        title="Gradient shrinkage through L sigmoid layers",
        difficulty="warm-up",
        minutes=10,
        points=1,
    ),
    Value(
        "ch06-ex2",
        check=rule(ex2_mistake, EX2, EX2_GENERAL),
        data=ex2_data,
        title="He's variance for a leaky ReLU",
        difficulty="warm-up",
        minutes=15,
        points=1,
    ),
    Code(
        "ch06-ex3",
        name="dropout_step",
        cases=ex3_cases,
        reference=dropout_step,
        diagnose=code_diagnosis(EX3, pair),
        pure=True,
        forbids=(
            "mlplib.dropout.dropout_forward",
            "mlplib.dropout.dropout_backward",
            "mlplib.dropout.Dropout",
        ),
        title="Dropout forward and backward",
        minutes=15,
        points=2,
    ),
    Value(
        "ch06-ex4",
        check=rule(ex4_answer, EX4, EX4_GENERAL, exact=("stop_epoch", "best_epoch")),
        data=ex4_data,
        title="Choosing the early-stopping epoch from a history",
        minutes=10,
        points=1,
    ),
    Code(
        "ch06-ex5",
        name="bn_backward",
        cases=ex5_cases,
        reference=bn_backward,
        diagnose=code_diagnosis(EX5, triple),
        pure=True,
        forbids=("mlplib.batchnorm.batchnorm_backward", "mlplib.batchnorm.BatchNorm"),
        title="The batch-normalisation backward pass",
        difficulty="stretch",
        minutes=30,
        points=3,
    ),
    Written(
        "ch06-ex6",
        title="Batch normalisation makes the bias redundant",
        rubric=EX6_RUBRIC,
        difficulty="stretch",
        minutes=20,
        points=3,
    ),
]

# The instructor guide's planning data for this chapter (tools/planning.py).
PLANNING = {
    "objectives": [
        "explain vanishing and exploding gradients from the error-signal recursion "
        "and the bound on the sigmoid's slope",
        "derive the Glorot and He variances from the variance of a layer's output",
        "write batch normalisation forward and backward, and tell training from "
        "inference mode",
        "map batch normalisation's running statistics onto PyTorch and Keras",
        "recognise overfitting in learning curves and measure weight decay, dropout "
        "and early stopping on a validation set over several seeds",
    ],
    "prerequisites": [
        "backpropagation (the error signal of each layer)",
        "the optimizers chapter (Adam and AdamW)",
        "training and validation sets (MNIST chapter)",
    ],
    "lecture_minutes": 120,
    "lab_minutes": 90,
}
