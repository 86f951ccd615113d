"""Exercises of the backpropagation chapter: inputs, references, mistake tables.

References are mlplib's gradients (``Sequential.compute_gradients``, ``Dense.backward``,
the scalar engine, the losses); each named mistake is mlplib on changed inputs (a
negated or rescaled loss gradient, another target, a layer without its activation or
its bias) or, where mlplib cannot express it, the formula with that one mistake.
"""

import numpy as np

from course.checks import Code, Value, Written
from course.checks.kit import Mistakes, code_diagnosis, returns, rule
from mlplib import Dense, Sequential, activations, losses
from mlplib.autograd import Value as Node

sigmoid = activations.Sigmoid().f


def model_with(sizes, acts, params):
    model = Sequential.from_sizes(sizes, acts, dtype=np.float64)
    model.set_parameters({k: np.asarray(v, dtype=float) for k, v in params.items()})
    return model


# --- ch03-ex1: the gradients of one sigmoid neuron ---


def ex1_data(rng):
    if rng is None:
        return {"x": [0.5, -1.0], "w": [0.2, 0.4], "b": 0.1, "t": 1.0}
    x, w = list(rng.integers(-4, 5, 2) * 0.5), list(rng.integers(-4, 5, 2) * 0.25)
    return {
        "x": x,
        "w": w,
        "b": float(rng.integers(-4, 5)) * 0.25,
        "t": float(rng.integers(0, 2)),
    }


def ex1_mistake(d, mistake=None):
    x, w = np.asarray(d["x"], dtype=float), np.asarray(d["w"], dtype=float)
    model = model_with([2, 1], "sigmoid", {"0.W": w.reshape(2, 1), "0.b": [d["b"]]})
    model.compute_gradients("half_sse", x.reshape(1, 2), np.array([[d["t"]]]))
    g = model.gradients()
    grads = np.array([g["0.W"][0, 0], g["0.W"][1, 0], g["0.b"][0]])
    y = float(model.forward(x.reshape(1, 2))[0, 0])
    delta, inputs = grads[2], np.array([x[0], x[1], 1.0])
    grads = {
        None: grads,
        "sign": -grads,
        "no derivative": (y - d["t"]) * inputs,
        "factor 2": 2 * grads,
        "no input": np.array([delta, delta, delta]),
        "bias times x1": np.array([*grads[:2], delta * x[0]]),
        "bias times x2": np.array([*grads[:2], delta * x[1]]),
    }[mistake]
    return dict(zip(("grad_w1", "grad_w2", "grad_b"), grads))


EX1 = Mistakes(
    ex1_mistake,
    {
        "sign": "Sign: for E = (t - y)^2 / 2, dE/dy = y - t, not t - y.",
        "no derivative": "The sigmoid's derivative dy/dz = y (1 - y) is missing.",
        "factor 2": "E has the factor 1/2, which cancels the 2 of the square.",
        "no input": "A weight's gradient is the neuron's delta times its input.",
        "bias times x1": "The bias's input is 1: dE/db is the neuron's delta itself.",
        "bias times x2": "The bias's input is 1: dE/db is the neuron's delta itself.",
    },
)
CHAIN = "Chain the three factors: dE/dy, dy/dz = y (1 - y), dz/dparameter."
EX1_GENERAL = dict.fromkeys(("grad_w1", "grad_w2", "grad_b"), CHAIN)


# --- ch03-ex2: four gates by hand ---


def ex2_data(rng):
    if rng is None:
        return {"a": 2.0, "b": -3.0, "c": 4.0, "d": 1.0}
    a, b, c, d = (float(v) for v in rng.integers(-4, 5, 4))
    while d == a:
        d = float(rng.integers(-4, 5))
    return {"a": a, "b": b, "c": c, "d": d}


def ex2_mistake(data, mistake=None):
    """The engine's gradients of f = (a b + c) max(a, d), or one mistake's."""
    nodes = [Node(data[k]) for k in "abcd"]
    va, vb, vc, vd = nodes
    f = (va * vb + vc) * va.max(vd)
    f.backward()
    grads = dict(zip(("df_da", "df_db", "df_dc", "df_dd"), (v.grad for v in nodes)))
    a, b, c, d = (data[k] for k in "abcd")
    q, m = a * b + c, max(a, d)
    changes = {
        None: {},
        "mul path only": {"df_da": b * m},
        "max path only": {"df_da": q if a > d else 0.0},
        "max to both": {"df_da": b * m + q, "df_dd": q},
        "no upstream at b": {"df_db": a},
        "no upstream at c": {"df_dc": 1.0},
    }[mistake]
    return grads | changes


