"""Two optimizer rules and their named mistakes, built on mlplib's optimizers.

:func:`momentum` and :func:`adam` run mlplib's ``SGD`` and ``Adam`` from a stated state;
each named mistake (the keys of :data:`MOMENTUM` and :data:`ADAM`, whose values are the
hints) is mlplib with one thing changed (swapped betas, a shifted step counter, Keras's
epsilon, PyTorch's buffer, Nesterov) or, where mlplib has no such option,
:func:`adam_formula`. Used by the optimizer chapter's exercises (``ch04``).
"""

import numpy as np

from mlplib import optim


def run(cls, theta, grads, state=None, t=0, **hyperparameters):
    """``cls`` from ``theta`` with the stated ``state`` after ``t`` steps, over
    ``grads``: the parameters and the state after the last step."""
    w = np.array(theta, dtype=float)
    stated = None if state is None else {"w": state}
    opt = cls({"w": w}, state=stated, t=t, **hyperparameters)
    for g in grads:
        opt.step({"w": np.asarray(g, dtype=float)})
    return w, opt.state["w"]


def reflected(theta0, theta):
    """The step taken in the opposite direction (a sign mistake)."""
    return 2 * np.asarray(theta0, dtype=float) - theta


# --- the momentum rule and its mistakes (ch04-ex2, ch04-ex4) ---

MOMENTUM = {
    "no old velocity": "The old velocity is missing: v_t = mu v_(t-1) - lr g_t keeps "
    "mu times the previous velocity.",
    "buffer": "That is PyTorch's buffer of summed gradients, b = mu b + g; the "
    "velocity here includes the learning rate and its minus sign, v = mu v - lr g.",
    "v sign": "Check the sign of the velocity: it points downhill, v = mu v - lr g.",
    "theta sign": "Check the sign: v already holds -lr g, so the parameters move "
    "by +v.",
    "old velocity": "The parameters move by the new velocity, not the old one.",
    "Nesterov": "That is Nesterov's update; this exercise asks for classical momentum, "
    "theta_t = theta_(t-1) + v_t.",
}


def momentum(theta, grads, v, lr, mu, mistake=None):
    """Classical momentum from velocity ``v`` over ``grads`` with mlplib's SGD, or
    with the named ``mistake``: the parameters and the velocity after the last step."""
    w, v, v_old = np.array(theta, dtype=float), np.array(v, dtype=float), None
    for g in grads:
        if mistake == "no old velocity":
            w, v = run(optim.GradientDescent, w, [g], lr=lr)[0], -lr * np.asarray(g)
            continue
        torch, v_old = mistake == "buffer", v
        state = {"b": v} if torch else {"v": v}
        changes = {"momentum_form": "buffer"} if torch else {}
        changes |= {"nesterov": True} if mistake == "Nesterov" else {}
        w_new, state = run(optim.SGD, w, [g], state, lr=lr, momentum=mu, **changes)
        v = state["b" if torch else "v"]
        w = w + v_old if mistake == "old velocity" else w_new
    if mistake == "v sign":
        return {1: -v}
    if mistake == "theta sign":
        return {0: reflected(theta, w)}
    return w, v


# --- the Adam rule and its mistakes (ch04-ex3, ch04-ex5) ---

ADAM = {
    "no bias correction": "The bias corrections are missing: m_hat = m / (1 - "
    "beta_1^t), s_hat = s / (1 - beta_2^t).",
    "betas swapped": "beta_1 and beta_2 are swapped: beta_1 averages the gradients, "
    "beta_2 their squares.",
    "s of g": "s averages the squared gradients, g^2.",
    "eps inside": "epsilon goes outside the root: sqrt(s_hat) + eps, not "
    "sqrt(s_hat + eps).",
    "Keras": "That is Keras's form (epsilon added to sqrt(s) before the bias "
    "correction); here epsilon is added to sqrt(s_hat).",
    "sign": "Check the sign: Adam steps against m_hat.",
    "t + 1": "Step t's bias corrections use beta^t with the first step t = 1; yours "
    "use the next step's t + 1.",
    "t - 1": "Step t's bias corrections use beta^t with the first step t = 1; yours "
    "use the previous step's t - 1.",
}


def adam_formula(theta, grads, m, s, t, lr, beta_1, beta_2, eps, mistake=None):
    """Adam written out, for the mistakes mlplib has no option for."""
    theta, m, s = (np.asarray(a, dtype=float) for a in (theta, m, s))
    grads = [np.asarray(g, dtype=float) for g in grads]
    for g in grads:
        t += 1
        m = beta_1 * m + (1 - beta_1) * g
        s = beta_2 * s + (1 - beta_2) * (g if mistake == "s of g" else g * g)
        m_hat, s_hat = m / (1 - beta_1**t), s / (1 - beta_2**t)
        if mistake == "no bias correction":
            m_hat, s_hat = m, s
        root = np.sqrt(s_hat + eps) if mistake == "eps inside" else np.sqrt(s_hat) + eps
        theta = theta - lr * m_hat / root
    return theta, m, s


def adam(theta, grads, m, s, t, lr, beta_1, beta_2, eps, mistake=None):
    """Adam from the moments ``m``, ``s`` after ``t`` steps over ``grads`` with mlplib,
    or with the named ``mistake``: ``(theta, m, s, m_hat, s_hat)`` after the last."""
    hyper = {"lr": lr, "beta_1": beta_1, "beta_2": beta_2, "eps": eps}
    if mistake == "betas swapped":
        hyper |= {"beta_1": beta_2, "beta_2": beta_1}
    if mistake == "Keras":
        hyper["epsilon_hat"] = True
    t_end = t + len(grads) + {"t + 1": 1, "t - 1": -1}.get(mistake, 0)
    if mistake in ("no bias correction", "eps inside", "s of g"):
        w, m, s = adam_formula(theta, grads, m, s, t, **hyper, mistake=mistake)
    else:
        state = {"m": m, "v": s}
        w, state = run(optim.Adam, theta, grads, state, t_end - len(grads), **hyper)
        w, m, s = w, state["m"], state["v"]
    if mistake == "sign":
        w = reflected(theta, w)
    corrected = m / (1 - hyper["beta_1"] ** t_end), s / (1 - hyper["beta_2"] ** t_end)
    if mistake == "no bias correction":
        corrected = m, s
    return (w, m, s, *corrected)
