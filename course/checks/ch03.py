"""Exercises of the backpropagation chapter: inputs, checks and diagnoses.

Expected values are computed with mlplib (or its scalar engine) from each exercise's
own inputs; no message shows an expected value. Diagnoses recompute the answer with
one typical mistake and name it when the student's answer matches.
"""

import numpy as np

from course.checks import Code, Feedback, Value, Written, expect_hand, near
from mlplib import Dense, Sequential, losses
from mlplib.engine import Value as Node


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def model_with(sizes, activations, params):
    model = Sequential.from_sizes(sizes, activations, dtype=np.float64)
    model.set_parameters(params)
    return model


# --- ch03-ex1: the gradients of one sigmoid neuron ---


def ex1_data(rng):
    if rng is None:
        x, w, b, t = [0.5, -1.0], [0.2, 0.4], 0.1, 1.0
    else:
        x = rng.integers(-4, 5, 2) * 0.5
        w = rng.integers(-4, 5, 2) * 0.25
        b, t = float(rng.integers(-4, 5)) * 0.25, float(rng.integers(0, 2))
    return {"x": np.array(x), "w": np.array(w), "b": float(b), "t": float(t)}


def ex1_expected(x, w, b, t):
    model = model_with([2, 1], "sigmoid", {"0.W": w.reshape(2, 1), "0.b": [b]})
    model.compute_gradients("half_sse", x.reshape(1, 2), np.array([[t]]))
    g = model.gradients()
    return float(g["0.W"][0, 0]), float(g["0.W"][1, 0]), float(g["0.b"][0])


def ex1(data, grad_w1, grad_w2, grad_b):
    x, w, b, t = data["x"], data["w"], data["b"], data["t"]
    y = float(sigmoid(x @ w + b))
    delta = (y - t) * y * (1 - y)
    inputs = {"grad_w1": x[0], "grad_w2": x[1], "grad_b": 1.0}

    def diagnose_for(name):
        def diagnose(got, expected):
            if expected != 0 and near(got, -expected):
                return "Sign: for E = (t - y)^2 / 2, dE/dy = y - t, not t - y."
            if near(got, (y - t) * inputs[name]) and y * (1 - y) != 1:
                return "The sigmoid's derivative dy/dz = y (1 - y) is missing."
            if expected != 0 and near(got, 2 * expected):
                return "E has the factor 1/2, which cancels the 2 of the square."
            if name != "grad_b" and delta != 0 and near(got, delta):
                return "A weight's gradient is the neuron's delta times its input."
            if name == "grad_b" and any(near(got, delta * xk) for xk in x if xk != 1):
                return "The bias's input is 1: dE/db is the neuron's delta itself."
            return "Chain the three factors: dE/dy, dy/dz = y (1 - y), dz/dparameter."

        return diagnose

    expected = ex1_expected(x, w, b, t)
    for name, got, exp in zip(inputs, (grad_w1, grad_w2, grad_b), expected):
        expect_hand(name, got, exp, diagnose_for(name))


# --- ch03-ex2: four gates by hand ---


def ex2_data(rng):
    if rng is None:
        return {"a": 2.0, "b": -3.0, "c": 4.0, "d": 1.0}
    a, b, c, d = (float(v) for v in rng.integers(-4, 5, 4))
    while d == a:
        d = float(rng.integers(-4, 5))
    return {"a": a, "b": b, "c": c, "d": d}


def ex2_graph(a, b, c, d):
    """The engine's gradients of f = (a b + c) max(a, d)."""
    nodes = [Node(v) for v in (a, b, c, d)]
    va, vb, vc, vd = nodes
    f = (va * vb + vc) * va.max(vd)
    f.backward()
    return [v.grad for v in nodes]