TWICE = "a is used twice: add its gradients through mul and through max."
EX2 = Mistakes(
    ex2_mistake,
    {
        "mul path only": TWICE,
        "max path only": TWICE,
        "max to both": "max routes the gradient to its larger input only.",
        "no upstream at b": "Multiply by the gradient arriving at a b: it is "
        "max(a, d).",
        "no upstream at c": "The add gate passes on the upstream gradient, max(a, d), "
        "not 1.",
    },
)
EX2_GENERAL = {
    "df_da": "Follow both uses of a: through a b (mul swaps) and through max.",
    "df_db": "mul swaps: b's gradient is the upstream gradient times a.",
    "df_dc": "add distributes: c gets the gradient arriving at a b + c.",
    "df_dd": "max passes the upstream gradient a b + c to its larger input only.",
}


# --- ch03-ex3: a backward pass on a batch (tanh hidden, linear output, mean squared)


def ex3_data(rng):
    if rng is None:
        return {
            "X": [[0.5, -1.0], [1.0, 2.0], [-1.5, 0.5], [0.0, 1.0]],
            "T": [[1.0, 0.0], [-0.5, 0.5], [0.5, 1.0], [2.0, -1.0]],
            "W1": [[0.2, -0.4, 0.1], [0.3, 0.5, -0.2]],
            "b1": [0.1, 0.0, -0.1],
            "W2": [[0.6, -0.2], [-0.3, 0.4], [0.8, 0.1]],
            "b2": [0.05, -0.05],
        }
    return {
        "X": rng.integers(-4, 5, (4, 2)) * 0.5,
        "T": rng.integers(-4, 5, (4, 2)) * 0.5,
        "W1": rng.integers(-5, 6, (2, 3)) * 0.1,
        "b1": rng.integers(-2, 3, 3) * 0.1,
        "W2": rng.integers(-8, 9, (3, 2)) * 0.1,
        "b2": rng.integers(-2, 3, 2) * 0.05,
    }


NAMES3 = {"0.W": "dE_dW1", "0.b": "dE_db1", "1.W": "dE_dW2", "1.b": "dE_db2"}


def ex3_gradients(d, acts=("tanh", None), X=None, T=None):
    params = {"0.W": d["W1"], "0.b": d["b1"], "1.W": d["W2"], "1.b": d["b2"]}
    model = model_with([2, 3, 2], list(acts), params)
    X = np.asarray(d["X"] if X is None else X, dtype=float)
    model.compute_gradients("mse", X, np.asarray(d["T"] if T is None else T, float))
    return {NAMES3[k]: g for k, g in model.gradients().items()}


def ex3_by_hand(d, derivative):
    """The backward pass with another hidden derivative (mlplib has no such option)."""
    X, T, W1, b1, W2, b2 = (
        np.asarray(d[k], float) for k in ("X", "T", "W1", "b1", "W2", "b2")
    )
    A1 = np.tanh(X @ W1 + b1)
    dZ2 = 2 * (A1 @ W2 + b2 - T) / T.size
    dZ1 = (dZ2 @ W2.T) * {"sigmoid": A1 * (1 - A1), "none": 1.0}[derivative]
    return {
        "dE_dW1": X.T @ dZ1,
        "dE_db1": dZ1.sum(0),
        "dE_dW2": A1.T @ dZ2,
        "dE_db2": dZ2.sum(0),
    }


def ex3_mistake(d, mistake=None):
    g = ex3_gradients(d)
    N, m = np.shape(d["T"])
    scale = {
        "sign": -1,
        "no 2/(N m)": N * m / 2,
        "sum": N * m,
        "over N": m,
        "no 2": 0.5,
    }.get(mistake)
    if scale is not None:
        return {k: scale * v for k, v in g.items()}
    if mistake in ("sigmoid derivative", "no derivative"):
        return ex3_by_hand(d, "sigmoid" if mistake == "sigmoid derivative" else "none")
    if mistake == "tanh output":
        return ex3_gradients(d, ("tanh", "tanh"))
    if mistake in ("dE_dW1 transposed", "dE_dW2 transposed"):
        return {mistake[:6]: g[mistake[:6]].T}
    if mistake == "bias not summed":
        rows = [
            ex3_gradients(d, X=d["X"][i : i + 1], T=d["T"][i : i + 1]) for i in range(N)
        ]
        return {k: np.stack([r[k] for r in rows]) / N for k in ("dE_db1", "dE_db2")}
    return g


