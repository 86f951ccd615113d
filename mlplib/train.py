r"""The training loop: :func:`fit`, :func:`evaluate`, :func:`predict`, :func:`accuracy`.

One epoch visits every training sample once, in shuffled mini-batches of ``batch_size``
(:func:`mlplib.data.minibatches`); each batch is one gradient step, :func:`train_step`:

.. math::

    E_B = \frac{1}{|B|}\sum_{n \in B} E(y_n, t_n), \qquad
    w \leftarrow \text{optimizer}(w, \partial E_B / \partial w).

Arguments of :func:`fit`:

- ``X``: ``(N, n_0)``, converted once to the model's dtype (float32 by default).
- ``T``: targets ``(N, n_out)``, or integer labels ``(N,)`` with the categorical
  cross-entropy (they become one-hot rows, once).
- ``loss``: a :mod:`mlplib.losses` name or instance.
- ``optimizer``: an :mod:`mlplib.optim` optimizer built on ``model.parameters()``, or
  its name (``"sgd"``, ``"adam"``, ...), which builds one on them with its defaults, as
  Keras does.
- batches: :func:`mlplib.data.minibatches` with random seed ``[seed, epoch]``, so a run
  is reproducible and each epoch has its own order; ``shuffle=False`` keeps the order.
- ``validation_data=(X_val, T_val)`` adds ``val_loss`` (and ``val_accuracy``) after
  each epoch.
- ``schedule``: a :mod:`mlplib.schedules` object on the same optimizer, stepped at the
  end of each epoch (``ReduceLROnPlateau`` gets ``val_loss``, or ``loss``).
- ``callbacks``: functions ``f(epoch, logs)`` called at the end of each epoch; if one
  returns ``True`` training stops.
- ``progress``: a ``tqdm`` bar per epoch; ``None`` means on unless the environment
  variable ``MLPLIB_PROGRESS`` is ``0``. The book passes ``progress=False``.

Every argument is checked once, before the first step; the loop then calls the unchecked
steps. What it still watches costs next to nothing: a loss, gradient or parameter that
is not finite stops training with :class:`~mlplib.errors.NonFiniteError` naming the
epoch and batch.

The history records, per epoch, the mean training loss and accuracy over the batches
(computed while the weights change, as Keras reports them) and the validation metrics
after the epoch.

>>> import numpy as np
>>> from mlplib import Sequential
>>> X = np.random.default_rng(0).normal(size=(64, 2))
>>> labels = (X[:, 0] > 0).astype(int)
>>> model = Sequential.from_sizes([2, 4, 2], ["tanh", "softmax"], seed=0)
>>> h = fit(model, X, labels, "categorical_cross_entropy", "sgd", 2, progress=False)
>>> h.epochs, sorted(h)
(2, ['accuracy', 'loss'])
"""

import contextlib

from . import data, optim
from .backend import namespace
from .errors import NonFiniteError, check_finite, check_int, check_names, is_finite
from .history import History, end_epoch, progress_default, with_progress
from .metrics import accuracy, classes, n_correct
from .optim import Optimizer

__all__ = ["History", "accuracy", "evaluate", "fit", "predict", "progress_default"]


def fit(
    model, X, T, loss, optimizer, epochs=1, batch_size=32, validation_data=None,
    seed=0, shuffle=True, progress=None, schedule=None, callbacks=(),
):  # fmt: skip
    """Train ``model`` on ``(X, T)``; return the :class:`History` of each epoch."""
    args = (epochs, batch_size, validation_data, schedule, callbacks)
    loss, X, T, labels, optimizer, val = _check_fit(model, X, T, loss, optimizer, *args)
    history = History()
    with mode(model, training=True):
        for epoch in range(epochs):
            batches = data.minibatches(
                X.shape[0], batch_size, shuffle, seed=[seed, epoch]
            )
            batches = with_progress(batches, progress, epoch, epochs, X, batch_size)
            E_sum, correct = 0.0, 0
            try:
                for batch, idx in enumerate(batches):  # noqa: B007 (named on error)
                    E_sum += train_step(model, loss, optimizer, X[idx], T[idx]) * len(
                        idx
                    )
                    if labels is not None:
                        correct += n_correct(model.layers[-1].A, labels[idx])
            except NonFiniteError as err:
                raise _stopped(err, model, optimizer, epoch, batch) from None
            logs = _epoch_logs(model, loss, X.shape[0], E_sum, correct, labels, val)
            _check_parameters(model, f"fit: after epoch {epoch + 1}")
            history.add(logs)
            if end_epoch(epoch, logs, batches, schedule, callbacks):
                break
    return history


def train_step(model, loss, optimizer, X, T):
    """One gradient step on a batch: forward, loss, backward, update. Returns ``E``."""
    E = float(model.call_gradients(loss, X, T))
    if not is_finite(E):  # cheap: one float
        raise NonFiniteError(f"the loss is {E}")
    optimizer.apply(model.gradients())  # rejects non-finite gradients
    return E


