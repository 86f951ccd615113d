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
>>> opt.t
1

Notation: :math:`g` the gradient of one parameter array, :math:`\eta` the learning rate
(``opt.lr``), :math:`t` the step count (``opt.t``, 1 on the first step). Where PyTorch
and Keras write the same method differently, the formulation is an option and the
docstring says which setting reproduces which framework (Chapter 4 shows they take
identical steps). The base class, with the checks and weight decay, is
:class:`mlplib.optimizer.Optimizer`; Adam and its variants are in :mod:`mlplib.adam`.

:func:`get` builds an optimizer from its name (``"sgd"``, ``"adam"``, ...) with that
optimizer's default hyperparameters, as Keras's ``compile(optimizer="adam")`` does.
"""

from .adam import Adam, AdamW, Nadam
from .backend import namespace
from .errors import check_choice, check_real
from .optimizer import FORMULATIONS, Optimizer


class GradientDescent(Optimizer):
    r"""Plain gradient descent, :math:`w \leftarrow w - \eta g`.

    PyTorch: ``SGD(lr=eta, momentum=0)``. Keras: ``SGD(learning_rate=eta, momentum=0)``.
    """

    def __init__(self, params, lr=0.01, weight_decay=0.0):
        super().__init__(params, lr, weight_decay)

    def update(self, w, g, state):
        w -= self.lr * g


class SGD(GradientDescent):
    r"""Stochastic gradient descent with optional (Nesterov) momentum :math:`\mu`.

    ``momentum=0`` is :class:`GradientDescent`. ``formulation="keras"`` (the velocity
    form, Keras ``SGD``):

    .. math:: v \leftarrow \mu v - \eta g, \qquad w \leftarrow w + v
        \qquad(\text{Nesterov: } w \leftarrow w + \mu v - \eta g)

    ``formulation="torch"`` (PyTorch ``SGD``, dampening 0):

    .. math:: b \leftarrow \mu b + g, \qquad w \leftarrow w - \eta b
        \qquad(\text{Nesterov: } w \leftarrow w - \eta (g + \mu b))

    With a constant :math:`\eta` the two are the same method: :math:`v = -\eta b` at
    every step. They differ once :math:`\eta` changes (Keras's velocity remembers the
    old rates, PyTorch's buffer does not).
    """

    def __init__(
        self,
        params,
        lr=0.01,
        momentum=0.0,
        nesterov=False,
        weight_decay=0.0,
        formulation="keras",
    ):
        super().__init__(params, lr, weight_decay)
        self.momentum = self.unit("momentum", momentum)
        if nesterov and self.momentum == 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0, got momentum=0.0")
        self.formulation = check_choice(formulation, "formulation", FORMULATIONS, "SGD")
        self.nesterov = bool(nesterov)

    def update(self, w, g, state):
        mu, lr = self.momentum, self.lr
        if mu == 0:
            super().update(w, g, state)  # gradient descent
        elif self.formulation == "keras":
            v = state.setdefault("v", namespace(w).zeros_like(w))
            v[...] = mu * v - lr * g
            w += (mu * v - lr * g) if self.nesterov else v
        else:
            b = state.setdefault("b", namespace(w).zeros_like(w))
            b[...] = mu * b + g
            w -= lr * ((g + mu * b) if self.nesterov else b)

    def hyperparameters(self):
        return {
            **super().hyperparameters(),
            "momentum": self.momentum,
            "nesterov": self.nesterov,
            "formulation": self.formulation,
        }


class Adagrad(Optimizer):
    r"""AdaGrad: each weight's rate shrinks with the sum of its squared gradients.

    .. math:: G \leftarrow G + g^2, \qquad
        w \leftarrow w - \eta \frac{g}{\sqrt{G} + \epsilon}
        \quad\text{or, with } \texttt{epsilon\_inside\_sqrt}\text{,}\quad
        w \leftarrow w - \eta \frac{g}{\sqrt{G + \epsilon}}

    :math:`G` starts at ``initial_accumulator_value``. PyTorch: epsilon outside,
    accumulator 0 (``eps=1e-10``). Keras: ``epsilon_inside_sqrt=True``,
    ``initial_accumulator_value=0.1``, ``epsilon=1e-7``.
    """

    def __init__(
        self,
        params,
        lr=0.01,
        eps=1e-10,
        initial_accumulator_value=0.0,
        epsilon_inside_sqrt=False,
        weight_decay=0.0,
    ):
        super().__init__(params, lr, weight_decay)
        self.eps = self.positive("eps", eps)
        self.initial_accumulator_value = check_real(
            initial_accumulator_value, "initial_accumulator_value", "Adagrad", low=0
        )
        self.epsilon_inside_sqrt = bool(epsilon_inside_sqrt)

    def update(self, w, g, state):
        xp = namespace(w)
        if "G" not in state:
            state["G"] = xp.full_like(w, self.initial_accumulator_value)
        G = state["G"]
        G += g * g
        eps = self.eps
        denom = xp.sqrt(G + eps) if self.epsilon_inside_sqrt else xp.sqrt(G) + eps
        w -= self.lr * g / denom

    def hyperparameters(self):
        return {
            **super().hyperparameters(),
            "eps": self.eps,
            "initial_accumulator_value": self.initial_accumulator_value,
            "epsilon_inside_sqrt": self.epsilon_inside_sqrt,
        }


class RMSprop(Optimizer):
    r"""RMSprop: divide by a running root mean square of recent gradients.

    .. math:: s \leftarrow \rho s + (1-\rho) g^2, \qquad
        w \leftarrow w - \eta \frac{g}{\sqrt{s} + \epsilon}
        \quad(\texttt{epsilon\_inside\_sqrt}: \ \sqrt{s + \epsilon})

    ``centered=True`` subtracts the squared running mean of :math:`g` from :math:`s` (a
    variance). With ``momentum`` :math:`\mu > 0`:
    :math:`B \leftarrow \mu B + g/\text{denom}`, :math:`w \leftarrow w - \eta B`
    (PyTorch; Keras keeps :math:`\eta` inside the buffer, the same at constant
    :math:`\eta`). PyTorch: ``alpha`` is :math:`\rho` (default 0.99), epsilon outside
    (``eps=1e-8``), lr 0.01. Keras: ``rho=0.9``, ``epsilon_inside_sqrt=True``
    (``epsilon=1e-7``), lr 0.001.
    """

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
    ):
        super().__init__(params, lr, weight_decay)
        self.rho = self.unit("rho", rho)
        self.eps = self.positive("eps", eps)
        self.momentum = self.unit("momentum", momentum)
        self.epsilon_inside_sqrt = bool(epsilon_inside_sqrt)
        self.centered = bool(centered)

    def update(self, w, g, state):
        xp, rho, eps = namespace(w), self.rho, self.eps
        s = state.setdefault("s", xp.zeros_like(w))
        s[...] = rho * s + (1 - rho) * (g * g)
        var = s
        if self.centered:
            m = state.setdefault("m", xp.zeros_like(w))
            m[...] = rho * m + (1 - rho) * g
            var = s - m * m
        denom = xp.sqrt(var + eps) if self.epsilon_inside_sqrt else xp.sqrt(var) + eps
        if self.momentum > 0:
            B = state.setdefault("B", xp.zeros_like(w))
            B[...] = self.momentum * B + g / denom
            w -= self.lr * B
        else:
            w -= self.lr * g / denom

    def hyperparameters(self):
        return {
            **super().hyperparameters(),
            "rho": self.rho,
            "eps": self.eps,
            "momentum": self.momentum,
            "epsilon_inside_sqrt": self.epsilon_inside_sqrt,
            "centered": self.centered,
        }


OPTIMIZERS = {
    "gradient_descent": GradientDescent,
    "sgd": SGD,
    "adagrad": Adagrad,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamw": AdamW,
    "nadam": Nadam,
}


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
