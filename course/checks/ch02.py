"""Exercises of the forward-propagation chapter: inputs, references, mistake tables.

References are computed with mlplib (dense_forward, Sequential) from each exercise's
own inputs; each named mistake is the same computation with one thing changed. The only
typed-in numbers are the worked example's weights, the book's inputs of ch02-ex1.
"""

import numpy as np

from course.checks import Code, Feedback, Value, Written
from course.checks.kit import Mistakes, code_diagnosis, returns, rule
from mlplib import Sequential, activations
from mlplib.activations import Softmax
from mlplib.layers import dense_forward

# The worked 2-3-2-1 example as PyTorch printed it: weight (n_out, n_in), bias (n_out,)
WORKED = {
    "weight_0": [[0.4727, -0.5188], [-0.5681, -0.6032], [-0.0252, -0.3011]],
    "bias_0": [-0.6986, -0.6602, -0.4860],
    "weight_1": [[-0.5549, 0.2550, 0.4584], [0.2930, 0.0849, -0.3146]],
    "bias_1": [0.1677, 0.0736],
    "weight_2": [[0.4106, -0.3618]],
    "bias_2": [-0.2270],
}
SHAPES = {"weight_0": (3, 2), "weight_1": (2, 3), "weight_2": (1, 2)}


# --- ch02-ex1: the worked network on a new input, by hand -----------------------------


def ex1_data(rng):
    if rng is None:
        data = {k: np.array(v) for k, v in WORKED.items()}
        data["x"] = np.array([3.0, -1.0])
        return data
    data = {}
    for k, (n_out, n_in) in SHAPES.items():
        data[k] = np.round(rng.uniform(-0.7, 0.7, (n_out, n_in)), 4)
        data[k.replace("weight", "bias")] = np.round(rng.uniform(-0.7, 0.7, n_out), 4)
    data = {k: data[k] for k in WORKED}  # the same order as the book's inputs
    data["x"] = rng.integers(-3, 4, 2) * 1.0
    return data


def ex1_mistake(d, mistake=None):
    """The worked network's pre-activations (linear layers, mlplib's dense_forward),
    or with the bias of one layer left out or subtracted."""
    identity = activations.get(None)
    A, out = np.asarray(d["x"], dtype=float), {}
    for k, name in enumerate(("z1", "z2", "y")):
        W, b = np.asarray(d[f"weight_{k}"]).T, np.asarray(d[f"bias_{k}"])
        Z = dense_forward(A, W, b, identity)[0]
        wrong = {f"no bias in {name}": A @ W, f"bias subtracted in {name}": A @ W - b}
        out[name] = wrong.get(mistake, Z)
        A = Z  # the next layer gets the right input: one mistake at a time
    out["y"] = float(out["y"][0])
    return out


BIAS = {f"no bias in {n}": "The bias is missing." for n in ("z1", "z2", "y")}
BIAS |= {
    f"bias subtracted in {n}": "The bias is added, not subtracted."
    for n in ("z1", "z2", "y")
}
EX1 = Mistakes(ex1_mistake, BIAS)
ROWS = "Row j of a PyTorch weight holds the weights into neuron j."
EX1_GENERAL = {
    "z1": ROWS,
    "z2": "Use your z1 as the input of the second layer. " + ROWS,
    "y": "y = z6 w6y + z7 w7y + by, from your z2.",
}


# --- ch02-ex2: shapes and parameters --------------------------------------------------


def ex2_data(rng):
    if rng is None:
        return {"sizes": [784, 64, 64, 10], "N": 32}
    hidden = [int(n) for n in rng.choice([16, 32, 64, 128], int(rng.integers(2, 4)))]
    sizes = [int(rng.choice([64, 100, 784]))] + hidden + [int(rng.choice([2, 10]))]
    return {"sizes": sizes, "N": int(rng.choice([8, 16, 32, 64]))}


def ex2_mistake(d, mistake=None):
    sizes, N = d["sizes"], d["N"]
    pairs = list(zip(sizes[:-1], sizes[1:]))
    weights, biases = sum(i * o for i, o in pairs), sum(o for _, o in pairs)
    wrong = {
        "weights only": {"n_params": weights},
        "bias per example": {"n_params": weights + N * biases},
        "input bias": {"n_params": weights + biases + sizes[0]},
        "PyTorch layout": {"shape_W2": (sizes[2], sizes[1])},
        "Z transposed": {"shape_Z2": (sizes[2], N)},
    }
    right = {
        "n_params": Sequential.from_sizes(sizes, None).n_params,
        "shape_W2": (sizes[1], sizes[2]),
        "shape_Z2": (N, sizes[2]),
    }
    return right | wrong.get(mistake, {})


