"""Exercises of the perceptron chapter: inputs, references, mistake tables.

References are computed with mlplib (the sigmoid, the perceptron rule and its epoch)
from each exercise's own inputs; each named mistake is the same computation with one
thing changed. A gate (ex3) and XOR (ex5) accept many answers: their checks run the
student's perceptrons and raise :class:`Feedback` themselves.
"""

import numpy as np

from course.checks import Code, Feedback, Value, Written
from course.checks.kit import Mistakes, code_diagnosis, returns, rule
from mlplib import activations
from mlplib.perceptron import Perceptron, perceptron_rule

INPUTS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
GATES = {  # gates a single perceptron can compute, other than AND, OR and NAND
    "x1 AND NOT x2": [0.0, 0.0, 1.0, 0.0],
    "NOT x1 AND x2": [0.0, 1.0, 0.0, 0.0],
    "NOR": [1.0, 0.0, 0.0, 0.0],
    "x1 OR NOT x2": [1.0, 0.0, 1.0, 1.0],
    "NOT x1 OR x2": [1.0, 1.0, 0.0, 1.0],
}


# --- ch01-ex1: a layer of two sigmoid neurons, by hand --------------------------------


def ex1_data(rng):
    if rng is None:
        x, W, b = [1.0, 3.0], [[2.0, 0.5], [-1.0, 1.0]], [0.0, -2.0]
    else:
        x = rng.integers(-2, 3, 2) * 1.0
        W = rng.integers(-4, 5, (2, 2)) * 0.5
        b = rng.integers(-2, 3, 2) * 1.0
    return {"x": np.array(x), "W": np.array(W), "b": np.array(b)}


def ex1_mistake(d, mistake=None):
    x, W, b = (np.asarray(d[k], dtype=float) for k in ("x", "W", "b"))
    z = {"W transposed": x @ W.T + b, "no bias": x @ W}.get(mistake, x @ W + b)
    y = {"z only": z, "sign": activations.sigmoid(-z)}.get(mistake)
    return {"y": activations.sigmoid(z) if y is None else y}


EX1 = Mistakes(
    ex1_mistake,
    {
        "z only": "That is z = xW + b: apply the sigmoid to each entry.",
        "W transposed": "You used W transposed: column j of W holds neuron j's "
        "weights.",
        "no bias": "The bias b is missing from z.",
        "sign": "Check the sign in the sigmoid: 1 / (1 + exp(-z)).",
    },
)
EX1_GENERAL = {
    "y": "Compute z = xW + b first (entry j uses column j of W), then sigmoid(z)."
}


# --- ch01-ex2: one step of the rule at a pre-activation of 0 --------------------------


def ex2_data(rng):
    if rng is None:
        w, x, eta = np.array([0.5, -1.0]), np.array([1.0, 1.0]), 0.5
    else:
        w = rng.integers(-4, 5, 2) * 0.5
        x = rng.integers(1, 3, 2) * rng.choice([-1.0, 1.0], 2)
        eta = float(rng.choice([0.25, 0.5, 1.0]))
    b = float(-(w @ x))  # the example lies exactly on the line
    return {"w": w, "b": b, "x": x, "t": 0.0, "eta": eta}


def ex2_mistake(d, mistake=None):
    w, b, x, t, eta = (d[k] for k in ("w", "b", "x", "t", "eta"))
    w, x = np.asarray(w, dtype=float), np.asarray(x, dtype=float)
    if mistake == "hardlim(0) = 0":  # y = t: the rule changes nothing
        return {"w_new": w, "b_new": b}
    if mistake == "bias not moved":
        return {"b_new": b}
    wrong_sign = mistake in ("direction of w", "direction of b")
    eta, t = (1.0, t) if mistake == "no eta" else (eta, 2.0 if wrong_sign else t)
    w_new, b_new, _ = perceptron_rule(w, b, x, t, eta)  # t = 2: t - y of the wrong sign
    if wrong_sign:
        return {"w_new": w_new} if mistake == "direction of w" else {"b_new": b_new}
    return {"w_new": w_new, "b_new": b_new}


