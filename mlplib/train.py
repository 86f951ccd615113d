r"""The training loop: :func:`fit`, :func:`evaluate`, :func:`predict`, :func:`accuracy`.

One epoch visits every training sample once, in shuffled mini-batches of ``batch_size``
(:func:`mlplib.data.minibatches`); each batch is one gradient step:

.. math::

    E_B = \frac{1}{|B|}\sum_{n \in B} E(\hat y_n, t_n), \qquad
    w \leftarrow \text{optimizer}(w, \partial E_B / \partial w).

``fit`` records, per epoch, the mean training loss and accuracy over the batches (computed
during the epoch while the weights change, as Keras reports them) and, with ``validation_data``,
the loss and accuracy on that data after the epoch. The loop is deliberately thin: a step is
``model.compute_gradients`` plus ``optimizer.step``; the inputs are converted to the model's
dtype once, before the first epoch, not per batch.

Progress bar: ``progress=True`` shows a ``tqdm.auto`` bar per epoch (a widget in Jupyter/Colab
when ipywidgets is installed, a text bar on a terminal). ``progress=None`` (the default) means
"on unless the environment variable ``MLPLIB_PROGRESS`` is ``0``". The book's notebooks pass
``progress=False``, so no bar, which holds timings, is ever stored in a notebook output.
"""
import os

import numpy as np

from . import data, losses as losses_module
from .backend import namespace
from .errors import ShapeError, check_finite


class History(dict):
    """Per-epoch metrics, ``{"loss": [...], "accuracy": [...], "val_loss": [...], "val_accuracy": [...]}``.

    A plain ``dict`` of lists (one entry per epoch); ``history.history`` is the same dict, as in Keras.
    ``history.epochs`` is the number of epochs trained.
    """

    @property
    def history(self):
        return self

    @property
    def epochs(self):
        return len(self.get("loss", []))

    def __repr__(self):
        cols = list(self)
        lines = ["epoch  " + "  ".join(f"{c:>12}" for c in cols)]
        for e in range(self.epochs):
            lines.append(f"{e + 1:>5}  " + "  ".join(f"{self[c][e]:>12.4f}" for c in cols))
        return "\n".join(lines)


def progress_default():
    """``True`` unless the environment variable ``MLPLIB_PROGRESS`` is ``"0"`` (or ``"false"``/``"no"``)."""
    return os.environ.get("MLPLIB_PROGRESS", "1").strip().lower() not in ("0", "false", "no", "off")


# ---- inputs ----------------------------------------------------------------------------------
def _inputs(model, X, where):
    """``X`` as a 2-D array in the model's namespace and dtype (converted once), checked finite."""
    first = model.layers[0]
    if getattr(X, "ndim", None) != 2 or X.shape[1] != first.n_in:
        shape = tuple(getattr(X, "shape", ()))
        hint = " (flatten images with x.reshape(len(x), -1))" if len(shape) > 2 else ""
        raise ShapeError(f"{where}: X must have shape (N, {first.n_in}) for {first.describe()}, got {shape}{hint}")
    xp = namespace(X, first.W)
    X = xp.asarray(X, dtype=first.W.dtype)
    check_finite(X, "X", where=where)
    return X


