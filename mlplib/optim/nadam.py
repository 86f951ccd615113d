r"""Nadam: Adam with a Nesterov look-ahead on the first moment."""

import math

from ..backend import namespace
from .optimizer import Optimizer


class Nadam(Optimizer):
    r"""Nadam (Dozat, 2016).

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

    ``float32_decay=True`` reproduces a rounding in Keras 3: its ``update_step``
    computes :math:`\mu_t, \mu_{t+1}` with ``ops.cast(0.96, float64)``, which passes
    through float32 (0.9599999785...), while its running product :math:`\Pi_t` uses
    the exact 0.96. The difference is in the 8th digit. State: ``m`` and ``v``; a
    stated ``t`` also gives :math:`\Pi_t`.
    """

    name = "nadam"
    slots = ("m", "v")
    FLOAT32_DECAY = 0.9599999785423279  # float(np.float32(0.96))

    def __init__(
        self,
        params,
        lr=0.002,
        beta_1=0.9,
        beta_2=0.999,
        eps=1e-8,
        momentum_decay=0.004,
        weight_decay=0.0,
        float32_decay=False,
        state=None,
        t=0,
    ):
        super().__init__(
            params,
            lr,
            weight_decay,
            state,
            t,
            beta_1=self.unit("beta_1", beta_1),
            beta_2=self.unit("beta_2", beta_2),
            eps=self.positive("eps", eps),
            momentum_decay=self.positive("momentum_decay", momentum_decay),
            float32_decay=bool(float32_decay),
        )
        self.decay = self.FLOAT32_DECAY if self.float32_decay else 0.96
        self.mu_product = math.prod(self.mu(i) for i in range(1, self.t + 1))

    def mu(self, t, base=0.96):
        r"""The momentum schedule
        :math:`\mu_t = \beta_1 (1 - 0.5 \cdot 0.96^{t\psi})`."""
        return self.beta_1 * (1.0 - 0.5 * base ** (t * self.momentum_decay))

    def begin_step(self):
        """:math:`\\Pi_t = \\Pi_{t-1}\\,\\mu_t`, shared by all parameters."""
        self.mu_product *= self.mu(self.t)

    def update_step(self, w, g, state):
        """Printed in chapters/04_optimizers."""
        b1, b2, t, m, v = self.beta_1, self.beta_2, self.t, state["m"], state["v"]
        mu, mu_next = self.mu(t, self.decay), self.mu(t + 1, self.decay)
        m[...] = b1 * m + (1 - b1) * g
        v[...] = b2 * v + (1 - b2) * (g * g)
        denom = namespace(w).sqrt(v / (1 - b2**t)) + self.eps
        w -= self.lr * (1 - mu) / (1 - self.mu_product) * g / denom
        w -= self.lr * mu_next / (1 - self.mu_product * mu_next) * m / denom