def evaluate(model, X, T, loss, batch_size=1024):
    """Mean loss (and accuracy, for the cross-entropies) of ``model`` on ``(X, T)``.

    The loss is averaged over all samples (each batch's mean weighted by its size).
    """
    check_int(batch_size, "batch_size", "evaluate")
    loss, X, T = model.check_data(loss, X, T, "evaluate")
    with mode(model, training=False):
        return _evaluate(model, loss, X, T, _labels(T, loss), batch_size)


def predict(model, X, batch_size=1024):
    """The model's output for every row of ``X``, ``batch_size`` rows at a time."""
    check_int(batch_size, "batch_size", "predict")
    X = model.check_inputs(X, "predict")
    starts = range(0, X.shape[0], batch_size)
    with mode(model, training=False):
        outs = [model.call(X[i : i + batch_size]) for i in starts]
    return outs[0] if len(outs) == 1 else namespace(X).concat(outs, axis=0)


@contextlib.contextmanager
def mode(model, training):
    """Run a block in training (``True``) or evaluation mode, then restore the mode."""
    before = model.training
    model.train(training)
    try:
        yield model
    finally:
        model.train(before)


# ---- helpers of fit, each run once per call or once per epoch ---------------------
def _check_fit(model, X, T, loss, optimizer, epochs, batch_size, val, schedule, cbs):
    """Every check of :func:`fit`, once; returns the converted arrays."""
    check_int(epochs, "epochs", "fit", minimum=0)
    check_int(batch_size, "batch_size", "fit")
    loss, X, T = model.check_data(loss, X, T, "fit")
    optimizer = _check_optimizer(optimizer, model)
    if val is not None:
        if not (isinstance(val, (tuple, list)) and len(val) == 2):
            raise TypeError("fit: validation_data must be a pair (X_val, T_val)")
        _, X_val, T_val = model.check_data(loss, *val, "fit validation_data")
        val = (X_val, T_val, _labels(T_val, loss))
    if schedule is not None and getattr(schedule, "opt", None) is not optimizer:
        raise ValueError(
            "fit: the schedule changes the learning rate of another optimizer; build "
            "it on the optimizer passed to fit"
        )
    if not all(callable(cb) for cb in cbs):
        raise TypeError("fit: callbacks must be functions f(epoch, logs)")
    _check_parameters(model, "fit: before training")
    return loss, X, T, _labels(T, loss), optimizer, val


def _check_optimizer(optimizer, model):
    """An optimizer of this model's own parameter arrays (a name builds one)."""
    params = model.parameters()
    if isinstance(optimizer, str):
        return optim.get(optimizer, params)
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            "fit: optimizer must be an mlplib.optim optimizer or a name such as "
            f"'sgd', got {type(optimizer).__name__}"
        )
    check_names(optimizer.params, params, "the optimizer's parameter names", "fit")
    for name, p in params.items():
        if optimizer.params[name] is not p:
            raise ValueError(
                f"fit: the optimizer's parameter {name!r} is not this model's array "
                "(it was built on another model, or before the model's arrays were "
                "replaced); build it with model.parameters() of the model you train"
            )
    return optimizer


def _check_parameters(model, where):
    for name, p in model.parameters().items():
        check_finite(p, f"parameter {name!r}", where)


def _labels(T, loss):
    """Class of each target row for a classification (cross-entropy) loss, else None."""
    return classes(T) if loss.fused_activation is not None else None


def _evaluate(model, loss, X, T, labels, batch_size=1024):
    total, correct, N = 0.0, 0, X.shape[0]
    for i in range(0, N, batch_size):
        rows = slice(i, i + batch_size)
        total += float(model.call_loss(loss, X[rows], T[rows])) * X[rows].shape[0]
        if labels is not None:
            correct += n_correct(model.layers[-1].A, labels[rows])
    return {
        "loss": total / N,
        **({"accuracy": correct / N} if labels is not None else {}),
    }


def _epoch_logs(model, loss, N, E_sum, correct, labels, val):
    logs = {"loss": E_sum / N}
    if labels is not None:
        logs["accuracy"] = correct / N
    if val is not None:
        with mode(model, training=False):
            for key, value in _evaluate(model, loss, *val).items():
                logs["val_" + key] = value
    return logs


def _stopped(err, model, optimizer, epoch, batch):
    """The error that stops :func:`fit`: where, what, and the likely cause."""
    bad = [n for n, p in model.parameters().items() if not is_finite(p)]
    cause = (
        f"; parameters {bad} became non-finite in the previous update" if bad else ""
    )
    return NonFiniteError(
        f"fit: epoch {epoch + 1}, batch {batch + 1}: {err}{cause}. Training diverged: "
        f"try a learning rate smaller than lr={optimizer.lr}"
    )