def _targets(model, Y, n, loss, where):
    """Targets as ``(N, n_out)`` in the model's dtype; integer labels ``(N,)`` become one-hot rows.

    Integer labels are accepted only with the categorical cross-entropy (as Keras's *sparse*
    categorical cross-entropy). Returns ``(T, labels)``: ``labels`` are the class indices used
    by :func:`accuracy` (``None`` for losses that are not classification losses).
    """
    last = model.layers[-1]
    n_out = last.n_out
    xp = namespace(last.W)
    Y = Y if hasattr(Y, "shape") else np.asarray(Y)
    if Y.shape[0] != n:
        raise ShapeError(f"{where}: X has {n} samples (rows) but Y has {Y.shape[0]}; they must match")
    if Y.ndim == 1 and loss.name == "categorical_cross_entropy":
        labels = np.asarray(Y)
        if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() >= n_out:
            raise ValueError(
                f"{where}: 1-D Y must hold integer class labels in 0..{n_out - 1} for a {n_out}-output model, "
                f"got dtype {labels.dtype}, values {labels.min()}..{labels.max()}"
            )
        T = np.zeros((n, n_out), dtype=np.dtype(model.dtype))
        T[np.arange(n), labels] = 1
        return xp.asarray(T), xp.asarray(labels)
    if Y.ndim != 2 or Y.shape[1] != n_out:
        raise ShapeError(
            f"{where}: Y must have shape ({n}, {n_out}) to match the output of {last.describe()}"
            + (" (or integer labels of shape (N,) with the categorical cross-entropy)" if n_out > 1 else "")
            + f", got {tuple(Y.shape)}"
        )
    T = xp.asarray(Y, dtype=last.W.dtype)
    check_finite(T, "Y", where=where)
    labels = _labels(T) if loss.fused_activation is not None else None
    return T, labels


def _labels(T):
    """Class index of each row: argmax for several outputs, ``t > 0.5`` for one (binary) output."""
    xp = namespace(T)
    if T.shape[1] == 1:
        return xp.astype(T[:, 0] > 0.5, xp.int64)
    return xp.argmax(T, axis=1)


def _n_correct(Y, labels):
    """Number of rows whose predicted class (:func:`_labels` of the output ``Y``) equals ``labels``."""
    xp = namespace(Y)
    return int(xp.sum(xp.astype(_labels(Y) == labels, xp.int64)))


def accuracy(Y, T):
    """Fraction of rows whose predicted class matches the target.

    ``Y`` is the model output ``(N, n_out)``; the predicted class is ``argmax`` of each row, or
    ``y > 0.5`` when ``n_out == 1``. ``T`` holds one-hot (or probability) rows of the same shape,
    or integer labels ``(N,)``.
    """
    if getattr(Y, "ndim", None) != 2:
        raise ShapeError(f"accuracy: Y must be the (N, n_out) model output, got shape {tuple(getattr(Y, 'shape', ()))}")
    labels = T if T.ndim == 1 else _labels(T)
    if labels.shape[0] != Y.shape[0] or (T.ndim == 2 and T.shape != Y.shape):
        raise ShapeError(f"accuracy: Y has shape {tuple(Y.shape)} but T has shape {tuple(T.shape)}")
    return _n_correct(Y, labels) / Y.shape[0]


# ---- one batch -------------------------------------------------------------------------------
def _batch_loss(model, loss, X, T):
    """Forward ``X``; return ``(E, Y)``, the loss on this batch (on the logits for a fused loss) and the output."""
    Y = model.forward(X)
    if loss.fused_activation is None:
        return loss.value(Y, T), Y
    return loss.value(model.layers[-1].Z, T), Y


def _check_batch_size(batch_size, where):
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"{where}: batch_size must be a positive integer, got {batch_size!r}")


# ---- the public functions --------------------------------------------------------------------
def predict(model, X, batch_size=1024):
    """The model's output for every row of ``X``, computed ``batch_size`` rows at a time (bounded memory)."""
    _check_batch_size(batch_size, "predict")
    X = _inputs(model, X, "predict")
    xp = namespace(X)
    outs = [model.forward(X[i:i + batch_size]) for i in range(0, X.shape[0], batch_size)]
    return outs[0] if len(outs) == 1 else xp.concat(outs, axis=0)


def evaluate(model, X, Y, loss, batch_size=1024):
    """Mean loss and accuracy of ``model`` on ``(X, Y)``: ``{"loss": ..., "accuracy": ...}``.

    The loss is averaged over all samples (each batch's mean weighted by its size).
    ``accuracy`` is included for the cross-entropy losses (classification).
    """
    _check_batch_size(batch_size, "evaluate")
    loss = losses_module.get(loss)
    X = _inputs(model, X, "evaluate")
    T, labels = _targets(model, Y, X.shape[0], loss, "evaluate")
    total, correct = 0.0, 0
    for i in range(0, X.shape[0], batch_size):
        E, Yb = _batch_loss(model, loss, X[i:i + batch_size], T[i:i + batch_size])
        total += float(E) * Yb.shape[0]
        if labels is not None:
            correct += _n_correct(Yb, labels[i:i + batch_size])
    result = {"loss": total / X.shape[0]}
    if labels is not None:
        result["accuracy"] = correct / X.shape[0]
    return result