def ex2(data, df_da, df_db, df_dc, df_dd):
    a, b, c, d = (data[k] for k in "abcd")
    q, m = a * b + c, max(a, d)
    expected = ex2_graph(a, b, c, d)

    def diagnose_a(got, expected):
        if a > d and (near(got, b * m) or near(got, q)):
            return "a is used twice (a copy): add its gradients through mul and max."
        if a < d and near(got, b * m + q):
            return "max routes the gradient to the larger input only, here not to a."
        return "Follow both uses of a: through a b (mul swaps) and through max."

    def diagnose_b(got, expected):
        if near(got, a):
            return "Multiply by the gradient arriving at a b: it is max(a, d)."
        return "mul swaps: b's gradient is the upstream gradient times a."

    def diagnose_c(got, expected):
        if near(got, 1.0):
            return "The add gate passes on the upstream gradient, max(a, d), not 1."
        return "add distributes: c gets the gradient arriving at a b + c."

    def diagnose_d(got, expected):
        if d < a:
            return "max routes the whole gradient to the larger input; d gets 0."
        return "d is the larger input of max: it gets the upstream gradient a b + c."

    answers = {"df_da": df_da, "df_db": df_db, "df_dc": df_dc, "df_dd": df_dd}
    diagnoses = (diagnose_a, diagnose_b, diagnose_c, diagnose_d)
    for (name, got), exp, diagnose in zip(answers.items(), expected, diagnoses):
        expect_hand(name, got, exp, diagnose)


# --- ch03-ex3: a backward pass on a batch (tanh hidden, linear output, mean squared)


def ex3_data(rng):
    if rng is None:
        X = [[0.5, -1.0], [1.0, 2.0], [-1.5, 0.5], [0.0, 1.0]]
        T = [[1.0, 0.0], [-0.5, 0.5], [0.5, 1.0], [2.0, -1.0]]
        W1 = [[0.2, -0.4, 0.1], [0.3, 0.5, -0.2]]
        b1, b2 = [0.1, 0.0, -0.1], [0.05, -0.05]
        W2 = [[0.6, -0.2], [-0.3, 0.4], [0.8, 0.1]]
    else:
        X = rng.integers(-4, 5, (4, 2)) * 0.5
        T = rng.integers(-4, 5, (4, 2)) * 0.5
        W1 = rng.integers(-5, 6, (2, 3)) * 0.1
        b1, W2 = rng.integers(-2, 3, 3) * 0.1, rng.integers(-8, 9, (3, 2)) * 0.1
        b2 = rng.integers(-2, 3, 2) * 0.05
    arrays = {"X": X, "T": T, "W1": W1, "b1": b1, "W2": W2, "b2": b2}
    return {k: np.array(v, dtype=float) for k, v in arrays.items()}


def ex3_expected(X, T, W1, b1, W2, b2):
    params = {"0.W": W1, "0.b": b1, "1.W": W2, "1.b": b2}
    model = model_with([2, 3, 2], ["tanh", None], params)
    model.compute_gradients("mse", X, T)
    g = model.gradients()
    return {
        "dE_dW1": g["0.W"],
        "dE_db1": g["0.b"],
        "dE_dW2": g["1.W"],
        "dE_db2": g["1.b"],
    }


def ex3_variant(X, T, W1, b1, W2, b2, scale=None, hidden="tanh", out_tanh=False):
    """The gradients with one typical mistake (for the diagnosis)."""
    A1 = np.tanh(X @ W1 + b1)
    Y = A1 @ W2 + b2
    if out_tanh:
        Y = np.tanh(Y)
    dY = (2 / Y.size if scale is None else scale) * (Y - T)
    dZ2 = dY * (1 - Y**2) if out_tanh else dY
    derivative = {"tanh": 1 - A1**2, "sigmoid": A1 * (1 - A1), "none": 1.0}[hidden]
    dZ1 = (dZ2 @ W2.T) * derivative
    return {"dE_dW1": X.T @ dZ1, "dE_db1": dZ1.sum(0), "dE_dW2": A1.T @ dZ2,
            "dE_db2": dZ2.sum(0)}  # fmt: skip


