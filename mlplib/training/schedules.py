r"""Learning-rate schedules: change ``opt.lr`` at the end of each epoch.

Call ``schedule.step()`` once per epoch (``ReduceLROnPlateau.step(metric)`` with the
validation loss). After ``e`` calls:

* :class:`StepDecay`: :math:`\eta_e = \eta_0\, \gamma^{\lfloor e / s \rfloor}` (PyTorch
  ``StepLR``; Keras
  ``ExponentialDecay(eta_0, decay_steps=s, decay_rate=gamma, staircase=True)`` at step
  ``e``).
* :class:`ExponentialDecay`: :math:`\eta_e = \eta_0\, \gamma^{e}` (PyTorch
  ``ExponentialLR``; Keras
  ``ExponentialDecay(eta_0, decay_steps=1, decay_rate=gamma)``).
* :class:`ReduceLROnPlateau`: multiply by ``factor`` when the metric has not improved
  for more than ``patience`` epochs (PyTorch ``ReduceLROnPlateau``, the same counters
  and thresholds).

Like PyTorch's schedulers, the decays multiply the current rate (``lr *= gamma``) at
each boundary.
"""

import math

from ..errors import check_choice, check_int, check_real
from ..optim import Optimizer


def _check_optimizer(cls, opt):
    if not isinstance(opt, Optimizer):
        raise TypeError(
            f"{cls}: expected an mlplib.optim optimizer, got {type(opt).__name__}"
        )
    return opt


def _check_factor(cls, name, value):
    """A factor that makes the rate smaller: in (0, 1)."""
    return check_real(value, name, cls, low=0, high=1, open_="both")


def improves(metric, best, mode="min", threshold=0.0, threshold_mode="abs"):
    """Whether ``metric`` beats ``best`` by more than ``threshold`` (``"rel"``: a
    fraction of ``best``); ``mode="max"`` mirrors ``"min"``."""
    sign = 1 if mode == "min" else -1
    if threshold_mode == "rel":
        bound = best * (1 - sign * threshold)
    else:
        bound = best - sign * threshold
    return sign * metric < sign * bound


class StepDecay:
    """Multiply ``opt.lr`` by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, opt, step_size, gamma=0.1):
        self.opt = _check_optimizer("StepDecay", opt)
        self.step_size = check_int(step_size, "step_size (epochs)", "StepDecay")
        self.gamma = _check_factor("StepDecay", "gamma", gamma)
        self.epoch = 0

    def step(self):
        """End of an epoch: ``lr *= gamma`` when the epoch count reaches a multiple of
        ``step_size``."""
        self.epoch += 1
        if self.epoch % self.step_size == 0:
            self.opt.lr = self.opt.lr * self.gamma
        return self.opt.lr


class ExponentialDecay:
    """Multiply ``opt.lr`` by ``gamma`` every epoch."""

    def __init__(self, opt, gamma):
        self.opt = _check_optimizer("ExponentialDecay", opt)
        self.gamma = _check_factor("ExponentialDecay", "gamma", gamma)
        self.epoch = 0

    def step(self):
        """End of an epoch: ``lr *= gamma``."""
        self.epoch += 1
        self.opt.lr = self.opt.lr * self.gamma
        return self.opt.lr


class ReduceLROnPlateau:
    """Reduce ``opt.lr`` by ``factor`` when ``metric`` stops improving (PyTorch's
    rules).

    The metric improves when it beats the best so far by the threshold: ``mode="min"``
    with ``threshold_mode="rel"`` means ``metric < best * (1 - threshold)``; ``"abs"``
    means ``metric < best - threshold`` (``"max"`` mirrors them). After more than
    ``patience`` epochs without improvement, ``lr = max(lr * factor, min_lr)`` (skipped
    if that changes ``lr`` by ``eps`` or less), then ``cooldown`` epochs are ignored.

    Keras's ``ReduceLROnPlateau`` callback differs: it compares absolutely
    (``min_delta``) and reduces after ``patience`` bad epochs (``>=``), PyTorch after
    more than ``patience`` (``>``).
    """

    def __init__(
        self,
        opt,
        mode="min",
        factor=0.1,
        patience=10,
        threshold=1e-4,
        threshold_mode="rel",
        cooldown=0,
        min_lr=0.0,
        eps=1e-8,
    ):
        cls = "ReduceLROnPlateau"
        self.opt = _check_optimizer(cls, opt)
        self.mode = check_choice(mode, "mode", ("min", "max"), cls)
        self.threshold_mode = check_choice(
            threshold_mode, "threshold_mode", ("rel", "abs"), cls
        )
        self.factor = _check_factor(cls, "factor", factor)
        self.patience = check_int(patience, "patience (epochs)", cls, minimum=0)
        self.cooldown = check_int(cooldown, "cooldown (epochs)", cls, minimum=0)
        self.threshold = check_real(threshold, "threshold", cls, low=0)
        self.min_lr = check_real(min_lr, "min_lr", cls, low=0)
        self.eps = check_real(eps, "eps", cls, low=0)
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.epoch = 0

    def is_better(self, metric):
        """Whether ``metric`` improves on ``self.best`` by more than the threshold."""
        return improves(
            metric, self.best, self.mode, self.threshold, self.threshold_mode
        )

    def step(self, metric):
        """End of an epoch with validation ``metric`` (checked finite); returns
        ``lr``."""
        return self.update_step(check_real(metric, "metric", "ReduceLROnPlateau.step"))

    def update_step(self, metric):
        """The rule: count epochs without improvement; past ``patience``, reduce
        ``lr``. Printed in chapters/04_optimizers."""
        self.epoch += 1
        if self.is_better(metric):
            self.best, self.num_bad_epochs = metric, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            new_lr = max(self.opt.lr * self.factor, self.min_lr)
            if self.opt.lr - new_lr > self.eps:
                self.opt.lr = new_lr
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        return self.opt.lr