def fit(model, X, Y, loss, optimizer, epochs=1, batch_size=32, validation_data=None, seed=0, shuffle=True,
        progress=None, schedule=None, callbacks=()):
    """Train ``model`` on ``(X, Y)`` with ``optimizer`` for ``epochs`` epochs; return a :class:`History`.

    - ``X``: ``(N, n_in)``; converted once to the model's dtype (float32 by default, float64 works too).
    - ``Y``: targets ``(N, n_out)``, or integer labels ``(N,)`` with the categorical cross-entropy.
    - ``loss``: a :mod:`mlplib.losses` name or instance; ``optimizer``: an :mod:`mlplib.optim` optimizer
      built on ``model.parameters()``.
    - Batches: :func:`mlplib.data.minibatches` with seed ``[seed, epoch]``, so a run is reproducible and
      each epoch has its own order; ``shuffle=False`` keeps the data order.
    - ``validation_data=(X_val, Y_val)`` adds ``val_loss`` (and ``val_accuracy``) after each epoch.
    - ``schedule``: a :mod:`mlplib.schedules` object, stepped at the end of each epoch
      (``ReduceLROnPlateau`` gets ``val_loss``, or ``loss`` without validation data).
    - ``callbacks``: functions ``f(epoch, logs)`` called at the end of each epoch with that epoch's
      metrics; if one returns ``True`` training stops.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative integer, got {epochs!r}")
    _check_batch_size(batch_size, "fit")
    loss = losses_module.get(loss)
    X = _inputs(model, X, "fit")
    N = X.shape[0]
    T, labels = _targets(model, Y, N, loss, "fit")
    if validation_data is not None:
        if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
            raise ValueError("fit: validation_data must be a pair (X_val, Y_val)")
        X_val = _inputs(model, validation_data[0], "fit validation_data")
        T_val, _ = _targets(model, validation_data[1], X_val.shape[0], loss, "fit validation_data")
    if progress is None:
        progress = progress_default()
    history = History(loss=[])
    if labels is not None:
        history["accuracy"] = []
    if validation_data is not None:
        history["val_loss"] = []
        if labels is not None:
            history["val_accuracy"] = []
    n_batches = data.iterations_per_epoch(N, batch_size)
    for epoch in range(epochs):
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=n_batches, desc=f"epoch {epoch + 1}/{epochs}", unit="batch", leave=True)
        total, correct = 0.0, 0
        for idx in data.minibatches(N, batch_size, shuffle=shuffle, seed=[seed, epoch]):
            E = model.compute_gradients(loss, X[idx], T[idx])
            optimizer.step(model.gradients())
            total += float(E) * idx.shape[0]
            if labels is not None:
                correct += _n_correct(model.layers[-1].A, labels[idx])
            if bar is not None:
                bar.update(1)
        logs = {"loss": total / N}
        if labels is not None:
            logs["accuracy"] = correct / N
        if validation_data is not None:
            val = evaluate(model, X_val, T_val, loss)
            logs["val_loss"] = val["loss"]
            if "accuracy" in val:
                logs["val_accuracy"] = val["accuracy"]
        for key, value in logs.items():
            history[key].append(value)
        if bar is not None:
            bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items()}, refresh=True)
            bar.close()
        if schedule is not None:
            _step_schedule(schedule, logs)
        if any([cb(epoch, logs) is True for cb in callbacks]):  # a list: every callback runs
            break
    return history


def _step_schedule(schedule, logs):
    """End-of-epoch schedule step; a plateau schedule watches ``val_loss`` (else ``loss``)."""
    from .schedules import ReduceLROnPlateau

    if isinstance(schedule, ReduceLROnPlateau):
        schedule.step(logs.get("val_loss", logs["loss"]))
    else:
        schedule.step()