def ex3(data, dE_dW1, dE_db1, dE_dW2, dE_db2):
    answers = {"dE_dW1": dE_dW1, "dE_db1": dE_db1, "dE_dW2": dE_dW2, "dE_db2": dE_db2}
    expected = ex3_expected(**data)
    N, m = data["T"].shape
    mistakes = [
        ({"scale": -2 / (N * m)}, "Sign: dE/dY = 2 (Y - T) / (N m), not (T - Y)."),
        ({"scale": 1.0}, "Scale: E is the mean over all N m entries, so dE/dY = "
         "2 (Y - T) / (N m); yours lacks that factor."),
        ({"scale": 2.0}, "Scale: E is the mean, not the sum: divide by N m."),
        ({"scale": 2 / N}, "Scale: E averages over all N m entries of Y, not N."),
        ({"scale": 1 / (N * m)}, "Scale: the derivative of the square brings a 2."),
        ({"hidden": "sigmoid"}, "tanh'(z) = 1 - tanh(z)^2, not a (1 - a)."),
        ({"hidden": "none"}, "Multiply delta(2) W2^T by tanh'(Z1) = 1 - A1^2."),
        ({"out_tanh": True}, "The output layer is linear: delta(2) = dE/dY."),
    ]  # fmt: skip

    def diagnose_for(name):
        def diagnose(got, exp):
            shape = np.shape(got)
            if name.startswith("dE_dW") and shape == exp.T.shape != exp.shape:
                return (
                    "Transposed: dE/dW has the shape of W, (n_in, n_out) = A^T delta."
                )
            if name.startswith("dE_db") and shape != exp.shape:
                return "Sum delta over the batch (axis 0): one entry per unit."
            for kwargs, message in mistakes:
                if near(got, ex3_variant(**data, **kwargs)[name]):
                    return message
            return None

        return diagnose

    for name, got in answers.items():
        expect_hand(name, got, expected[name], diagnose_for(name))


# --- ch03-ex4: one training step of a softmax network ---


def ex4_data(rng):
    if rng is None:  # a 2-2-3 network with ten weights
        x, target, lr = [[-0.04, -0.42]], 1, 0.5
        W1, b1 = [[-2.5, 0.6], [-1.5, 0.4]], [-1.6, 0.7]
        W2, b2 = [[-0.1, -2.2, -5.2], [2.4, -1.5, 3.7]], [0.0, 0.0, 1.0]
    else:
        x, target, lr = rng.integers(-10, 11, (1, 2)) * 0.1, rng.integers(0, 3), 0.5
        W1, b1 = rng.integers(-30, 31, (2, 2)) * 0.1, rng.integers(-20, 21, 2) * 0.1
        W2, b2 = rng.integers(-50, 51, (2, 3)) * 0.1, rng.integers(-10, 11, 3) * 0.1
    arrays = {"x": x, "t": np.eye(3)[[int(target)]], "W1": W1, "b1": b1, "W2": W2}
    arrays["b2"] = b2
    data = {k: np.array(v, dtype=float) for k, v in arrays.items()}
    data["lr"] = float(lr)
    return data


def ex4_step(x, t, W1, b1, W2, b2, lr):
    """Loss before the step and the parameters after one step, with mlplib."""
    params = {"0.W": W1, "0.b": b1, "1.W": W2, "1.b": b2}
    model = model_with([2, 2, 3], ["sigmoid", "softmax"], params)
    E = float(model.compute_gradients("categorical_cross_entropy", x, t))
    grads = model.gradients()
    new = {k: params[k] - lr * grads[k] for k in params}
    after = model_with([2, 2, 3], ["sigmoid", "softmax"], new)
    E_after = float(after.compute_gradients("categorical_cross_entropy", x, t))
    return E, E_after, grads, new