TRANSPOSED = "Transposed: dE/dW has the shape of W, (n_in, n_out) = A^T delta."
EX3 = Mistakes(
    ex3_mistake,
    {
        "sign": "Sign: dE/dY = 2 (Y - T) / (N m), not (T - Y).",
        "no 2/(N m)": "Scale: E is the mean over all N m entries, so dE/dY = "
        "2 (Y - T) / (N m); yours lacks that factor.",
        "sum": "Scale: E is the mean, not the sum: divide by N m.",
        "over N": "Scale: E averages over all N m entries of Y, not N.",
        "no 2": "Scale: the derivative of the square brings a 2.",
        "sigmoid derivative": "tanh'(z) = 1 - tanh(z)^2, not a (1 - a).",
        "no derivative": "Multiply delta(2) W2^T by tanh'(Z1) = 1 - A1^2.",
        "tanh output": "The output layer is linear: delta(2) = dE/dY.",
        "dE_dW1 transposed": TRANSPOSED,
        "dE_dW2 transposed": TRANSPOSED,
        "bias not summed": "Sum delta over the batch (axis 0): one entry per unit.",
    },
)
EX3_GENERAL = dict.fromkeys(
    NAMES3.values(),
    "Start from delta(2) = dE/dY, then delta(1) = delta(2) W2^T * tanh'(Z1).",
)


# --- ch03-ex4: the backward pass of a sigmoid layer (code) ---


def ex4_cases(rng):
    N, n_in, n_out = (int(v) for v in rng.integers(2, 6, 3))
    n_out += n_in == n_out  # a transposed answer then has the wrong shape
    return {
        "X": rng.standard_normal((N, n_in)),
        "W": rng.standard_normal((n_in, n_out)),
        "b": rng.standard_normal(n_out),
        "dA": rng.standard_normal((N, n_out)),
    }


def sigmoid_layer_backward(X, W, b, dA, mistake=None):
    """mlplib's Dense backward pass: (dW, db, dX); a mistake changes the layer."""
    act = None if mistake == "no derivative" else "sigmoid"
    layer = Dense(W.shape[0], W.shape[1], act, dtype=np.float64)
    layer.W[...], layer.b[...] = W, 0 if mistake == "no bias" else b
    layer.forward(X)
    dX = layer.backward(dA)
    if mistake == "Z (1 - Z)":
        Z = X @ W + b
        dZ = dA * Z * (1 - Z)
        return X.T @ dZ, dZ.sum(axis=0), dZ @ W.T
    if mistake == "dX without derivative":
        return {2: dA @ W.T}
    return layer.dW, layer.db, dX


EX4 = Mistakes.calling(
    sigmoid_layer_backward,
    {
        "no derivative": "Turn dA into dZ = dA * A (1 - A) before the products.",
        "Z (1 - Z)": "The sigmoid's derivative is A (1 - A) with A = sigmoid(Z), not "
        "Z (1 - Z).",
        "no bias": "Z = X W + b includes the bias.",
        "dX without derivative": "dX = dZ W^T, with dZ = dA * A (1 - A), not dA.",
    },
)


def ex4_shape(got, expected, case):
    if returns("dW", "db", "dX")(got, expected, case):
        return "Return a tuple (dW, db, dX)."
    if np.shape(got[0]) == case["W"].T.shape:
        return "dW must have W's shape (n_in, n_out): dW = X^T dZ."
    if np.shape(got[1]) != np.shape(expected[1]):
        return "db sums dZ over the batch (axis 0): one entry per unit."
    return None


# --- ch03-ex5: the softmax and cross-entropy gradient, safely (code) ---


def ex5_cases(rng):
    N, m = int(rng.integers(2, 6)), int(rng.integers(3, 6))
    scale = float(rng.choice([1.0, 1000.0]))
    return {
        "Z": rng.standard_normal((N, m)) * scale,
        "T": np.eye(m)[rng.integers(0, m, N)],
    }


def softmax_ce_gradient(Z, T, mistake=None):
    """mlplib's gradient of the mean cross-entropy of softmax(Z) with respect to Z."""
    if mistake == "columns":  # the softmax of each column, via the transposed logits
        return (activations.Softmax().f(Z.T).T - T) / Z.shape[0]
    grad = losses.softmax_cross_entropy_gradient(Z, T)
    return {None: grad, "sign": -grad, "no 1/N": grad * Z.shape[0]}[mistake]


