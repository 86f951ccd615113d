"""Checks for the optimizer exercises. Expected values come from mlplib's optimizers.

Every diagnosis re-runs the rule with one typical mistake (a sign, a missing bias
correction, beta_1 and beta_2 swapped, epsilon inside the root, ...) and names the
mistake whose result matches the answer; no message contains an expected value.
"""

import numpy as np

from course.checks import Code, Value, Written, expect_hand
from mlplib import optim


def close(got, candidate):
    """True when ``got`` equals ``candidate`` to four significant figures."""
    try:
        got = np.asarray(got, dtype=float)
        candidate = np.asarray(candidate, dtype=float)
    except (TypeError, ValueError):
        return False
    if got.shape != candidate.shape:
        return False
    return bool(np.allclose(got, candidate, rtol=5e-4, atol=1e-12))


def first_match(got, candidates):
    """The message of the first ``(value, message)`` candidate that ``got`` matches."""
    for value, message in candidates:
        if close(got, value):
            return message
    return None


# ---- ch04-ex1: the largest stable learning rate
def ex1_data(rng):
    if rng is None:
        return {"h": [0.5, 8.0]}
    return {"h": [float(rng.choice([0.25, 0.5, 1.0])), float(rng.integers(4, 21))]}


def gd_diverges(h, lr, steps=400):
    """Whether gradient descent at rate ``lr`` moves away from the minimum."""
    theta = np.ones(2)
    opt = optim.GradientDescent({"theta": theta}, lr=lr)
    for _ in range(steps):
        opt.step({"theta": np.asarray(h) * theta})
    return bool(np.abs(theta).max() > 1.0)


def ex1(data, lr_max):
    h = np.asarray(data["h"], dtype=float)
    expected = 2 / h.max()
    # the limit found by running mlplib: converges just below it, diverges just above
    assert not gd_diverges(h, 0.99 * expected) and gd_diverges(h, 1.01 * expected)

    def diagnose(got, _):
        return first_match(
            got,
            [
                (
                    1 / h.max(),
                    "At that rate the steep factor 1 - lr h is 0, the fastest "
                    "decay; divergence starts where the factor passes -1.",
                ),
                (
                    2 / h.min(),
                    "That is the limit of the flat direction; the steep one "
                    "diverges first.",
                ),
                (1 / h.min(), "Use the steepest curvature, and the factor -1, not 0."),
                (
                    2 / h.sum(),
                    "That is the best constant rate, which makes both factors "
                    "equal in size; the question asks where divergence starts.",
                ),
            ],
        )

    expect_hand("lr_max", lr_max, expected, diagnose=diagnose)


# ---- ch04-ex2: two momentum steps
def ex2_data(rng):
    if rng is None:
        return {
            "theta0": [0.5, -1.0],
            "g1": [0.2, -0.4],
            "g2": [0.1, 0.3],
            "lr": 0.1,
            "mu": 0.9,
        }

    def vec():
        return [float(x) for x in rng.integers(-9, 10, 2) / 10]

    return {
        "theta0": vec(),
        "g1": vec(),
        "g2": vec(),
        "lr": float(rng.choice([0.05, 0.1, 0.2])),
        "mu": float(rng.choice([0.8, 0.9])),
    }


def momentum_with(data, sign=1.0, mu=None, lr_in_v=True, nesterov=False):
    """Two momentum steps, with an optional mistake; returns (theta, v)."""
    mu = data["mu"] if mu is None else mu
    theta, v = np.array(data["theta0"], dtype=float), np.zeros(2)
    for g in (np.array(data["g1"]), np.array(data["g2"])):
        v = mu * v - (data["lr"] * g if lr_in_v else -g)
        step = mu * v - data["lr"] * g if nesterov else v
        theta = theta + sign * (step if lr_in_v else -data["lr"] * v)
    return theta, v