def ex4(data, E_before, W1_step, b1_step, W2_step, b2_step):
    E, E_after, grads, new = ex4_step(**data)
    lr = data["lr"]
    a = sigmoid(data["x"] @ data["W1"] + data["b1"])
    z = a @ data["W2"] + data["b2"]
    y = np.exp(z - z.max()) / np.exp(z - z.max()).sum()

    def diagnose_E(got, exp):
        if near(got, E_after):
            return "That is the loss after the step: E_before is taken before it."
        if near(got, exp / np.log(10)):
            return "Use the natural logarithm (np.log), not log10."
        if any(near(got, -np.log(y[0, k])) for k in range(3)):
            return "The loss is -log of the probability of the class where t is 1."
        return "E = -sum_k t_k log y_k with y = softmax(z) of the output layer."

    def diagnose_for(key, old):
        def diagnose(got, exp):
            if np.shape(got) == exp.T.shape != exp.shape:
                return "Transposed: keep the book's layout, (n_in, n_out)."
            if near(got, old + lr * grads[key]):
                return "Uphill: gradient descent subtracts lr times the gradient."
            if near(got, old):
                return "These are the parameters before the step: apply the update."
            no_derivative = data["x"].T @ ((y - data["t"]) @ data["W2"].T)
            if key == "0.W" and near(got, old - lr * no_derivative):
                return (
                    "The hidden layer's delta needs the sigmoid's derivative a (1 - a)."
                )
            return None

        return diagnose

    expect_hand("E_before", E_before, E, diagnose_E)
    answers = {
        "W1_step": (W1_step, "0.W", "W1"),
        "b1_step": (b1_step, "0.b", "b1"),
        "W2_step": (W2_step, "1.W", "W2"),
        "b2_step": (b2_step, "1.b", "b2"),
    }
    for name, (got, key, old) in answers.items():
        expect_hand(name, got, new[key], diagnose_for(key, data[old]))


# --- ch03-ex5: the backward pass of a sigmoid layer (code) ---


def ex5_cases(rng):
    N, n_in, n_out = (int(v) for v in rng.integers(2, 6, 3))
    if n_in == n_out:
        n_out += 1  # a transposed answer then has the wrong shape
    return {
        "X": rng.standard_normal((N, n_in)),
        "W": rng.standard_normal((n_in, n_out)),
        "b": rng.standard_normal(n_out),
        "dA": rng.standard_normal((N, n_out)),
    }


def ex5_reference(X, W, b, dA):
    layer = Dense(W.shape[0], W.shape[1], "sigmoid", dtype=np.float64)
    layer.W[...], layer.b[...] = W, b
    layer.forward(X)
    dX = layer.backward(dA)
    return layer.dW, layer.db, dX


def ex5_diagnose(got, expected, case):
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        return "Return a tuple (dW, db, dX)."
    X, W, b, dA = case["X"], case["W"], case["b"], case["dA"]
    dW, db = got[0], got[1]
    if np.shape(dW) == W.T.shape:
        return "dW must have W's shape (n_in, n_out): dW = X^T dZ."
    if near(dW, X.T @ dA):
        return "Turn dA into dZ = dA * A (1 - A) before the products."
    if near(dW, X.T @ (dA * (X @ W + b) * (1 - (X @ W + b)))):
        return (
            "The sigmoid's derivative is A (1 - A) with A = sigmoid(Z), not Z (1 - Z)."
        )
    A0 = sigmoid(X @ W)
    if near(dW, X.T @ (dA * A0 * (1 - A0))):
        return "Z = X W + b includes the bias."
    if np.shape(db) != np.shape(expected[1]):
        return "db sums dZ over the batch (axis 0): one entry per unit."
    if near(dW, expected[0]) and near(db, expected[1]):
        return "dW and db are right: dX = dZ W^T."
    if near(dW, expected[0]) and not near(db, expected[1]):
        return "db is the column sum of dZ (over the rows)."
    return None


