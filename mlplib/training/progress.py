"""The progress bar of :func:`mlplib.training.fit`.

``progress=True`` shows a ``tqdm.auto`` bar per epoch (a widget in Jupyter/Colab when
ipywidgets is installed, a text bar on a terminal). ``progress=None`` (the default)
means "on unless the environment variable ``MLPLIB_PROGRESS`` is ``0``". The book's
notebooks pass ``progress=False``, so no bar, which holds timings, is ever stored in a
notebook output.
"""

import os

from .. import data


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


def close_bar(batches, logs):
    """Show the epoch's metrics on its bar and close it (no bar: nothing)."""
    if hasattr(batches, "set_postfix"):
        batches.set_postfix({k: f"{v:.4f}" for k, v in logs.items()}, refresh=True)
        batches.close()