EX5 = Mistakes.calling(
    softmax_ce_gradient,
    {
        "sign": "Sign: the gradient is (Y - T) / N, not (T - Y) / N.",
        "no 1/N": "Divide by the batch size N: E is the mean over the examples.",
        "columns": "softmax normalises each row (axis=1), not each column.",
    },
)


def ex5_shape(got, expected, case):
    if not np.all(np.isfinite(np.asarray(got, dtype=float))):
        return "exp overflowed: subtract each row's maximum before exponentiating."
    return None


# --- ch03-ex7: one training step of a softmax network ---


def ex7_data(rng):
    if rng is None:  # a 2-2-3 network with ten weights
        x, target, lr = [[-0.04, -0.42]], 1, 0.5
        W1, b1 = [[-2.5, 0.6], [-1.5, 0.4]], [-1.6, 0.7]
        W2, b2 = [[-0.1, -2.2, -5.2], [2.4, -1.5, 3.7]], [0.0, 0.0, 1.0]
    else:
        x, target, lr = rng.integers(-10, 11, (1, 2)) * 0.1, rng.integers(0, 3), 0.5
        W1, b1 = rng.integers(-30, 31, (2, 2)) * 0.1, rng.integers(-20, 21, 2) * 0.1
        W2, b2 = rng.integers(-50, 51, (2, 3)) * 0.1, rng.integers(-10, 11, 3) * 0.1
    arrays = {
        "x": x,
        "t": np.eye(3)[[int(target)]],
        "W1": W1,
        "b1": b1,
        "W2": W2,
        "b2": b2,
    }
    return {k: np.array(v, dtype=float) for k, v in arrays.items()} | {"lr": float(lr)}


def ex7_step(x, t, W1, b1, W2, b2, lr):
    """Loss before the step, loss after it, the gradients, the new parameters."""
    params = {"0.W": W1, "0.b": b1, "1.W": W2, "1.b": b2}
    model = model_with([2, 2, 3], ["sigmoid", "softmax"], params)
    E = float(model.compute_gradients("categorical_cross_entropy", x, t))
    grads = model.gradients()
    new = {k: params[k] - lr * grads[k] for k in params}
    after = model_with([2, 2, 3], ["sigmoid", "softmax"], new)
    E_after = float(after.compute_gradients("categorical_cross_entropy", x, t))
    return E, E_after, grads, new


NAMES7 = {"0.W": "W1_step", "0.b": "b1_step", "1.W": "W2_step", "1.b": "b2_step"}


def ex7_mistake(d, mistake=None):
    E, E_after, grads, new = ex7_step(**d)
    answers = {"E_before": E} | {NAMES7[k]: v for k, v in new.items()}
    if mistake == "after":
        return {"E_before": E_after}
    if mistake == "log10":
        return {"E_before": E / np.log(10)}
    if mistake in ("class 0", "class 1", "class 2"):
        t = np.eye(3)[[int(mistake[-1])]]
        return {"E_before": ex7_step(**d | {"t": t})[0]}
    if mistake == "uphill":
        return {NAMES7[k]: v for k, v in ex7_step(**d | {"lr": -d["lr"]})[3].items()}
    if mistake == "before":
        return {n: d[n[:2]] for n in NAMES7.values()}
    if mistake == "no hidden derivative":
        dW1 = d["x"].T @ ((new_output(d) - d["t"]) @ d["W2"].T)
        return {"W1_step": d["W1"] - d["lr"] * dW1}
    if mistake in ("W1 transposed", "W2 transposed"):
        return {f"{mistake[:2]}_step": answers[f"{mistake[:2]}_step"].T}
    return answers


def new_output(d):
    model = model_with(
        [2, 2, 3],
        ["sigmoid", "softmax"],
        {"0.W": d["W1"], "0.b": d["b1"], "1.W": d["W2"], "1.b": d["b2"]},
    )
    return model.forward(d["x"])


