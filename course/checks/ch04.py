"""Exercises of the optimizers chapter: inputs, references, mistake tables.

The references and the mistakes of exercises 2-5 are the momentum and Adam rules of
:mod:`course.checks.optimizers`, built on mlplib's optimizers.
"""

import numpy as np

from course.checks import Code, Value, Written
from course.checks.kit import Mistakes, code_diagnosis, returns, rule
from course.checks.optimizers import ADAM, MOMENTUM, adam, momentum


def ex2_mistake(d, mistake=None):
    grads = [d["g1"], d["g2"]]
    out = momentum(d["theta0"], grads, np.zeros(2), d["lr"], d["mu"], mistake)
    names = ("theta_after", "v_after")
    return {
        names[k]: v
        for k, v in (out.items() if isinstance(out, dict) else enumerate(out))
    }


# --- ch04-ex1: the largest stable learning rate ---


def ex1_data(rng):
    if rng is None:
        return {"c": [0.5, 8.0]}
    return {"c": [float(rng.choice([0.25, 0.5, 1.0])), float(rng.integers(4, 21))]}


def ex1_answer(d):
    return {"lr_max": 2 / max(d["c"])}


def ex1_mistake(d, name):
    c, c_max, c_min = d["c"], max(d["c"]), min(d["c"])
    lr = {
        "factor 0": 1 / c_max,
        "flat": 2 / c_min,
        "both": 1 / c_min,
        "best rate": 2 / sum(c),
    }[name]
    return {"lr_max": lr}


EX1 = Mistakes(
    ex1_mistake,
    {
        "factor 0": "At that rate the steep factor 1 - lr c_max is 0, the fastest "
        "decay; divergence starts where the factor passes -1.",
        "flat": "That is the limit of the flat direction; the steep one diverges "
        "first.",
        "both": "Use the steepest curvature, and the factor -1, not 0.",
        "best rate": "That is the best constant rate, which makes both factors "
        "equal in size; the question asks where divergence starts.",
    },
)
EX1_GENERAL = {
    "lr_max": "Each step multiplies theta_i by 1 - lr c_i: find the rate "
    "at which one factor leaves [-1, 1]."
}


# --- ch04-ex2: two momentum steps ---


def ex2_data(rng):
    if rng is None:
        return dict(theta0=[0.5, -1.0], g1=[0.2, -0.4], g2=[0.1, 0.3], lr=0.1, mu=0.9)
    theta0, g1, g2 = (rng.integers(-9, 10, 2) / 10 for _ in range(3))
    lr, mu = float(rng.choice([0.05, 0.1, 0.2])), float(rng.choice([0.8, 0.9]))
    return dict(theta0=list(theta0), g1=list(g1), g2=list(g2), lr=lr, mu=mu)


EX2_GENERAL = {
    "v_after": "Apply v_t = mu v_(t-1) - lr g_t twice from v_0 = 0.",
    "theta_after": "Add each step's velocity: theta_t = theta_(t-1) + v_t.",
}


# --- ch04-ex3: three Adam steps ---


def ex3_data(rng):
    grads, theta0 = [0.002, -0.001, 0.003], 0.5
    if rng is not None:
        grads = [float(x) or 0.004 for x in rng.integers(-5, 6, 3) / 1000]
        theta0 = float(rng.integers(1, 10) / 10)
    hyper = dict(lr=0.01, beta_1=0.9, beta_2=0.999, eps=0.001)
    return dict(theta0=theta0, grads=grads, **hyper)


def ex3_mistake(d, mistake=None):
    hyper = {k: d[k] for k in ("lr", "beta_1", "beta_2", "eps")}
    grads = [[g] for g in d["grads"]]
    w, _, _, m_hat, s_hat = adam(
        [d["theta0"]], grads, [0.0], [0.0], 0, **hyper, mistake=mistake
    )
    return {"m_hat": m_hat[0], "s_hat": s_hat[0], "theta_adam": w[0]}


EX3 = {k: v for k, v in ADAM.items() if k != "t - 1"}  # from t = 0: division by 0
EX3_GENERAL = {
    "m_hat": "m_t = beta_1 m_(t-1) + (1 - beta_1) g_t from m_0 = 0, then "
    "m_hat = m_3 / (1 - beta_1^3).",
    "s_hat": "s_t = beta_2 s_(t-1) + (1 - beta_2) g_t^2 from s_0 = 0, then "
    "s_hat = s_3 / (1 - beta_2^3).",
    "theta_adam": "Each step subtracts lr m_hat_t / (sqrt(s_hat_t) + eps), with that "
    "step's corrected moments.",
}


# --- ch04-ex4: momentum as a pure function ---


def ex4_cases(rng):
    shape = tuple(int(n) for n in rng.integers(2, 6, size=int(rng.integers(1, 3))))
    return {
        "theta": rng.normal(size=shape),
        "g": rng.normal(size=shape),
        "v": rng.normal(scale=0.1, size=shape),
        "lr": float(rng.uniform(0.01, 0.5)),
        "mu": float(rng.uniform(0.5, 0.99)),
    }


