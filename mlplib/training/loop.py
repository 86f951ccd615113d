r"""The training loop: :func:`fit`, :func:`evaluate`, :func:`predict`.

One epoch (:func:`run_epoch`) visits every training sample once, in shuffled
mini-batches of ``batch_size`` (:func:`mlplib.data.minibatches`); each batch is one
gradient step, :func:`train_step`:

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
- ``schedule``: a :mod:`mlplib.training.schedules` object on the same optimizer,
  stepped at the end of each epoch (``ReduceLROnPlateau`` gets ``val_loss`` or
  ``loss``).
- ``callbacks``: functions ``f(epoch, logs)`` called at the end of each epoch; if one
  returns ``True`` training stops (:class:`~mlplib.training.EarlyStopping`).
- ``progress``: a ``tqdm`` bar per epoch; ``None`` means on unless the environment
  variable ``MLPLIB_PROGRESS`` is ``0``. The book passes ``progress=False``.

Every argument is checked once, before the first step (:mod:`.checks`); the loop then
calls the unchecked steps. Steps run in training mode, validation in evaluation mode.
What it still watches costs next to nothing: a loss, gradient or parameter that is not
finite stops training with :class:`~mlplib.errors.NonFiniteError` naming the
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

from .. import data
from ..backend import namespace
from ..errors import NonFiniteError, check_int, is_finite
from .callbacks import end_epoch
from .checks import check_fit, check_parameters, diverged, labels_of
from .history import History
from .metrics import n_correct
from .progress import close_bar, with_progress


def fit(
    model,
    X,
    T,
    loss,
    optimizer,
    epochs=1,
    batch_size=32,
    validation_data=None,
    seed=0,
    shuffle=True,
    progress=None,
    schedule=None,
    callbacks=(),
):
    """Train ``model`` on ``(X, T)``; return the :class:`History` of each epoch."""
    args = (epochs, batch_size, validation_data, schedule, callbacks)
    loss, X, T, labels, optimizer, val = check_fit(model, X, T, loss, optimizer, *args)
    history = History()
    with mode(model, training=True):
        for epoch in range(epochs):
            batches = data.minibatches(len(X), batch_size, shuffle, seed=[seed, epoch])
            batches = with_progress(batches, progress, epoch, epochs, X, batch_size)
            steps = run_epoch(model, loss, optimizer, X, T, batches)
            logs = epoch_logs(model, loss, optimizer, steps, labels, val, epoch)
            close_bar(batches, logs)
            history.add(logs)
            if end_epoch(epoch, logs, schedule, callbacks):
                break
    return history


def run_epoch(model, loss, optimizer, X, T, batches):
    """One gradient step per mini-batch; yields each batch's rows and loss ``E``.

    Printed in chapters/05_mnist.
    """
    for idx in batches:
        yield idx, train_step(model, loss, optimizer, X[idx], T[idx])


def train_step(model, loss, optimizer, X, T):
    """One gradient step on a batch: forward, loss, backward, update. Returns ``E``.

    Printed in chapters/05_mnist.
    """
    E = model.call_gradients(loss, X, T)
    optimizer.apply(model.gradients())
    return E


def epoch_logs(model, loss, optimizer, steps, labels, val, epoch):
    """Run the epoch's ``steps``, watching the loss; return the epoch's metrics: mean
    loss and accuracy over the batches, then the validation metrics."""
    E_sum, correct, N, done = 0.0, 0, 0, 0  # done: batches completed
    try:
        for idx, E in steps:
            E = float(E)
            if not is_finite(E):  # cheap: one float
                raise NonFiniteError(f"the loss is {E}")
            E_sum, N, done = E_sum + E * len(idx), N + len(idx), done + 1
            if labels is not None:
                correct += n_correct(model.layers[-1].A, labels[idx])
    except NonFiniteError as err:  # a loss, or a gradient (optimizer.apply)
        raise diverged(err, model, optimizer, epoch, done) from None
    logs = {
        "loss": E_sum / N,
        **({"accuracy": correct / N} if labels is not None else {}),
    }
    if val is not None:
        with mode(model, training=False):
            logs.update(
                {"val_" + k: v for k, v in mean_loss(model, loss, *val).items()}
            )
    check_parameters(model, f"fit: after epoch {epoch + 1}")
    return logs


def evaluate(model, X, T, loss, batch_size=1024):
    """Mean loss (and accuracy, for the cross-entropies) of ``model`` on ``(X, T)``.

    The loss is averaged over all samples (each batch's mean weighted by its size).
    """
    check_int(batch_size, "batch_size", "evaluate")
    loss, X, T = model.check_data(loss, X, T, "evaluate")
    with mode(model, training=False):
        return mean_loss(model, loss, X, T, labels_of(T, loss), batch_size)


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


def mean_loss(model, loss, X, T, labels, batch_size=1024):
    """The loss (and accuracy) on checked ``(X, T)``, ``batch_size`` rows at a time."""
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
