r"""Plain gradient descent, :math:`w \leftarrow w - \eta g`."""

from .optimizer import Optimizer


class GradientDescent(Optimizer):
    r"""Plain gradient descent, :math:`w \leftarrow w - \eta g`.

    PyTorch: ``SGD(lr=eta, momentum=0)``. Keras: ``SGD(learning_rate=eta, momentum=0)``.
    """

    name = "gradient_descent"

    def __init__(self, params, lr=0.01, weight_decay=0.0, state=None, t=0):
        super().__init__(params, lr, weight_decay, state, t)

    def update_step(self, w, g, state):
        """Printed in chapters/04_optimizers."""
        w -= self.lr * g
