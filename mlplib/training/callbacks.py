"""What :func:`mlplib.training.fit` does at the end of each epoch: the schedule, the
callbacks, and :class:`EarlyStopping`.

A callback is a function ``f(epoch, logs)``; if one returns ``True`` training stops.

>>> import numpy as np
>>> from mlplib import Sequential, training
>>> X = np.random.default_rng(0).normal(size=(64, 2))
>>> labels = (X[:, 0] > 0).astype(int)
>>> model = Sequential.from_sizes([2, 4, 2], ["tanh", "softmax"], seed=0)
>>> stop = EarlyStopping(model, monitor="loss", patience=0, min_delta=10.0)
>>> h = training.fit(model, X, labels, "categorical_cross_entropy", "sgd", 5,
...                  callbacks=[stop], progress=False)
>>> h.epochs, stop.best_epoch
(2, 1)
"""

import math

from ..errors import check_choice, check_int, check_real
from .schedules import ReduceLROnPlateau, improves


def end_epoch(epoch, logs, schedule, callbacks):
    """Step the schedule, run the callbacks; ``True`` stops training."""
    if schedule is not None:
        if isinstance(schedule, ReduceLROnPlateau):
            schedule.step(logs.get("val_loss", logs["loss"]))
        else:
            schedule.step()
    return any([cb(epoch, logs) is True for cb in callbacks])  # a list: all run


class EarlyStopping:
    """Stop after ``patience`` epochs in a row (at least one) in which ``monitor`` did
    not improve on its best by more than ``min_delta``, as Keras's ``EarlyStopping``
    counts; on stopping, ``restore_best`` copies back the parameters and buffers of
    the best epoch.

    ``best_epoch`` is the (1-based) best epoch, ``stopped_epoch`` the epoch that
    stopped training (``None`` if none did).
    """

    def __init__(
        self,
        model,
        monitor="val_loss",
        patience=0,
        min_delta=0.0,
        mode="min",
        restore_best=True,
    ):
        where = "EarlyStopping"
        self.model, self.monitor = model, monitor
        self.patience = check_int(patience, "patience (epochs)", where, minimum=0)
        self.min_delta = check_real(min_delta, "min_delta", where, low=0)
        self.mode = check_choice(mode, "mode", ("min", "max"), where)
        self.restore_best = bool(restore_best)
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch = self.stopped_epoch = None
        self.bad_epochs, self.saved = 0, None

    def __call__(self, epoch, logs):
        if self.monitor not in logs:
            raise ValueError(
                f"EarlyStopping: fit logs no {self.monitor!r} (it logs "
                f"{sorted(logs)}); pass validation_data for 'val_loss'"
            )
        metric = logs[self.monitor]
        if improves(metric, self.best, self.mode, self.min_delta):
            self.best, self.best_epoch, self.bad_epochs = metric, epoch + 1, 0
            self.saved = self.snapshot()
        else:
            self.bad_epochs += 1
        if self.bad_epochs >= max(self.patience, 1):
            self.stopped_epoch = epoch + 1
            self.restore()
            return True
        return False

    def snapshot(self):
        """Copies of the model's parameters and buffers."""
        named = {**self.model.parameters(), **self.model.buffers()}
        return {k: v.copy() for k, v in named.items()} if self.restore_best else None

    def restore(self):
        """Copy the best epoch's arrays back into the model (with ``restore_best``)."""
        if self.saved is not None:
            buffers = self.model.buffers()
            params = {k: v for k, v in self.saved.items() if k not in buffers}
            self.model.set_parameters(params, "EarlyStopping")
            self.model.set_buffers({k: self.saved[k] for k in buffers}, "EarlyStopping")
