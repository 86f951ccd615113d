"""What :func:`mlplib.train.fit` reports: a per-epoch :class:`History`, a progress bar.

Progress bar: ``progress=True`` shows a ``tqdm.auto`` bar per epoch (a widget in
Jupyter/Colab when ipywidgets is installed, a text bar on a terminal). ``progress=None``
(the default) means "on unless the environment variable ``MLPLIB_PROGRESS`` is ``0``".
The book's notebooks pass ``progress=False``, so no bar, which holds timings, is ever
stored in a notebook output.
"""

import os

from . import data
from .schedules import ReduceLROnPlateau


class History(dict):
    """Per-epoch metrics ``{"loss": [...], "accuracy": [...], "val_loss": [...]}``.

    A plain ``dict`` of lists (one entry per epoch); ``history.history`` is the same
    dict, as in Keras. ``history.epochs`` is the number of epochs trained.
    """

    @property
    def history(self):
        return self

    @property
    def epochs(self):
        return len(self.get("loss", []))

    def add(self, logs):
        """Append one epoch's metrics."""
        for key, value in logs.items():
            self.setdefault(key, []).append(value)

    def __repr__(self):
        cols = list(self)
        lines = ["epoch  " + "  ".join(f"{c:>12}" for c in cols)]
        for e in range(self.epochs):
            values = "  ".join(f"{self[c][e]:>12.4f}" for c in cols)
            lines.append(f"{e + 1:>5}  {values}")
        return "\n".join(lines)


def progress_default():
    """``True`` unless the environment variable ``MLPLIB_PROGRESS`` is ``"0"``."""
    flag = os.environ.get("MLPLIB_PROGRESS", "1").strip().lower()
    return flag not in ("0", "false", "no", "off")


def with_progress(batches, progress, epoch, epochs, X, batch_size):
    """The batches, wrapped in a ``tqdm`` bar when progress is on."""
    if not (progress_default() if progress is None else progress):
        return batches
    from tqdm.auto import tqdm

    total = data.iterations_per_epoch(X.shape[0], batch_size)
    return tqdm(batches, total=total, desc=f"epoch {epoch + 1}/{epochs}", unit="batch")


def end_epoch(epoch, logs, batches, schedule, callbacks):
    """Close the bar, step the schedule, run the callbacks; ``True`` stops training."""
    if hasattr(batches, "set_postfix"):
        batches.set_postfix({k: f"{v:.4f}" for k, v in logs.items()}, refresh=True)
        batches.close()
    if schedule is not None:
        if isinstance(schedule, ReduceLROnPlateau):
            schedule.step(logs.get("val_loss", logs["loss"]))
        else:
            schedule.step()
    return any([cb(epoch, logs) is True for cb in callbacks])  # a list: all run
