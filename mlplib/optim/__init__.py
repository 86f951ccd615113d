r"""Optimizers: how the gradient turns into a change of the parameters.

Every optimizer holds the model's named parameters (``model.parameters()``, the layers'
own arrays) and updates them **in place** from the named gradients
(``model.gradients()``):

>>> import numpy as np
>>> from mlplib import Sequential
>>> model = Sequential.from_sizes([4, 3], "softmax", seed=0, dtype=np.float64)
>>> opt = Adam(model.parameters(), lr=1e-3)
>>> X, labels = np.ones((2, 4)), np.array([0, 2])
>>> E = model.compute_gradients("categorical_cross_entropy", X, labels)
>>> opt.step(model.gradients())
>>> opt.t, sorted(opt.state["0.W"])
(1, ['m', 'v'])

Notation: :math:`g` the gradient of one parameter array, :math:`\eta` the learning rate
(``opt.lr``), :math:`t` the step count (``opt.t``, 1 on the first step). Where PyTorch
and Keras write the same method differently, the form is an option named for the math
(``momentum_form``, ``epsilon_inside_sqrt``, ``epsilon_hat``) and the docstring says
which setting reproduces which framework (Chapter 4 shows they take identical steps).
The base class, with the state, the checks and weight decay, is
:class:`~mlplib.optim.optimizer.Optimizer`; each optimizer is one module.

:func:`get` builds an optimizer from its name (``"sgd"``, ``"adam"``, ...) with that
optimizer's default hyperparameters, as Keras's ``compile(optimizer="adam")`` does.
"""

# The registry: one line per optimizer; each class's ``name`` is its key in ``get``.
from .adagrad import Adagrad as Adagrad
from .adam import Adam as Adam
from .adamw import AdamW as AdamW
from .gradient_descent import GradientDescent as GradientDescent
from .nadam import Nadam as Nadam
from .optimizer import Optimizer
from .rmsprop import RMSprop as RMSprop
from .sgd import SGD as SGD

OPTIMIZERS = {
    cls.name: cls
    for cls in list(globals().values())
    if isinstance(cls, type) and issubclass(cls, Optimizer) and cls is not Optimizer
}

__all__ = ["OPTIMIZERS", "Optimizer", "get", *(c.__name__ for c in OPTIMIZERS.values())]


def get(name, params, **hyperparameters):
    """The optimizer called ``name`` (``"sgd"``, ``"adam"``, ...) built on
    ``params``."""
    key = name.lower() if isinstance(name, str) else name
    if key not in OPTIMIZERS:
        raise ValueError(
            f"unknown optimizer {name!r}; expected one of {sorted(OPTIMIZERS)} or an "
            "mlplib.optim optimizer built on model.parameters()"
        )
    return OPTIMIZERS[key](params, **hyperparameters)