EX2 = Mistakes(
    ex2_mistake,
    {
        "hardlim(0) = 0": "The weights did not move: what is hardlim(0) in this book?",
        "direction of w": "Wrong direction: here y = 1 and t = 0, so t - y is "
        "negative.",
        "direction of b": "Wrong direction: t - y is negative here.",
        "no eta": "The step is scaled by the learning rate eta.",
        "bias not moved": "The bias moves too: b <- b + eta (t - y).",
    },
)
EX2_GENERAL = {
    "w_new": "Compute z = w.x + b, then y = hardlim(z), then w + eta (t - y) x.",
    "b_new": "The bias update is b + eta (t - y).",
}


# --- ch01-ex3: a gate of your own -----------------------------------------------------


def ex3_data(rng):
    names = list(GATES)
    gate = names[0] if rng is None else str(rng.choice(names))
    return {"gate": gate, "inputs": np.array(INPUTS), "targets": np.array(GATES[gate])}


def ex3(data, w, b):
    X, T = data["inputs"], data["targets"]
    w_arr = np.asarray(w, dtype=float)
    if w_arr.shape != (2,):
        raise Feedback(
            f"w has shape {w_arr.shape}; it needs one weight per input, (2,)."
        )
    if np.ndim(b) != 0:
        raise Feedback("b should be one number.")
    z = X @ w_arr + float(b)
    y = activations.hardlim(z)
    for x_i, z_i, y_i, t_i in zip(X, z, y, T):
        if y_i != t_i:
            point = f"({x_i[0]:g}, {x_i[1]:g})"
            if z_i == 0:
                raise Feedback(
                    f"At x = {point} the pre-activation is exactly 0, so the output is "
                    f"hardlim(0) = 1, but the gate gives {t_i:g} there.",
                    hint="Move the line off that point (change the bias a little).",
                )
            raise Feedback(
                f"At x = {point} your perceptron outputs {y_i:g}; "
                f"the gate gives {t_i:g}.",
                hint="Draw the four points and a line with the 1s on its "
                "positive side.",
            )


# --- ch01-ex4: one epoch of the learning rule, in code --------------------------------


def ex4_cases(rng):
    n_in, N = int(rng.integers(2, 4)), int(rng.integers(6, 11))
    return {
        "w": rng.integers(-1, 2, n_in) * 1.0,
        "b": float(rng.integers(-1, 2)),
        "X": rng.integers(-2, 3, (N, n_in)) * 1.0,
        "T": rng.integers(0, 2, N) * 1.0,
        "eta": float(rng.choice([0.5, 1.0])),
    }


def train_epoch(w, b, X, T, eta, mistake=None):
    """One epoch of mlplib's perceptron rule, or of the rule with one mistake."""
    if mistake is None:
        p = Perceptron(len(w), eta=eta, W=w, b=b)
        n_errors = p.train_epoch(X, T)
        return p.W, float(p.b), float(n_errors)
    w, b, errors = np.array(w, dtype=float), float(b), 0
    y_all = activations.hardlim(X @ w + b)  # the outputs before the epoch
    for i, (x, t) in enumerate(zip(X, T)):
        z = x @ w + b
        y = {"z > 0": float(z > 0), "batch": y_all[i]}.get(mistake, float(z >= 0))
        step = eta * (t - y) * (-1 if mistake == "sign" else 1)
        errors += int(t != y)
        w, b = w + step * x, b + step * (mistake != "no bias")
    return w, b, float(errors)


EX4 = Mistakes.calling(
    train_epoch,
    {
        "z > 0": "At z = 0 the output is hardlim(0) = 1 (use z >= 0).",
        "batch": "Compute each y with the weights as they are at that example.",
        "sign": "The update adds eta (t - y) x; yours has the opposite sign.",
        "no bias": "The bias is updated too: b <- b + eta (t - y).",
    },
)


EX4_GENERAL = {2: "w and b are right: count the examples with t - y != 0."}


# --- ch01-ex5: XOR from three perceptrons ---------------------------------------------