EX7 = Mistakes(
    ex7_mistake,
    {
        "after": "That is the loss after the step: E_before is taken before it.",
        "log10": "Use the natural logarithm (np.log), not log10.",
        "class 0": "The loss is -log of the probability of the class where t is 1.",
        "class 1": "The loss is -log of the probability of the class where t is 1.",
        "class 2": "The loss is -log of the probability of the class where t is 1.",
        "uphill": "Uphill: gradient descent subtracts lr times the gradient.",
        "before": "These are the parameters before the step: apply the update.",
        "no hidden derivative": "The hidden layer's delta needs the sigmoid's "
        "derivative a (1 - a).",
        "W1 transposed": "Transposed: keep the book's layout, (n_in, n_out).",
        "W2 transposed": "Transposed: keep the book's layout, (n_in, n_out).",
    },
)
EX7_GENERAL = {
    "E_before": "E = -sum_k t_k log y_k with y = softmax(z) of the output layer."
} | dict.fromkeys(
    NAMES7.values(),
    "Backpropagate delta(2) = y - t, then subtract lr times each gradient.",
)

EX6_RUBRIC = (
    "(1) Forward mode needs one pass per parameter, 10^6 passes (each a bit more than "
    "a forward pass); reverse mode needs one forward and one backward pass, about 3x "
    "the forward cost in all for dense layers (the backward pass is two matrix "
    "products per layer against the forward's one, about 2x the forward pass), "
    "independent of n; so reverse mode is cheaper by a factor of order n (on the 2-2-2 "
    "example forward mode counted 10 passes against reverse mode's 2). (2) It stores "
    "every intermediate value the backward pass needs (each layer's input A and its Z "
    "or A for f'), because the backward pass runs in reverse order; memory grows "
    "linearly with batch size and with depth (checkpointing trades recomputation for "
    "memory). (3) Few inputs and many outputs, e.g. the derivative of all outputs with "
    "respect to one input or hyperparameter, or a Jacobian-vector product: one "
    "forward-mode pass gives a whole Jacobian column and needs no stored graph. Full "
    "marks: all three parts with the reason."
)

EXERCISES = [
    Value(
        "ch03-ex1",
        check=rule(ex1_mistake, EX1, EX1_GENERAL),
        data=ex1_data,
        title="The gradients of one sigmoid neuron",
        difficulty="warm-up",
        minutes=10,
        points=1,
        version=2,
    ),
    Value(
        "ch03-ex2",
        check=rule(ex2_mistake, EX2, EX2_GENERAL),
        data=ex2_data,
        title="Four gates by hand",
        difficulty="warm-up",
        minutes=15,
        points=1,
        version=2,
    ),
    Value(
        "ch03-ex3",
        check=rule(ex3_mistake, EX3, EX3_GENERAL),
        data=ex3_data,
        title="A backward pass on a batch",
        minutes=30,
        points=2,
        version=2,
    ),
    Code(
        "ch03-ex4",
        name="sigmoid_layer_backward",
        pure=True,
        forbids=("mlplib.layers.dense_backward", "mlplib.layers.Dense", "mlplib.Dense"),
        cases=ex4_cases,
        reference=sigmoid_layer_backward,
        diagnose=code_diagnosis(EX4, ex4_shape),
        n_cases=4,
        title="The backward pass of a sigmoid layer",
        minutes=20,
        points=3,
        version=2,
    ),
    Code(
        "ch03-ex5",
        name="softmax_ce_gradient",
        pure=True,
        forbids=(
            "mlplib.losses.softmax_cross_entropy_gradient",
            "mlplib.losses.CategoricalCrossEntropy",
        ),
        cases=ex5_cases,
        reference=softmax_ce_gradient,
        diagnose=code_diagnosis(EX5, ex5_shape),
        n_cases=6,
        title="The softmax and cross-entropy gradient, safely",
        minutes=20,
        points=3,
        version=2,
    ),
    Written(
        "ch03-ex6",
        title="What reverse mode costs",
        rubric=EX6_RUBRIC,
        minutes=20,
        points=2,
        version=2,
    ),
    Value(
        "ch03-ex7",
        check=rule(ex7_mistake, EX7, EX7_GENERAL),
        data=ex7_data,
        title="One training step of a softmax network",
        difficulty="stretch",
        minutes=30,
        points=2,
        version=2,
    ),
]

# The instructor guide's planning data for this chapter (tools/planning.py).
PLANNING = {
    "objectives": [
        "apply the chain rule on a computational graph, gate by gate",
        "derive and compute the backward pass of a dense network in matrix form",
        "compare forward-mode and reverse-mode differentiation by their cost",
        "explain why weights start random and why training can stall",
        "verify gradients with finite differences",
    ],
    "prerequisites": ["the chain rule", "the forward pass in matrix form"],
    "lecture_minutes": 120,
    "lab_minutes": 120,
}
