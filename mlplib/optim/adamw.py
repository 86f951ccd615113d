r"""AdamW: Adam with decoupled weight decay."""

from .adam import Adam


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov and Hutter, 2019).

    .. math:: w \leftarrow w - \eta \lambda w, \quad\text{then the Adam step on } g
        \text{ (no } \lambda w \text{ added to } g).

    PyTorch ``AdamW`` (default ``weight_decay=0.01``) and Keras ``AdamW`` (default
    0.004, with ``epsilon_hat=True``) both decay first, with the current learning rate.
    """

    name = "adamw"
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
        state=None,
        t=0,
    ):
        super().__init__(
            params, lr, beta_1, beta_2, eps, epsilon_hat, weight_decay, state, t
        )

    def resolve(self):  # the rule is update_step below, around Adam's chosen one
        self.adam_step = (
            self.epsilon_hat_step if self.epsilon_hat else super().update_step
        )

    def update_step(self, w, g, state):
        """Decay, then Adam's rule. Printed in chapters/04_optimizers."""
        w -= self.lr * self.weight_decay * w
        self.adam_step(w, g, state)
