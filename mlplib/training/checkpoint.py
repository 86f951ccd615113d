"""Saving and loading weights: an ``.npz`` file of named parameters (a ``state_dict``).

Only the numbers are stored, not the architecture (as with
``torch.save(model.state_dict(), path)``): build the same model first, then load.
Buffers (such as batch normalisation's running statistics) are stored beside the
parameters, as in a PyTorch ``state_dict``. Loading checks every name and shape and
fails naming the file, the key and both shapes;
values are copied in place, so an optimizer built on ``model.parameters()`` keeps
working. A damaged, truncated or foreign file raises :class:`CheckpointError` naming the
file and the problem. Loading never unpickles (``allow_pickle=False``), so a file cannot
run code.

>>> import pathlib, tempfile
>>> from mlplib import Sequential
>>> path = pathlib.Path(tempfile.mkdtemp()) / "weights.npz"
>>> model = Sequential.from_sizes([3, 2], "relu", seed=0)
>>> save_weights(model, path).name
'weights.npz'
>>> other = load_weights(Sequential.from_sizes([3, 2], "relu", seed=1), path)
>>> bool((other.layers[0].W == model.layers[0].W).all())
True
"""

import pathlib
import zipfile

import numpy as np

from ..backend import to_numpy
from ..errors import check_names


class CheckpointError(ValueError):
    """A weights file is damaged, truncated, or not an mlplib ``.npz`` checkpoint."""


def save_weights(model, path):
    """Write ``model``'s parameters and buffers to the ``.npz`` file ``path``; returns
    the path."""
    path = pathlib.Path(path)
    if path.suffix != ".npz":
        raise ValueError(
            f"save_weights: the file name must end in .npz, got {str(path)!r}"
        )
    arrays = {**model.parameters(), **model.buffers()}
    np.savez(path, **{name: to_numpy(value) for name, value in arrays.items()})
    return path


def read_weights(path):
    """The arrays stored in the checkpoint ``path``, ``{"0.W": ..., ...}``.

    Not checked against any model; never unpickles.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load_weights: no such file {str(path)!r}")
    try:
        stored = np.load(path, allow_pickle=False)
        if not isinstance(stored, np.lib.npyio.NpzFile):
            raise ValueError("it holds a single .npy array, not named parameters")
        with stored:
            return {name: stored[name] for name in stored.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as err:
        raise CheckpointError(
            f"load_weights: {str(path)!r} is not a readable mlplib checkpoint (an .npz "
            f"archive of named float arrays): {err}; the file is damaged, truncated or "
            "of another kind"
        ) from None


def load_weights(model, path):
    """Copy the parameters and buffers stored in ``path`` into ``model`` (in place).

    Names and shapes must match exactly; the arrays must be floating point.
    """
    stored = read_weights(path)
    where = f"load_weights: {str(path)!r}"
    buffers = model.buffers()
    check_names(
        stored, {**model.parameters(), **buffers}, "parameter names in the file", where
    )
    for name, value in stored.items():
        if value.dtype.kind != "f":
            raise CheckpointError(
                f"{where}: {name!r} has dtype {value.dtype}; expected floating point"
            )
    model.set_parameters({k: v for k, v in stored.items() if k not in buffers}, where)
    model.set_buffers({k: v for k, v in stored.items() if k in buffers}, where)
    return model
