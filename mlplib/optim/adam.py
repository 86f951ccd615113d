r"""Adam: momentum plus RMSprop, both bias-corrected."""

import math

from ..backend import namespace
from .optimizer import Optimizer


class Adam(Optimizer):
    r"""Adam (Kingma and Ba, 2015).

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
    ``eps=1e-8``, Keras ``epsilon=1e-7``. State: ``m`` and ``v``; a run can start from
    stated moments, ``Adam(params, state={"0.W": {"m": m, "v": v}, ...}, t=t)``.
    """

    name = "adam"
    slots = ("m", "v")

    def __init__(
        self,
        params,
        lr=0.001,
        beta_1=0.9,
        beta_2=0.999,
        eps=1e-8,
        epsilon_hat=False,
        weight_decay=0.0,
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
            epsilon_hat=bool(epsilon_hat),
        )

    def resolve(self):
        if self.epsilon_hat:
            self.update_step = self.epsilon_hat_step

    def moments(self, g, state):
        r"""The moment estimates :math:`m` and :math:`v`, updated in place."""
        b1, b2, m, v = self.beta_1, self.beta_2, state["m"], state["v"]
        m[...] = b1 * m + (1 - b1) * g
        v[...] = b2 * v + (1 - b2) * (g * g)
        return m, v

    def update_step(self, w, g, state):
        """The paper's Algorithm 1. Printed in chapters/04_optimizers."""
        m, v = self.moments(g, state)
        m_hat = m / (1 - self.beta_1**self.t)
        v_hat = v / (1 - self.beta_2**self.t)
        w -= self.lr * m_hat / (namespace(w).sqrt(v_hat) + self.eps)

    def epsilon_hat_step(self, w, g, state):
        """The bias corrections folded into the rate.

        Printed in chapters/04_optimizers.
        """
        m, v = self.moments(g, state)
        lr_t = self.lr * math.sqrt(1 - self.beta_2**self.t) / (1 - self.beta_1**self.t)
        w -= lr_t * m / (namespace(w).sqrt(v) + self.eps)