def momentum_step(theta, g, v, lr, mu, mistake=None):
    return momentum(theta, [g], v, lr, mu, mistake)


# --- ch04-ex5: Adam's step as a pure function ---


def ex5_cases(rng):
    shape = tuple(int(n) for n in rng.integers(2, 6, size=int(rng.integers(1, 3))))
    return {
        "theta": rng.normal(size=shape),
        "g": rng.normal(size=shape),
        "m": rng.normal(scale=0.3, size=shape),
        "s": rng.uniform(0.01, 1.0, shape),
        "t": int(rng.integers(1, 30)),
        "lr": float(rng.uniform(1e-3, 0.1)),
        "beta_1": float(rng.uniform(0.8, 0.95)),
        "beta_2": float(rng.uniform(0.99, 0.9999)),
        "eps": float(10 ** rng.uniform(-3, -1)),
    }


def adam_step(theta, g, m, s, t, lr, beta_1, beta_2, eps, mistake=None):
    """Step ``t`` of Adam (mlplib's) from the moments of step t - 1."""
    hyper = {"lr": lr, "beta_1": beta_1, "beta_2": beta_2, "eps": eps}
    w, m_new, s_new, m_hat, s_hat = adam(
        theta, [g], m, s, t - 1, **hyper, mistake=mistake
    )
    return (w, m_hat, s_hat) if mistake == "moments corrected" else (w, m_new, s_new)


EX5 = ADAM | {
    "moments corrected": "Return the moments m, s themselves; only the "
    "step uses m_hat and s_hat."
}

EX6_RUBRIC = (
    "Full marks: (1) for gradient descent the L2 gradient g + lambda theta gives "
    "exactly the decay (1 - lr lambda) theta; (2) Adam divides the L2 term by "
    "sqrt(s_hat) + eps, so weights with large gradients are hardly decayed and weights "
    "with small gradients are decayed by about lr per step whatever lambda is; (3) "
    "AdamW applies (1 - lr lambda) theta outside the division, the same factor for "
    "every weight; (4) two reasons for leaving biases out: a bias multiplies no input, "
    "so decaying it does not make the function smoother (it only moves a threshold, "
    "which can hurt), and there are few biases, so they add little capacity to "
    "overfit. One point each for (1)-(2), (3), (4)."
)


EXERCISES = [
    Value(
        "ch04-ex1",
        check=rule(ex1_answer, EX1, EX1_GENERAL),
        data=ex1_data,
        title="The largest stable learning rate",
        difficulty="warm-up",
        minutes=10,
        points=1,
        version=3,
    ),
    Value(
        "ch04-ex2",
        data=ex2_data,
        title="Two momentum steps by hand",
        check=rule(ex2_mistake, Mistakes(ex2_mistake, MOMENTUM), EX2_GENERAL),
        difficulty="warm-up",
        minutes=15,
        points=1,
        version=2,
    ),
    Value(
        "ch04-ex3",
        data=ex3_data,
        title="Three Adam steps, and where epsilon goes",
        check=rule(ex3_mistake, Mistakes(ex3_mistake, EX3), EX3_GENERAL),
        minutes=25,
        points=2,
        version=2,
    ),
    Code(
        "ch04-ex4",
        name="momentum_step",
        pure=True,
        forbids=("mlplib.optim.SGD",),
        cases=ex4_cases,
        reference=momentum_step,
        diagnose=code_diagnosis(
            Mistakes.calling(momentum_step, MOMENTUM), returns("theta_new", "v_new")
        ),
        title="Momentum as a pure function",
        minutes=15,
        points=2,
        version=2,
    ),
    Code(
        "ch04-ex5",
        name="adam_step",
        pure=True,
        forbids=("mlplib.optim.Adam",),
        cases=ex5_cases,
        reference=adam_step,
        diagnose=code_diagnosis(
            Mistakes.calling(adam_step, EX5), returns("theta_new", "m_new", "s_new")
        ),
        title="Adam's step as a pure function",
        difficulty="stretch",
        minutes=25,
        points=3,
        version=2,
    ),
    Written(
        "ch04-ex6",
        title="Weight decay in Adam",
        rubric=EX6_RUBRIC,
        difficulty="stretch",
        minutes=15,
        points=3,
    ),
]

# The instructor guide's planning data for this chapter (tools/planning.py).
PLANNING = {
    "objectives": [
        "relate the stable learning rate to the curvature of the loss",
        "write momentum, Nesterov, AdaGrad, RMSprop, Adam, Nadam and AdamW as "
        "update rules",
        "derive Adam's bias correction and explain decoupled weight decay",
        "compare full-batch, stochastic and mini-batch gradient descent",
        "map each update rule onto PyTorch's and Keras's implementations",
    ],
    "prerequisites": ["gradients of a loss (backpropagation chapter)"],
    "lecture_minutes": 120,
    "lab_minutes": 90,
}