def ex2(data, theta_after, v_after):
    theta_exp, v_exp = momentum_reference(
        theta=np.array(data["theta0"]) - 0.0,
        g=None,
        v=None,
        lr=data["lr"],
        mu=data["mu"],
        grads=[np.array(data["g1"]), np.array(data["g2"])],
    )

    def diagnose_v(got, _):
        return first_match(
            got,
            [
                (
                    momentum_with(data, mu=0.0)[1],
                    "The old velocity is missing: "
                    "v_t = mu v_(t-1) - lr g_t keeps mu times the previous velocity.",
                ),
                (
                    momentum_with(data, lr_in_v=False)[1],
                    "That is a buffer of summed "
                    "gradients (mu b + g); the velocity here includes the learning "
                    "rate and "
                    "its minus sign.",
                ),
                (
                    -momentum_with(data)[1],
                    "Check the sign: the velocity points downhill, v = mu v - lr g.",
                ),
            ],
        )

    def diagnose_theta(got, _):
        return first_match(
            got,
            [
                (
                    momentum_with(data, sign=-1.0)[0],
                    "Check the sign: v already holds "
                    "-lr g, so the parameters move by +v.",
                ),
                (
                    momentum_with(data, mu=0.0)[0],
                    "That is plain gradient descent: the "
                    "velocity keeps mu times the previous one.",
                ),
                (
                    momentum_with(data, nesterov=True)[0],
                    "That is Nesterov's update; this "
                    "exercise asks for classical momentum, "
                    "theta_t = theta_(t-1) + v_t.",
                ),
            ],
        )

    expect_hand("v_after", v_after, v_exp, diagnose=diagnose_v)
    expect_hand("theta_after", theta_after, theta_exp, diagnose=diagnose_theta)


# ---- ch04-ex3: three Adam steps
def ex3_data(rng):
    if rng is None:
        return {
            "theta0": 0.5,
            "grads": [0.002, -0.001, 0.003],
            "lr": 0.01,
            "beta_1": 0.9,
            "beta_2": 0.999,
            "eps": 0.001,
        }
    grads = [float(x) for x in rng.integers(-5, 6, 3) / 1000]
    grads = [g if g != 0 else 0.004 for g in grads]
    return {
        "theta0": float(rng.integers(1, 10) / 10),
        "grads": grads,
        "lr": 0.01,
        "beta_1": 0.9,
        "beta_2": 0.999,
        "eps": 0.001,
    }


def adam_by_hand(data, correct=True, swap=False, eps_inside=False, sign=1.0, t0=1):
    """Adam's three steps with an optional mistake; returns (m_hat, s_hat, theta)."""
    b1, b2 = (
        (data["beta_2"], data["beta_1"]) if swap else (data["beta_1"], data["beta_2"])
    )
    lr, eps = data["lr"], data["eps"]
    theta, m, s = data["theta0"], 0.0, 0.0
    for t, g in enumerate(data["grads"], start=t0):
        m, s = b1 * m + (1 - b1) * g, b2 * s + (1 - b2) * g * g
        m_hat, s_hat = (m / (1 - b1**t), s / (1 - b2**t)) if correct else (m, s)
        denom = np.sqrt(s_hat + eps) if eps_inside else np.sqrt(s_hat) + eps
        theta = theta - sign * lr * m_hat / denom
    return m_hat, s_hat, theta


def adam_reference(data):
    theta = np.array([data["theta0"]], dtype=float)
    opt = optim.Adam(
        {"theta": theta},
        lr=data["lr"],
        beta_1=data["beta_1"],
        beta_2=data["beta_2"],
        eps=data["eps"],
    )
    for g in data["grads"]:
        opt.step({"theta": np.array([g])})
    return float(theta[0])


def ex3(data, m_hat, s_hat, theta_adam):
    expected = adam_by_hand(data)
    assert abs(expected[2] - adam_reference(data)) < 1e-12  # the rule is mlplib's
    mistakes = [
        (
            adam_by_hand(data, correct=False),
            "The bias corrections are missing: divide "
            "m by 1 - beta_1^t and s by 1 - beta_2^t.",
        ),
        (
            adam_by_hand(data, swap=True),
            "beta_1 and beta_2 are swapped: beta_1 "
            "averages the gradients, beta_2 their squares.",
        ),
        (adam_by_hand(data, t0=2), "The step counter is 1 on the first step, not 2."),
        (
            adam_by_hand(data, eps_inside=True),
            "epsilon goes outside the root, sqrt(s_hat) + eps, not sqrt(s_hat + eps).",
        ),
        (adam_by_hand(data, sign=-1.0), "Check the sign: Adam steps against m_hat."),
    ]

    def diagnose(index):
        def run(got, _):
            return first_match(got, [(value[index], msg) for value, msg in mistakes])

        return run

    expect_hand("m_hat", m_hat, expected[0], diagnose=diagnose(0))
    expect_hand("s_hat", s_hat, expected[1], diagnose=diagnose(1))
    expect_hand("theta_adam", theta_adam, expected[2], diagnose=diagnose(2))


