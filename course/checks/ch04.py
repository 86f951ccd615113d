"""Checks for the Chapter 4 (optimizers) exercises. Expected values are computed with mlplib."""
import numpy as np

from mlplib import optim
from . import expect_close, expect_true


# ---- ch04-ex1: the largest stable learning rate on an elongated bowl ---------------------------
EX1_A, EX1_B = 2.0, 0.5  # f(w1, w2) = w1^2 / a^2 + w2^2 / b^2


def ex1_diverges(eta, steps=200):
    """Whether gradient descent from (1, 1) on the ex1 bowl moves away from the minimum."""
    w = np.array([1.0, 1.0])
    opt = optim.GradientDescent({"w": w}, lr=eta)
    for _ in range(steps):
        opt.step({"w": np.array([2 * w[0] / EX1_A**2, 2 * w[1] / EX1_B**2])})
    return bool(np.abs(w).max() > 1.0)


def check_ex1(eta_max=None):
    hessian = np.diag([2 / EX1_A**2, 2 / EX1_B**2])
    expected = 2 / np.linalg.eigvalsh(hessian).max()
    hint = ("Along each axis gradient descent multiplies the coordinate by (1 - eta * curvature); "
            "it diverges when that factor is below -1 on the steepest axis.")
    expect_close("eta_max", eta_max, expected, hint, rtol=1e-9)
    expect_true(not ex1_diverges(0.99 * expected) and ex1_diverges(1.01 * expected),
                "eta_max is right, yet the run does not switch from converging to diverging there")


# ---- ch04-ex2: one momentum step, in both formulations ---------------------------------------
EX2 = dict(w=np.array([0.5, -1.0]), grads=[np.array([0.2, -0.4]), np.array([0.1, 0.3])], lr=0.1, mu=0.9)


def momentum_run(formulation):
    w = EX2["w"].copy()
    opt = optim.SGD({"w": w}, lr=EX2["lr"], momentum=EX2["mu"], formulation=formulation)
    for g in EX2["grads"]:
        opt.step({"w": g})
    return w, opt.state["w"]["v" if formulation == "keras" else "b"]


def check_ex2(w_keras=None, v=None, w_torch=None, b=None):
    w_k, v_k = momentum_run("keras")
    w_t, b_t = momentum_run("torch")
    expect_close("v", v, v_k, "Keras / slides: v = mu * v - lr * g (v starts at 0), then w = w + v.", rtol=1e-9)
    expect_close("w_keras", w_keras, w_k, "Apply both gradients in order: w = w + v after each velocity update.", rtol=1e-9)
    expect_close("b", b, b_t, "PyTorch: b = mu * b + g (b starts at 0), then w = w - lr * b.", rtol=1e-9)
    expect_close("w_torch", w_torch, w_t, "At a constant learning rate the two forms give the same w.", rtol=1e-9)


# ---- ch04-ex3: Adam by hand, epsilon outside (PyTorch) vs epsilon-hat (Keras) -----------------
EX3 = dict(w=0.0, grads=[1e-6, -2e-6, 1.5e-6], lr=0.1, beta_1=0.9, beta_2=0.999, eps=1e-6)


def adam_run(epsilon_hat):
    w = np.array([EX3["w"]])
    opt = optim.Adam({"w": w}, lr=EX3["lr"], beta_1=EX3["beta_1"], beta_2=EX3["beta_2"], eps=EX3["eps"],
                     epsilon_hat=epsilon_hat)
    for g in EX3["grads"]:
        opt.step({"w": np.array([g])})
    return float(w[0])


def check_ex3(w_torch=None, w_keras=None):
    expect_close("w_torch", w_torch, adam_run(False),
                 "PyTorch: w -= lr * m_hat / (sqrt(v_hat) + eps) with m_hat = m / (1 - beta_1**t), "
                 "v_hat = v / (1 - beta_2**t); t counts from 1.", rtol=1e-9)
    expect_close("w_keras", w_keras, adam_run(True),
                 "Keras: lr_t = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t), w -= lr_t * m / (sqrt(v) + eps).",
                 rtol=1e-9)


CHECKS = {"ch04-ex1": check_ex1, "ch04-ex2": check_ex2, "ch04-ex3": check_ex3}