# --- ch03-ex6: the softmax and cross-entropy gradient, safely (code) ------------------


def ex6_cases(rng):
    N, m = int(rng.integers(2, 6)), int(rng.integers(3, 6))
    scale = float(rng.choice([1.0, 1000.0]))
    return {
        "Z": rng.standard_normal((N, m)) * scale,
        "T": np.eye(m)[rng.integers(0, m, N)],
    }


def ex6_reference(Z, T):
    return losses.softmax_cross_entropy_gradient(Z, T)


def ex6_diagnose(got, expected, case):
    Z, T = case["Z"], case["T"]
    got_arr = np.asarray(got, dtype=float)
    if not np.all(np.isfinite(got_arr)):
        return "exp overflowed: subtract each row's maximum before exponentiating."
    if near(got_arr, -expected):
        return "Sign: the gradient is (Y - T) / N, not (T - Y) / N."
    if near(got_arr, expected * Z.shape[0]):
        return "Divide by the batch size N: E is the mean over the examples."
    E_exp = np.exp(Z - Z.max(axis=0, keepdims=True))
    if near(got_arr, (E_exp / E_exp.sum(axis=0, keepdims=True) - T) / Z.shape[0]):
        return "softmax normalises each row (axis=1), not each column."
    return None


EXERCISES = [
    Value(
        "ch03-ex1",
        check=ex1,
        data=ex1_data,
        title="The gradients of one sigmoid neuron",
        difficulty="warm-up",
        minutes=10,
        points=1,
    ),
    Value(
        "ch03-ex2",
        check=ex2,
        data=ex2_data,
        title="Four gates by hand",
        difficulty="warm-up",
        minutes=15,
        points=1,
    ),
    Value(
        "ch03-ex3",
        check=ex3,
        data=ex3_data,
        title="A backward pass on a batch",
        difficulty="core",
        minutes=30,
        points=2,
    ),
    Value(
        "ch03-ex4",
        check=ex4,
        data=ex4_data,
        title="One training step of a softmax network",
        difficulty="core",
        minutes=30,
        points=2,
    ),
    Code(
        "ch03-ex5",
        name="sigmoid_layer_backward",
        cases=ex5_cases,
        reference=ex5_reference,
        diagnose=ex5_diagnose,
        n_cases=4,
        title="The backward pass of a sigmoid layer",
        difficulty="core",
        minutes=20,
        points=3,
    ),
    Code(
        "ch03-ex6",
        name="softmax_ce_gradient",
        cases=ex6_cases,
        reference=ex6_reference,
        diagnose=ex6_diagnose,
        n_cases=6,
        title="The softmax and cross-entropy gradient, safely",
        difficulty="stretch",
        minutes=20,
        points=3,
    ),
    Written(
        "ch03-ex7",
        title="What reverse mode costs",
        rubric=(
            "(1) Forward mode needs one pass per parameter, 10^6 passes (each a bit "
            "more than a forward pass); reverse mode needs one forward and one "
            "backward pass, a small constant (2-3x) times the forward cost, "
            "independent of n; so reverse mode is cheaper by a factor of order n "
            "(on the 2-2-2 example the operation counts already differ by n/2 = 5). "
            "(2) It stores every intermediate value the backward pass needs (each "
            "layer's input A and its Z or A for f'), because the backward pass runs in "
            "reverse order; memory grows linearly with batch size and with depth "
            "(checkpointing trades recomputation for memory). (3) Few inputs and many "
            "outputs, e.g. the derivative of all outputs with respect to one input or "
            "hyperparameter, or a Jacobian-vector product: one forward-mode pass gives "
            "a whole Jacobian column and needs no stored graph. Full marks: all three "
            "parts with the reason."
        ),
        difficulty="stretch",
        minutes=20,
        points=2,
    ),
]

__all__ = ["EXERCISES", "Feedback"]

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