def ex5(data, W1, b1, w2, b2):
    X = np.array(INPUTS)
    T = np.array([0.0, 1.0, 1.0, 0.0])
    shapes = {"W1": (W1, (2, 2)), "b1": (b1, (2,)), "w2": (w2, (2,)), "b2": (b2, ())}
    arrays = {}
    for name, (value, shape) in shapes.items():
        arr = np.asarray(value, dtype=float)
        if arr.shape != shape:
            raise Feedback(f"{name} has shape {arr.shape}; it should be {shape}.")
        arrays[name] = arr
    H = activations.hardlim(X @ arrays["W1"] + arrays["b1"])
    y = activations.hardlim(H @ arrays["w2"] + arrays["b2"])
    wrong = [f"({x[0]:g}, {x[1]:g})" for x, y_i, t in zip(X, y, T) if y_i != t]
    if wrong:
        raise Feedback(
            f"The network's output is wrong at x = {', '.join(wrong)}.",
            hint="Check each hidden unit alone first: one can compute OR, the other "
            "NAND, and the output unit the AND of the two.",
        )


EXERCISES = [
    Value(
        "ch01-ex1",
        check=rule(ex1_mistake, EX1, EX1_GENERAL),
        version=2,
        data=ex1_data,
        title="A layer of two sigmoid neurons",
        difficulty="warm-up",
        minutes=10,
        points=1,
    ),
    Value(
        "ch01-ex2",
        check=rule(ex2_mistake, EX2, EX2_GENERAL),
        version=2,
        data=ex2_data,
        title="One step of the rule on the decision line",
        difficulty="warm-up",
        minutes=10,
        points=1,
    ),
    Value(
        "ch01-ex3",
        check=ex3,
        data=ex3_data,
        title="A perceptron for a gate",
        difficulty="core",
        minutes=15,
        points=1,
    ),
    Code(
        "ch01-ex4",
        name="train_epoch",
        pure=True,
        forbids=("mlplib.perceptron.Perceptron", "mlplib.perceptron.perceptron_rule"),
        cases=ex4_cases,
        reference=train_epoch,
        diagnose=code_diagnosis(EX4, returns("w", "b", "n_errors"), EX4_GENERAL),
        version=2,
        n_cases=5,
        title="One epoch of the perceptron rule",
        difficulty="core",
        minutes=20,
        points=3,
    ),
    Value(
        "ch01-ex5",
        check=ex5,
        title="XOR from three perceptrons",
        difficulty="core",
        minutes=20,
        points=2,
    ),
    Written(
        "ch01-ex6",
        title="The scale of the margin",
        rubric=(
            "(a) Scaling u by c > 0 keeps its line and multiplies every "
            "s_i (u . x_i) by c, so gamma scales by c while R stays: without "
            "|u| = 1 the bound (R/gamma)^2 could be made arbitrarily small, so it "
            "would bound nothing. (b) From w = 0 every weight vector the rule visits "
            "is eta times the one it visits with eta = 1 (induction: the sign of "
            "w . x is unchanged by the factor eta), so the same examples are "
            "misclassified and the number of updates does not depend on eta; "
            "equivalently eta cancels in k eta gamma <= sqrt(k) eta R. "
            "(c) From a nonzero start w_0 the proof gives u . w_k >= u . w_0 + k eta "
            "gamma and |w_k|^2 <= |w_0|^2 + k eta^2 R^2, a bound that now depends on "
            "eta and w_0 (large eta makes the start matter less). Full marks: all "
            "three parts with the reason, not only the conclusion."
        ),
        difficulty="stretch",
        minutes=25,
        points=2,
    ),
]

# The instructor guide's planning data for this chapter (tools/planning.py).
PLANNING = {
    "objectives": [
        "compute a neuron's output as a weighted sum plus a bias passed "
        "through an activation",
        "state the common activation functions and their derivatives",
        "apply the perceptron learning rule by hand and in code, with the "
        "convention hardlim(0) = 1",
        "state the convergence theorem with its normalised margin, and explain "
        "why XOR defeats one perceptron",
        "train a sigmoid neuron by gradient descent and match it in PyTorch and Keras",
    ],
    "prerequisites": ["dot products", "derivatives of exp and of products"],
    "lecture_minutes": 90,
    "lab_minutes": 90,
}