EX2 = Mistakes(
    ex2_mistake,
    {
        "weights only": "Count the biases too: n_l per layer.",
        "bias per example": "The bias is one vector per layer, shared by the whole "
        "batch.",
        "input bias": "The input layer has no bias.",
        "PyTorch layout": "That is PyTorch's layout; W is n_in x n_out.",
        "Z transposed": "Z has one row per example.",
    },
)
EXACT2 = ("n_params", "shape_W2", "shape_Z2")  # counts and shapes: exact
EX2_GENERAL = {
    "n_params": "Layer l has an n_{l-1} x n_l weight matrix and n_l biases.",
    "shape_W2": "Write the shape as (rows, columns).",
    "shape_Z2": "Write the shape as (rows, columns).",
}


# --- ch02-ex3: a batched dense layer, in code -----------------------------------------


def ex3_cases(rng):
    N, n_in, n_out = (int(v) for v in rng.integers(1, 6, 3) + 1)
    return {
        "X": rng.normal(size=(N, n_in)),
        "W": rng.normal(size=(n_in, n_out)),
        "b": rng.normal(size=n_out),
        "activation": str(rng.choice(["relu", "sigmoid", "tanh"])),
    }


def dense_layer(X, W, b, activation, mistake=None):
    """mlplib's dense_forward, or with one mistake: (Z, A)."""
    f = activations.get(activation)
    if mistake == "no bias":
        return {0: X @ W}
    if mistake == "W transposed" and W.shape[0] == W.shape[1]:
        return {0: X @ W.T + b}
    if mistake == "bias on rows" and X.shape[0] == W.shape[1]:
        return {0: X @ W + b[:, None]}
    Z, A = dense_forward(X, W, b, f)
    if mistake == "no activation":
        return Z, Z
    if mistake in ("relu", "sigmoid", "tanh"):
        return Z, activations.get(mistake)(Z)
    return (Z, A) if mistake is None else None


EX3 = Mistakes.calling(
    dense_layer,
    {
        "no bias": "Z is missing the bias.",
        "W transposed": "Z uses W transposed: W is (n_in, n_out), so Z = X @ W + b.",
        "bias on rows": "The bias is added along the wrong axis: it belongs to the "
        "columns.",
        "no activation": "A equals Z: apply the activation.",
        "relu": "A applies relu, not the activation asked for.",
        "sigmoid": "A applies sigmoid, not the activation asked for.",
        "tanh": "A applies tanh, not the activation asked for.",
    },
)


EX3_GENERAL = {1: "Z is right; check the activation."}


# --- ch02-ex4: a whole network, in code -----------------------------------------------


def ex4_cases(rng):
    L = int(rng.integers(2, 4))
    sizes = [int(n) for n in rng.integers(2, 7, L + 1)]
    hidden = ["identity", "relu", "sigmoid", "tanh"]
    acts = [str(a) for a in rng.choice(hidden, L - 1)] + ["softmax"]
    params = {}
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        params[f"{k}.W"] = rng.normal(size=(n_in, n_out))
        params[f"{k}.b"] = rng.normal(size=n_out)
    params[f"{L - 1}.b"] = params[f"{L - 1}.b"] + 1000.0  # logits near 1000
    return {"X": rng.normal(size=(5, sizes[0])), "params": params, "activations": acts}


def ex4_model(X, params, activations):
    sizes = [X.shape[1]] + [params[f"{k}.b"].shape[0] for k in range(len(activations))]
    model = Sequential.from_sizes(sizes, list(activations), dtype=np.float64)
    model.set_parameters(params)
    return model


def mlp_forward(X, params, activations, mistake=None):
    """mlplib's forward pass, or with one mistake."""
    if mistake == "no biases":
        params = {k: v if k.endswith(".W") else 0 * v for k, v in params.items()}
    model = ex4_model(X, params, activations)
    Y = model.forward(X)
    if mistake == "softmax by columns":
        Z = model.layers[-1].Z  # the output layer's logits
        return Softmax().f(Z.T).T
    return Y


EX4 = Mistakes.calling(
    mlp_forward,
    {
        "softmax by columns": "The softmax normalises each row (one example), not each "
        "column.",
        "no biases": "The biases are missing.",
    },
)


def ex4_shape(got, expected, case):
    got = np.asarray(got, dtype=float)
    if got.shape != expected.shape:
        return "The output has one row per example and one column per output unit."
    if not np.all(np.isfinite(got)):
        return "exp overflowed: subtract each row's maximum before the softmax."
    return None


EX4_GENERAL = "Apply Z = A W + b and then layer k's activation, for k = 0, 1, ..."


# --- ch02-ex5: XOR with sigmoids ------------------------------------------------------


