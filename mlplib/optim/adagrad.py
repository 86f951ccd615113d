r"""AdaGrad: each weight's rate shrinks with the sum of its squared gradients."""

from ..backend import namespace
from ..errors import check_real
from .optimizer import Optimizer


class Adagrad(Optimizer):
    r"""AdaGrad (Duchi, Hazan and Singer, 2011).

    .. math:: G \leftarrow G + g^2, \qquad
        w \leftarrow w - \eta \frac{g}{\sqrt{G} + \epsilon}
        \quad\text{or, with } \texttt{epsilon\_inside\_sqrt}\text{,}\quad
        w \leftarrow w - \eta \frac{g}{\sqrt{G + \epsilon}}

    :math:`G` (the state ``G``) starts at ``initial_accumulator_value``. PyTorch:
    epsilon outside, accumulator 0 (``eps=1e-10``). Keras: ``epsilon_inside_sqrt=True``,
    ``initial_accumulator_value=0.1``, ``epsilon=1e-7``.
    """

    name = "adagrad"
    slots = ("G",)

    def __init__(
        self,
        params,
        lr=0.01,
        eps=1e-10,
        initial_accumulator_value=0.0,
        epsilon_inside_sqrt=False,
        weight_decay=0.0,
        state=None,
        t=0,
    ):
        G_0 = initial_accumulator_value
        super().__init__(
            params,
            lr,
            weight_decay,
            state,
            t,
            eps=self.positive("eps", eps),
            initial_accumulator_value=check_real(
                G_0, "initial_accumulator_value", "Adagrad", low=0
            ),
            epsilon_inside_sqrt=bool(epsilon_inside_sqrt),
        )

    def resolve(self):
        self.denominator = self.denominator_rule()

    def initial(self, slot, w):
        return namespace(w).full_like(w, self.initial_accumulator_value)

    def update_step(self, w, g, state):
        """Printed in chapters/04_optimizers."""
        G = state["G"]
        G += g * g
        w -= self.lr * g / self.denominator(G)
