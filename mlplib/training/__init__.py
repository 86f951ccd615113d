"""Training: the loop (:mod:`~mlplib.training.loop`: :func:`fit`, :func:`evaluate`,
:func:`predict`), what it reports (:mod:`~mlplib.training.history`,
:mod:`~mlplib.training.progress`, :mod:`~mlplib.training.metrics`), what runs at the
end of each epoch (:mod:`~mlplib.training.callbacks`,
:mod:`~mlplib.training.schedules`), the checks it runs once
(:mod:`~mlplib.training.checks`), and saving weights
(:mod:`~mlplib.training.checkpoint`). The mini-batches are
:func:`mlplib.data.minibatches`.

>>> import numpy as np
>>> from mlplib import Sequential, training
>>> X = np.random.default_rng(0).normal(size=(64, 2))
>>> labels = (X[:, 0] > 0).astype(int)
>>> model = Sequential.from_sizes([2, 4, 2], ["tanh", "softmax"], seed=0)
>>> h = training.fit(model, X, labels, "categorical_cross_entropy", "sgd", 2,
...                  progress=False)
>>> h.epochs, sorted(training.evaluate(model, X, labels, "categorical_cross_entropy"))
(2, ['accuracy', 'loss'])
"""

from . import checkpoint, schedules
from .callbacks import EarlyStopping
from .checkpoint import load_weights, save_weights
from .history import History
from .loop import evaluate, fit, mode, predict, run_epoch, train_step
from .metrics import accuracy, classes
from .progress import progress_default

__all__ = [
    "EarlyStopping",
    "History",
    "accuracy",
    "checkpoint",
    "classes",
    "evaluate",
    "fit",
    "load_weights",
    "mode",
    "predict",
    "progress_default",
    "run_epoch",
    "save_weights",
    "schedules",
    "train_step",
]
