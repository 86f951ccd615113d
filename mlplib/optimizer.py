r"""The base class of every optimizer: parameters, learning rate, state, checked steps.

An optimizer holds the model's named parameters (``model.parameters()``, the layers' own
arrays) and updates them **in place**. :meth:`Optimizer.step` checks the gradients
(names, shapes, finite values), counts the step and calls ``update(w, g, state)`` once
per parameter array: that method is the update rule and nothing else.

Weight decay: ``weight_decay=lam`` is the **L2 regularised gradient**
:math:`g \leftarrow g + \lambda w` (PyTorch's ``weight_decay``), except in optimizers
marked ``decoupled`` (:class:`~mlplib.adam.AdamW`), whose rule decays the weights
itself.
"""

from .errors import ShapeError, check_finite, check_names, check_real, is_finite

#: How a method is written when PyTorch and Keras differ (``formulation=``).
FORMULATIONS = ("keras", "torch")


class Optimizer:
    """Holds ``params`` (name -> array), ``lr``, per-parameter ``state``, step count
    ``t``."""

    decoupled = False

    def __init__(self, params, lr, weight_decay=0.0):
        cls = type(self).__name__
        if not isinstance(params, dict) or not params:
            raise TypeError(
                f"{cls}: params must be a non-empty dict name -> array, such as "
                f"model.parameters(); got {type(params).__name__}"
                + (" (empty)" if isinstance(params, dict) else "")
            )
        self.params = params
        self.lr = lr
        self.weight_decay = check_real(weight_decay, "weight_decay", cls, low=0)
        self.state = {name: {} for name in params}
        self.t = 0

    @property
    def lr(self):
        """The learning rate :math:`\\eta`; schedules assign to it between steps."""
        return self._lr

    @lr.setter
    def lr(self, value):
        self._lr = check_real(value, "lr (learning rate)", type(self).__name__, low=0)

    def unit(self, name, value):
        """A momentum or decay rate (``beta_1``, ``rho``, ...) in ``[0, 1)``."""
        return check_real(value, name, type(self).__name__, 0, 1, open_="high")

    def positive(self, name, value):
        """An epsilon: a number ``> 0`` that keeps a division away from zero."""
        return check_real(value, name, type(self).__name__, low=0, open_="low")

    def check_gradients(self, grads):
        """``grads`` has exactly the names of ``params`` and, per name, its shape."""
        cls = type(self).__name__
        if not isinstance(grads, dict):
            raise TypeError(
                f"{cls}.step: grads must be a dict name -> array (model.gradients()), "
                f"got {type(grads).__name__}"
            )
        check_names(grads, self.params, "gradient names", f"{cls}.step")
        for name, p in self.params.items():
            shape = tuple(getattr(grads[name], "shape", ()))
            if shape != tuple(p.shape):
                raise ShapeError(
                    f"{cls}.step: gradient {name!r} has shape {shape}, but parameter "
                    f"{name!r} has shape {tuple(p.shape)}"
                )

    def step(self, grads):
        """Check ``grads`` (name -> array) and update every parameter in place."""
        self.check_gradients(grads)
        self.apply(grads)

    def apply(self, grads):
        """One update from gradients of known names and shapes (:meth:`step` checks
        them); a non-finite gradient raises."""
        for name, g in grads.items():
            if not is_finite(g):  # cheap; the message is built only on failure
                check_finite(g, f"gradient {name!r}", f"{type(self).__name__}.step")
        self.t += 1
        self.begin_step()
        for name, w in self.params.items():
            g = grads[name]
            if self.weight_decay and not self.decoupled:
                g = g + self.weight_decay * w  # L2: the gradient of E + lam/2 |w|^2
            self.update(w, g, self.state[name])

    def begin_step(self):
        """Work shared by all parameters at the start of a step (none by default)."""

    def update(self, w, g, state):  # pragma: no cover - every optimizer defines it
        raise NotImplementedError

    def hyperparameters(self):
        return {"lr": self.lr, "weight_decay": self.weight_decay}

    def __repr__(self):
        hyper = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({hyper})"
