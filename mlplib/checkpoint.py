"""Saving and loading weights: an ``.npz`` file of named parameters, like a PyTorch ``state_dict``.

::

    checkpoint.save_weights(model, "mnist.npz")      # {"0.W": W, "0.b": b, "1.W": ...}
    checkpoint.load_weights(other_model, "mnist.npz")  # same architecture: copies the values in place

Only the numbers are stored, not the architecture (as with ``torch.save(model.state_dict(), path)``):
build the same model first, then load. Loading checks every name and shape and fails naming the
key and both shapes; values are copied in place, so an optimizer built on ``model.parameters()``
keeps working.
"""
import pathlib

import numpy as np

from .backend import to_numpy
from .errors import ShapeError


def save_weights(model, path):
    """Write ``model.parameters()`` to the ``.npz`` file ``path`` (NumPy arrays, the model's dtype). Returns the path."""
    path = pathlib.Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"save_weights: the file name must end in .npz, got {str(path)!r}")
    np.savez(path, **{name: to_numpy(value) for name, value in model.parameters().items()})
    return path


def load_weights(model, path):
    """Copy the parameters stored in ``path`` into ``model`` (in place); names and shapes must match exactly."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load_weights: no such file {str(path)!r}")
    own = model.parameters()
    with np.load(path, allow_pickle=False) as f:
        stored = {name: f[name] for name in f.files}
    missing, extra = sorted(set(own) - set(stored)), sorted(set(stored) - set(own))
    if missing or extra:
        raise KeyError(
            f"load_weights: {str(path)!r} does not fit this model: missing {missing}, unexpected {extra}; "
            f"the model's parameters are {list(own)}"
        )
    for name, value in stored.items():
        if tuple(value.shape) != tuple(own[name].shape):
            layer = model.layers[int(name.split(".")[0])]
            raise ShapeError(
                f"load_weights: {name!r} in {str(path)!r} has shape {tuple(value.shape)} but {layer.describe()} "
                f"expects {tuple(own[name].shape)}; build the model with the same sizes as the saved one"
            )
    model.set_parameters(stored)
    return model