# ---- ch04-ex4: momentum as a pure function
def ex4_cases(rng):
    shape = tuple(int(n) for n in rng.integers(2, 6, size=int(rng.integers(1, 3))))
    return {
        "theta": rng.normal(size=shape),
        "g": rng.normal(size=shape),
        "v": rng.normal(scale=0.1, size=shape),
        "lr": float(rng.uniform(0.01, 0.5)),
        "mu": float(rng.uniform(0.5, 0.99)),
    }


def momentum_reference(theta, g, v, lr, mu, grads=None):
    """mlplib's SGD from ``theta`` with velocity ``v``, after the gradient(s).

    The velocity is set through the public API: from rest, one step with the gradient
    -v / lr gives the velocity v and leaves the parameters at ``theta``. With ``grads``
    (a list), the steps start from rest at ``theta`` instead.
    """
    theta = np.array(theta, dtype=float)
    if grads is None:
        w = theta - v
        opt = optim.SGD({"w": w}, lr=lr, momentum=mu)
        opt.step({"w": -np.asarray(v) / lr})
        grads = [g]
    else:
        w = theta.copy()
        opt = optim.SGD({"w": w}, lr=lr, momentum=mu)
    for grad in grads:
        before = w.copy()
        opt.step({"w": np.asarray(grad, dtype=float)})
    return w.copy(), w - before


def ex4_diagnose(got, expected, case):
    theta, g, v, lr, mu = (case[k] for k in ("theta", "g", "v", "lr", "mu"))
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return "Return the pair (theta_new, v_new)."
    v_new = mu * v - lr * g
    return first_match(
        got[0],
        [
            (
                theta - v_new,
                "Check the sign: v_new already holds -lr g, so theta + v_new.",
            ),
            (theta + v, "theta moves by the new velocity, not the old one."),
            (
                theta + mu * v_new - lr * g,
                "That is Nesterov's update; classical momentum adds v_new.",
            ),
            (theta - lr * g, "The velocity is missing: v_new = mu v - lr g."),
            (
                theta - lr * (mu * v + g),
                "The velocity here includes the learning rate: "
                "v_new = mu v - lr g, theta_new = theta + v_new.",
            ),
        ],
    ) or first_match(
        got[1],
        [
            (
                mu * v + g,
                "v_new should include the learning rate and the minus sign: "
                "mu v - lr g.",
            ),
            (-v_new, "Check the sign of v_new: mu v - lr g."),
        ],
    )


# ---- ch04-ex5: Adam's step as a pure function
def ex5_cases(rng):
    shape = tuple(int(n) for n in rng.integers(2, 6, size=int(rng.integers(1, 3))))
    return {
        "theta": rng.normal(size=shape),
        "g": rng.normal(size=shape),
        "m": rng.normal(scale=0.3, size=shape),
        "s": rng.uniform(0.01, 1.0, size=shape),
        "t": int(rng.integers(1, 30)),
        "lr": float(rng.uniform(1e-3, 0.1)),
        "beta_1": float(rng.uniform(0.8, 0.95)),
        "beta_2": float(rng.uniform(0.99, 0.9999)),
        "eps": float(10 ** rng.uniform(-3, -1)),
    }


def adam_reference_step(theta, g, m, s, t, lr, beta_1, beta_2, eps):
    """mlplib's Adam update for step ``t`` from the moments of step t - 1."""
    w = np.array(theta, dtype=float)
    opt = optim.Adam({"w": w}, lr=lr, beta_1=beta_1, beta_2=beta_2, eps=eps)
    probe = optim.Adam({"w": np.zeros(1)})  # the names mlplib gives the two moments
    probe.step({"w": np.ones(1)})
    first, second = probe.state["w"]
    state = {first: np.array(m, dtype=float), second: np.array(s, dtype=float)}
    opt.t = t
    optim.Adam.update(opt, w, np.asarray(g, dtype=float), state)
    assert set(state) == {first, second}
    return w, state[first], state[second]


