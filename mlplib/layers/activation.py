r"""An activation as a layer of its own: :math:`A = f(X)`, no parameters.

For a layer between a linear map and its nonlinearity, such as batch normalisation:
``Dense(n, m, "identity"), BatchNorm(m), ActivationLayer("relu")`` (Keras's
``layers.Activation``, PyTorch's ``nn.ReLU``).

>>> import numpy as np
>>> ActivationLayer("relu").forward(np.array([[-1.0, 2.0]]))
array([[0., 2.]])
"""

from .. import activations
from .base import Layer


class ActivationLayer(Layer):
    """``A = f(X)`` with an :mod:`mlplib.activations` activation, as wide as ``X``."""

    def __init__(self, activation, name="activation"):
        self.activation = activations.get(activation)
        self.name = name
        self.X = self.A = None

    def label(self):
        return f"Activation {self.activation.name}"

    def kind(self):
        return f"Activation ({self.activation.name})"

    def call(self, X):
        """:math:`A = f(X)`, keeping ``X`` and ``A`` for backward."""
        self.X, self.A = X, self.activation.f(X)
        return self.A

    def call_backward(self, dA, input_grad=True):
        r""":math:`dX = dA \odot f'(X)` (the activation's own backward)."""
        if not input_grad:
            return None
        return self.activation.backward(self.X, self.A, dA)

    def __repr__(self):
        return f"ActivationLayer({self.activation.name!r}, name={self.name!r})"
