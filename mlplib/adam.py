r"""Adam and its variants: AdamW (decoupled weight decay) and Nadam (Nesterov momentum).

All three are :class:`mlplib.optimizer.Optimizer` subclasses whose ``update`` is the
rule for one parameter array; :mod:`mlplib.optim` lists them with the others
(``optim.Adam`` is :class:`Adam`).
"""

import math

from .backend import namespace
from .errors import check_choice
from .optimizer import FORMULATIONS, Optimizer


class Adam(Optimizer):
    r"""Adam (Kingma and Ba, 2015): momentum plus RMSprop, both bias-corrected.

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1) g, \quad
        v \leftarrow \beta_2 v + (1-\beta_2) g^2, \quad
        \hat m = \frac{m}{1-\beta_1^t}, \quad \hat v = \frac{v}{1-\beta_2^t}, \quad
        w \leftarrow w - \eta \frac{\hat m}{\sqrt{\hat v} + \epsilon}

    This is the paper's Algorithm 1 and PyTorch's ``Adam``. ``epsilon_hat=True`` is the
    paper's "more efficient" ordering that Keras uses:
    :math:`\eta_t = \eta\sqrt{1-\beta_2^t}/(1-\beta_1^t)`,
    :math:`w \leftarrow w - \eta_t m/(\sqrt{v} + \hat\epsilon)`; it equals the first
    form with :math:`\epsilon = \hat\epsilon / \sqrt{1-\beta_2^t}`. Defaults: PyTorch
    ``eps=1e-8``, Keras ``epsilon=1e-7``.
    """

    def __init__(
        self,
        params,
        lr=0.001,
        beta_1=0.9,
        beta_2=0.999,
        eps=1e-8,
        epsilon_hat=False,
        weight_decay=0.0,
    ):
        super().__init__(params, lr, weight_decay)
        self.beta_1 = self.unit("beta_1", beta_1)
        self.beta_2 = self.unit("beta_2", beta_2)
        self.eps = self.positive("eps", eps)
        self.epsilon_hat = bool(epsilon_hat)

    def update(self, w, g, state):
        xp = namespace(w)
        b1, b2, t = self.beta_1, self.beta_2, self.t
        m = state.setdefault("m", xp.zeros_like(w))
        v = state.setdefault("v", xp.zeros_like(w))
        m[...] = b1 * m + (1 - b1) * g
        v[...] = b2 * v + (1 - b2) * (g * g)
        if self.epsilon_hat:
            lr_t = self.lr * math.sqrt(1 - b2**t) / (1 - b1**t)
            w -= lr_t * m / (xp.sqrt(v) + self.eps)
        else:
            m_hat = m / (1 - b1**t)
            v_hat = v / (1 - b2**t)
            w -= self.lr * m_hat / (xp.sqrt(v_hat) + self.eps)

    def hyperparameters(self):
        return {
            **super().hyperparameters(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "eps": self.eps,
            "epsilon_hat": self.epsilon_hat,
        }


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov and Hutter, 2019).

    .. math:: w \leftarrow w - \eta \lambda w, \quad\text{then the Adam step on } g
        \text{ (no } \lambda w \text{ added to } g).

    PyTorch ``AdamW`` (default ``weight_decay=0.01``) and Keras ``AdamW`` (default
    0.004, with ``epsilon_hat=True``) both decay first, with the current learning rate.
    """

    decoupled = True

    def __init__(
        self,
        params,
        lr=0.001,
        beta_1=0.9,
        beta_2=0.999,
        eps=1e-8,
        weight_decay=0.01,
        epsilon_hat=False,
    ):
        super().__init__(params, lr, beta_1, beta_2, eps, epsilon_hat, weight_decay)

    def update(self, w, g, state):
        w -= self.lr * self.weight_decay * w
        super().update(w, g, state)


class Nadam(Optimizer):
    r"""Nadam (Dozat, 2016): Adam with a Nesterov look-ahead on the first moment.

    A momentum schedule :math:`\mu_t = \beta_1 (1 - \tfrac12 \cdot 0.96^{\,t\psi})` with
    :math:`\psi` = ``momentum_decay``, and :math:`\Pi_t = \prod_{i\le t} \mu_i`:

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1) g, \quad
        v \leftarrow \beta_2 v + (1-\beta_2) g^2, \quad
        w \leftarrow w - \eta\Big(\frac{(1-\mu_t)\, g}{1-\Pi_t}
        + \frac{\mu_{t+1}\, m}{1-\Pi_{t+1}}\Big)
        \Big/ \Big(\sqrt{\tfrac{v}{1-\beta_2^t}} + \epsilon\Big)

    PyTorch ``NAdam``: ``momentum_decay=0.004`` (the paper's :math:`0.96^{t/250}`).
    Keras ``Nadam`` hard-codes :math:`0.96^{t}`, i.e. ``momentum_decay=1.0``; the update
    is otherwise the same.

    ``formulation="keras"`` (needs ``momentum_decay=1.0``) also reproduces a rounding in
    Keras 3: its ``update_step`` computes :math:`\mu_t, \mu_{t+1}` with
    ``ops.cast(0.96, float64)``, which passes through float32 (0.9599999785...), while
    its running product :math:`\Pi_t` uses the exact 0.96. The difference is in the 8th
    digit; the default ``"torch"`` uses 0.96 everywhere.
    """

    KERAS_DECAY = 0.9599999785423279  # float(np.float32(0.96))

    def __init__(
        self,
        params,
        lr=0.002,
        beta_1=0.9,
        beta_2=0.999,
        eps=1e-8,
        momentum_decay=0.004,
        weight_decay=0.0,
        formulation="torch",
    ):
        super().__init__(params, lr, weight_decay)
        self.beta_1 = self.unit("beta_1", beta_1)
        self.beta_2 = self.unit("beta_2", beta_2)
        self.eps = self.positive("eps", eps)
        self.momentum_decay = self.positive("momentum_decay", momentum_decay)
        check_choice(formulation, "formulation", FORMULATIONS, "Nadam")
        if formulation == "keras" and self.momentum_decay != 1.0:
            raise ValueError(
                "Nadam: formulation='keras' uses 0.96**t, so momentum_decay must be "
                f"1.0, got {momentum_decay}"
            )
        self.formulation = formulation
        self.mu_product = 1.0

    def mu(self, t, base=0.96):
        r"""The momentum schedule
        :math:`\mu_t = \beta_1 (1 - 0.5 \cdot 0.96^{t\psi})`."""
        return self.beta_1 * (1.0 - 0.5 * base ** (t * self.momentum_decay))

    def begin_step(self):
        """:math:`\\Pi_t = \\Pi_{t-1}\\,\\mu_t`, shared by all parameters."""
        self.mu_product *= self.mu(self.t)

    def update(self, w, g, state):
        xp = namespace(w)
        b1, b2, t = self.beta_1, self.beta_2, self.t
        base = self.KERAS_DECAY if self.formulation == "keras" else 0.96
        mu, mu_next = self.mu(t, base), self.mu(t + 1, base)
        m = state.setdefault("m", xp.zeros_like(w))
        v = state.setdefault("v", xp.zeros_like(w))
        m[...] = b1 * m + (1 - b1) * g
        v[...] = b2 * v + (1 - b2) * (g * g)
        denom = xp.sqrt(v / (1 - b2**t)) + self.eps
        w -= self.lr * (1 - mu) / (1 - self.mu_product) * g / denom
        w -= self.lr * mu_next / (1 - self.mu_product * mu_next) * m / denom

    def hyperparameters(self):
        return {
            **super().hyperparameters(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "eps": self.eps,
            "momentum_decay": self.momentum_decay,
            "formulation": self.formulation,
        }