def adam_with(case, correct=True, swap=False, eps_inside=False, sign=1.0, dt=0):
    theta, g, m, s = (case[k] for k in ("theta", "g", "m", "s"))
    b1, b2 = (
        (case["beta_2"], case["beta_1"]) if swap else (case["beta_1"], case["beta_2"])
    )
    t = case["t"] + dt
    m_new, s_new = b1 * m + (1 - b1) * g, b2 * s + (1 - b2) * g * g
    m_hat, s_hat = (
        (m_new / (1 - b1**t), s_new / (1 - b2**t)) if correct else (m_new, s_new)
    )
    denom = np.sqrt(s_hat + case["eps"]) if eps_inside else np.sqrt(s_hat) + case["eps"]
    return theta - sign * case["lr"] * m_hat / denom, m_new, s_new


def ex5_diagnose(got, expected, case):
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        return "Return the triple (theta_new, m_new, s_new)."
    if close(got[1], adam_with(case, swap=True)[1]):
        return "beta_1 and beta_2 are swapped: beta_1 averages g, beta_2 averages g**2."
    if close(got[2], case["beta_2"] * case["s"] + (1 - case["beta_2"]) * case["g"]):
        return "s averages the squared gradients, g**2."
    b1, b2, t = case["beta_1"], case["beta_2"], case["t"]
    m_new, s_new = adam_with(case)[1:]
    if close(got[1], m_new / (1 - b1**t)) or close(got[2], s_new / (1 - b2**t)):
        return "Return the moments m, s themselves; only the step uses m_hat and s_hat."
    lr_t = case["lr"] * np.sqrt(1 - b2**t) / (1 - b1**t)
    keras = case["theta"] - lr_t * m_new / (np.sqrt(s_new) + case["eps"])
    return first_match(
        got[0],
        [
            (
                adam_with(case, correct=False)[0],
                "The bias corrections are missing: "
                "m_hat = m / (1 - beta_1**t), s_hat = s / (1 - beta_2**t).",
            ),
            (
                adam_with(case, eps_inside=True)[0],
                "epsilon goes outside the root: sqrt(s_hat) + eps.",
            ),
            (
                adam_with(case, sign=-1.0)[0],
                "Check the sign: Adam steps against m_hat.",
            ),
            (
                adam_with(case, dt=-1)[0],
                "Use the step number t itself in the bias "
                "corrections (t counts from 1).",
            ),
            (adam_with(case, dt=1)[0], "Use t, not t + 1, in the bias corrections."),
            (
                keras,
                "That is Keras's form (epsilon added to sqrt(s)); here epsilon is "
                "added to sqrt(s_hat).",
            ),
        ],
    )


EXERCISES = [
    Value(
        "ch04-ex1",
        check=ex1,
        data=ex1_data,
        title="The largest stable learning rate",
        kind="hand",
        difficulty="warm-up",
        minutes=10,
        points=1,
    ),
    Value(
        "ch04-ex2",
        check=ex2,
        data=ex2_data,
        title="Two momentum steps by hand",
        kind="hand",
        difficulty="warm-up",
        minutes=15,
        points=1,
    ),
    Value(
        "ch04-ex3",
        check=ex3,
        data=ex3_data,
        title="Three Adam steps, and where epsilon goes",
        kind="hand",
        difficulty="core",
        minutes=25,
        points=2,
    ),
    Code(
        "ch04-ex4",
        name="momentum_step",
        cases=ex4_cases,
        reference=momentum_reference,
        diagnose=ex4_diagnose,
        title="Momentum as a pure function",
        difficulty="core",
        minutes=15,
        points=2,
    ),
    Code(
        "ch04-ex5",
        name="adam_step",
        cases=ex5_cases,
        reference=adam_reference_step,
        diagnose=ex5_diagnose,
        title="Adam's step as a pure function",
        difficulty="stretch",
        minutes=25,
        points=3,
    ),
    Written(
        "ch04-ex6",
        title="Weight decay in Adam",
        rubric="Full marks: (1) for gradient descent the L2 gradient g + lambda theta "
        "gives exactly the decay (1 - lr lambda) theta; (2) Adam divides the L2 "
        "term by "
        "sqrt(s_hat) + eps, so weights with large gradients are hardly decayed and "
        "weights with small gradients are decayed at about lr per step whatever lambda "
        "is; (3) AdamW applies (1 - lr lambda) theta outside the division, the same "
        "factor for every weight; (4) two reasons for leaving biases out: a bias "
        "multiplies no input, so decaying it does not make the function smoother (it "
        "only moves a threshold, which can hurt), and there are few biases, so "
        "they add "
        "little capacity to overfit. One point each for (1)-(2), (3), (4).",
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
