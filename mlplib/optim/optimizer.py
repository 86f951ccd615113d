r"""The base class of every optimizer: parameters, state, hyperparameters, checks.

An optimizer holds the model's named parameters (``model.parameters()``, the layers' own
arrays) and updates them **in place**, in the manner of Keras's optimizers:

- its **state** (momentum, moment estimates) is built once, at construction, from the
  parameters: one dict of arrays per parameter, with the names in ``slots`` (Adam:
  ``m`` and ``v``), zeros unless ``state=`` gives their values (copied), together
  with the step count ``t=``, so a run can start from a stated point;
- its **hyperparameters** are checked and recorded once (``hyperparameters()``);
- a choice between two ways frameworks write the same method is resolved at
  construction (the rule it picks is ``update_step``);
- :meth:`Optimizer.step` checks the gradients (names, shapes), :meth:`Optimizer.apply`
  counts the step and calls ``update_step(w, g, state)`` once per parameter array:
  that method is the update rule and nothing else.

Weight decay: ``weight_decay=lam`` is the **L2 regularised gradient**
:math:`g \leftarrow g + \lambda w` (PyTorch's ``weight_decay``), except in optimizers
marked ``decoupled`` (:class:`~mlplib.optim.AdamW`), whose rule decays the weights
itself.
"""

from ..backend import namespace
from ..errors import (
    ShapeError,
    check_finite,
    check_int,
    check_names,
    check_real,
    is_finite,
)


class Optimizer:
    """Holds ``params`` (name -> array), ``lr``, per-parameter ``state``, step count
    ``t``."""

    decoupled = False
    slots = ()

    def __init__(self, params, lr, weight_decay=0.0, state=None, t=0, **hyper):
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
        self.hyper = {"weight_decay": self.weight_decay, **hyper}
        for name, value in hyper.items():
            setattr(self, name, value)
        self.t = check_int(t, "t (steps taken)", cls, minimum=0)
        self.state = self.build(state)
        self.resolve()

    def resolve(self):
        """Choose the rule for these hyperparameters (a framework's form), once: at
        construction and after unpickling. Plain optimizers have one rule."""

    def __getstate__(self):  # the chosen rules are bound methods: chosen again
        return {
            k: v for k, v in vars(self).items() if getattr(v, "__self__", 0) is not self
        }

    def __setstate__(self, state):
        vars(self).update(state)
        self.resolve()

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

    def initial(self, slot, w):
        """The starting value of state ``slot`` for parameter ``w``: zeros."""
        return namespace(w).zeros_like(w)

    def build(self, given=None):
        """The state, once: ``{name: {slot: array}}``, from ``given`` where stated."""
        where = f"{type(self).__name__}(state=...)"
        given = {} if given is None else given
        check_names(given, self.params, "state names", where, subset=True)
        state = {}
        for name, w in self.params.items():
            own = {slot: self.initial(slot, w) for slot in self.slots}
            check_names(given.get(name, {}), own, f"state of {name!r}", where, True)
            for slot, value in given.get(name, {}).items():
                value = namespace(w).asarray(value, dtype=w.dtype, copy=True)
                if tuple(value.shape) != tuple(w.shape):
                    raise ShapeError(
                        f"{where}: {slot} of {name!r} has shape {tuple(value.shape)}, "
                        f"the parameter {tuple(w.shape)}"
                    )
                own[slot] = value
            state[name] = own
        return state

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
            self.update_step(w, g, self.state[name])

    def begin_step(self):
        """Work shared by all parameters at the start of a step (none by default)."""

    def update_step(self, w, g, state):  # pragma: no cover - every optimizer has one
        raise NotImplementedError

    def denominator_rule(self):
        """:meth:`eps_inside_sqrt` or :meth:`eps_outside_sqrt`, as chosen."""
        return (
            self.eps_inside_sqrt if self.epsilon_inside_sqrt else self.eps_outside_sqrt
        )

    def eps_outside_sqrt(self, s):
        r""":math:`\sqrt{s} + \epsilon`, the denominator of PyTorch's rules.

        Printed in chapters/04_optimizers.
        """
        return namespace(s).sqrt(s) + self.eps

    def eps_inside_sqrt(self, s):
        r""":math:`\sqrt{s + \epsilon}`, the denominator of Keras's rules.

        Printed in chapters/04_optimizers.
        """
        return namespace(s).sqrt(s + self.eps)

    def hyperparameters(self):
        """Every hyperparameter, as recorded at construction (``lr`` as it is now)."""
        return {"lr": self.lr, **self.hyper}

    def __repr__(self):
        hyper = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({hyper})"
