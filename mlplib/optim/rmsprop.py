r"""RMSprop: divide by a running root mean square of recent gradients."""

from .optimizer import Optimizer


class RMSprop(Optimizer):
    r"""RMSprop (Tieleman and Hinton, 2012).

    .. math:: s \leftarrow \rho s + (1-\rho) g^2, \qquad
        w \leftarrow w - \eta \frac{g}{\sqrt{s} + \epsilon}
        \quad(\texttt{epsilon\_inside\_sqrt}: \ \sqrt{s + \epsilon})

    ``centered=True`` subtracts the squared running mean :math:`m` of :math:`g` from
    :math:`s` (a variance). With ``momentum`` :math:`\mu > 0`:
    :math:`B \leftarrow \mu B + g/\text{denom}`, :math:`w \leftarrow w - \eta B`
    (PyTorch; Keras keeps :math:`\eta` inside the buffer, the same at constant
    :math:`\eta`). PyTorch: ``alpha`` is :math:`\rho` (default 0.99), epsilon outside
    (``eps=1e-8``), lr 0.01. Keras: ``rho=0.9``, ``epsilon_inside_sqrt=True``
    (``epsilon=1e-7``), lr 0.001. State: ``s``, and ``m`` (centered), ``B``
    (momentum).
    """

    name = "rmsprop"

    def __init__(
        self,
        params,
        lr=0.001,
        rho=0.9,
        eps=1e-7,
        epsilon_inside_sqrt=False,
        momentum=0.0,
        centered=False,
        weight_decay=0.0,
        state=None,
        t=0,
    ):
        momentum = self.unit("momentum", momentum)
        self.slots = ("s",) + ("m",) * bool(centered) + ("B",) * (momentum > 0)
        super().__init__(
            params,
            lr,
            weight_decay,
            state,
            t,
            rho=self.unit("rho", rho),
            eps=self.positive("eps", eps),
            momentum=momentum,
            epsilon_inside_sqrt=bool(epsilon_inside_sqrt),
            centered=bool(centered),
        )

    def resolve(self):
        self.denominator = self.denominator_rule()

    def update_step(self, w, g, state):
        """Printed in chapters/04_optimizers."""
        rho, s = self.rho, state["s"]
        s[...] = rho * s + (1 - rho) * (g * g)
        var = s
        if self.centered:
            m = state["m"]
            m[...] = rho * m + (1 - rho) * g
            var = s - m * m
        if self.momentum > 0:
            B = state["B"]
            B[...] = self.momentum * B + g / self.denominator(var)
            w -= self.lr * B
        else:
            w -= self.lr * g / self.denominator(var)
