r"""Stochastic gradient descent with (Nesterov) momentum, in its two written forms."""

from ..errors import check_choice
from .gradient_descent import GradientDescent
from .optimizer import Optimizer

#: The two ways of writing momentum (``momentum_form=``).
MOMENTUM_FORMS = ("velocity", "buffer")


class SGD(GradientDescent):
    r"""Stochastic gradient descent with optional (Nesterov) momentum :math:`\mu`.

    ``momentum=0`` is :class:`~mlplib.optim.GradientDescent`. ``momentum_form=
    "velocity"`` keeps the step itself, :math:`\eta` inside (Keras ``SGD``):

    .. math:: v \leftarrow \mu v - \eta g, \qquad w \leftarrow w + v
        \qquad(\text{Nesterov: } w \leftarrow w + \mu v - \eta g)

    ``momentum_form="buffer"`` keeps a sum of gradients, :math:`\eta` outside (PyTorch
    ``SGD``, dampening 0):

    .. math:: b \leftarrow \mu b + g, \qquad w \leftarrow w - \eta b
        \qquad(\text{Nesterov: } w \leftarrow w - \eta (g + \mu b))

    With a constant :math:`\eta` the two are the same method: :math:`v = -\eta b` at
    every step. They differ once :math:`\eta` changes (the velocity remembers the old
    rates, the buffer does not). State: ``v`` or ``b``.
    """

    name = "sgd"

    def __init__(
        self,
        params,
        lr=0.01,
        momentum=0.0,
        nesterov=False,
        weight_decay=0.0,
        momentum_form="velocity",
        state=None,
        t=0,
    ):
        momentum = self.unit("momentum", momentum)
        if nesterov and momentum == 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0, got momentum=0.0")
        form = check_choice(momentum_form, "momentum_form", MOMENTUM_FORMS, "SGD")
        self.slots = () if momentum == 0 else ("v",) if form == "velocity" else ("b",)
        Optimizer.__init__(
            self,
            params,
            lr,
            weight_decay,
            state,
            t,
            momentum=momentum,
            nesterov=bool(nesterov),
            momentum_form=form,
        )

    def resolve(self):
        if self.momentum == 0:
            self.update_step = super().update_step  # gradient descent
        elif self.momentum_form == "buffer":
            self.update_step = self.buffer_step

    def update_step(self, w, g, state):
        """The velocity form. Printed in chapters/04_optimizers."""
        mu, v = self.momentum, state["v"]
        v[...] = mu * v - self.lr * g
        w += (mu * v - self.lr * g) if self.nesterov else v

    def buffer_step(self, w, g, state):
        """The buffer form. Printed in chapters/04_optimizers."""
        mu, b = self.momentum, state["b"]
        b[...] = mu * b + g
        w -= self.lr * ((g + mu * b) if self.nesterov else b)
