"""mlplib: the neural-network library built, chapter by chapter, in *Neural Networks
from Scratch*.

Plain NumPy (or any array library with the array API standard), written to be read:
names follow the book's symbols (``W``, ``b``, ``Z``, ``A``, ``dW``) and each module is
one concept.
"""

from . import activations, init, losses
from .activations import Activation
from .activations import get as get_activation
from .errors import NonFiniteError, ShapeError
from .layers import Dense
from .model import Sequential

__version__ = "0.1.0"
__all__ = [
    "Activation",
    "Dense",
    "NonFiniteError",
    "Sequential",
    "ShapeError",
    "activations",
    "get_activation",
    "init",
    "losses",
]