def ex5(data, W1, b1, W2, b2):
    shapes = {
        "W1": (W1, (2, 2)),
        "b1": (b1, (2,)),
        "W2": (W2, (2, 1)),
        "b2": (b2, (1,)),
    }
    arrays = {}
    for name, (value, shape) in shapes.items():
        arr = np.asarray(value, dtype=float)
        if arr.shape != shape:
            raise Feedback(f"{name} has shape {arr.shape}; it should be {shape}.")
        arrays[name] = arr
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    T = np.array([0.0, 1.0, 1.0, 0.0])
    H = activations.sigmoid(X @ arrays["W1"] + arrays["b1"])
    Y = activations.sigmoid(H @ arrays["W2"] + arrays["b2"]).ravel()
    far = [f"({x[0]:g}, {x[1]:g})" for x, y, t in zip(X, Y, T) if abs(y - t) >= 0.01]
    if far:
        raise Feedback(
            f"The output is 0.01 or more away from XOR at x = {', '.join(far)}.",
            hint="Start from hard-limit weights that compute XOR and scale every "
            "weight and bias by the same large factor: sigmoid(k z) approaches the "
            "step.",
        )


EXERCISES = [
    Value(
        "ch02-ex1",
        check=rule(ex1_mistake, EX1, EX1_GENERAL, scalar=("y",)),
        version=2,
        data=ex1_data,
        title="The 2-3-2-1 network by hand",
        difficulty="warm-up",
        minutes=15,
        points=1,
    ),
    Value(
        "ch02-ex2",
        check=rule(ex2_mistake, EX2, EX2_GENERAL, exact=EXACT2),
        version=2,
        data=ex2_data,
        title="Shapes and parameter count",
        difficulty="warm-up",
        minutes=10,
        points=1,
    ),
    Code(
        "ch02-ex3",
        name="dense_forward",
        pure=True,
        forbids=("mlplib.layers.dense_forward", "mlplib.layers.Dense", "mlplib.Dense"),
        cases=ex3_cases,
        reference=dense_layer,
        diagnose=code_diagnosis(EX3, returns("Z", "A"), EX3_GENERAL),
        version=2,
        n_cases=5,
        title="A batched dense layer",
        difficulty="core",
        minutes=15,
        points=2,
    ),
    Code(
        "ch02-ex4",
        name="mlp_forward",
        pure=True,
        forbids=(
            "mlplib.Sequential",
            "mlplib.model.Sequential",
            "mlplib.layers.dense_forward",
            "mlplib.activations.Softmax",
        ),
        cases=ex4_cases,
        reference=mlp_forward,
        diagnose=code_diagnosis(EX4, ex4_shape, EX4_GENERAL),
        version=2,
        n_cases=4,
        title="A whole forward pass, with a stable softmax",
        difficulty="core",
        minutes=25,
        points=3,
    ),
    Value(
        "ch02-ex5",
        check=ex5,
        title="XOR with sigmoids",
        difficulty="core",
        minutes=15,
        points=2,
    ),
    Written(
        "ch02-ex6",
        title="Convex regions and what a second layer adds",
        rubric=(
            "(a) Each hidden hard-limit unit is 1 on a closed or open half-plane, "
            "which is convex; an AND output is 1 exactly on the intersection of the "
            "half-planes of the units it needs, and an intersection of convex sets is"
            " convex (two points in it lie in every half-plane, so does the segment "
            "between them). (b) The L-shaped region [0, 2] x [0, 1] union [0, 1] x "
            "[0, 2] is not convex: (2, 0.5) and (0.5, 2) lie in it, their midpoint "
            "(1.25, 1.25) does not, so no network of kind (a) computes it. (c) A two-"
            "hidden-layer network: first layer the half-planes of the two rectangles "
            "(8, or fewer when edges are shared), second layer two AND units (one per"
            " rectangle, weights 1 and bias minus (count - 0.5)), output OR (weights "
            "1, bias -0.5); weights given or described precisely. Full marks: the "
            "convexity argument, a valid non-convexity witness, a working "
            "construction."
        ),
        difficulty="stretch",
        minutes=30,
        points=3,
    ),
]

# The instructor guide's planning data for this chapter (tools/planning.py).
PLANNING = {
    "objectives": [
        "write a dense layer as Z = A W + b, A = f(Z), with the shapes of a batch",
        "compute the forward pass of a small network by hand and check it "
        "against mlplib, PyTorch and Keras",
        "show that a network without non-linear activations collapses to one "
        "affine map",
        "explain with decision regions what a second hidden layer adds",
        "count a network's parameters",
    ],
    "prerequisites": [
        "matrix products and their shapes",
        "the neuron and activations of the perceptron chapter",
    ],
    "lecture_minutes": 90,
    "lab_minutes": 90,
}
